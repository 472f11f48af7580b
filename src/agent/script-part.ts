/**
 * Loads a file of the drop-in script's own (the overlay) with a <script>
 * beside the drop-in's URL, the way a page's CSP allows most often: the same
 * origin and folder as the script it already runs, with that script's nonce
 * (for a nonce policy), and inserted by it (for 'strict-dynamic'). The file
 * hands its exports back on its own element (src/overlay/script-part.ts).
 * Fails (the promise rejects, once) when the file is missing, refused, does
 * not hand anything back, or takes longer than PART_TIMEOUT_MS.
 */
import { listen, rejected, setTimer, clearTimer, NativePromise, STARTUP_BUILTINS } from '../core/builtins';
import { PART_BUILTINS, PART_EVENT } from '../overlay/script-part';

/** Far above a file's download on a slow network: the loader must not wait forever. */
export const PART_TIMEOUT_MS = 60_000;

/** A sibling of the drop-in script: `trace-agent.js?v=3` → `trace-agent.<part>.js?v=3` (the query kept: a cache-buster covers all). */
export function siblingUrl(scriptSrc: string, part: string): string | null {
  let url: URL;
  try {
    url = new URL(scriptSrc);
  } catch {
    return null;
  }
  const path = url.pathname;
  const slash = path.lastIndexOf('/') + 1;
  const file = path.slice(slash);
  const base = file.endsWith('.js') ? file.slice(0, -3) : file;
  url.pathname = `${path.slice(0, slash)}${base || 'trace-agent'}.${part}.js`;
  url.hash = '';
  return url.href;
}

/** Loads the part at `url`; resolves to what it hands back. */
export function loadScriptPart<T extends object>(url: string, nonce: string): Promise<T> {
  if (typeof document === 'undefined') return rejected(new Error('no document to load it into'));
  return new NativePromise<T>((resolve, reject) => {
    const el = document.createElement('script') as HTMLScriptElement & { [PART_BUILTINS]?: unknown };
    let done = false;
    const end = (err: Error | null, value?: T) => {
      if (done) return;
      done = true;
      clearTimer(timer);
      el.remove();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimer(() => end(new Error(`${url} did not load within ${PART_TIMEOUT_MS / 1000} s`)), PART_TIMEOUT_MS);
    // The file hands back its exports, or (its top level threw: the build's catch around it) why it failed.
    listen(el, PART_EVENT, ((ev: CustomEvent<T & { failed?: string }>) => {
      const failed = ev.detail?.failed;
      if (typeof failed === 'string') end(new Error(`${url} failed as it started: ${failed}`));
      else end(null, ev.detail);
    }) as EventListener);
    listen(el, 'error', () => end(new Error(`${url} could not be loaded (missing, or refused by the page's Content-Security-Policy)`)));
    // A script that ran without handing anything back (not ours, or broken): its load event comes after its run.
    listen(el, 'load', () => end(new Error(`${url} loaded but did not start (is it the trace-agent file of the same build?)`)));
    el[PART_BUILTINS] = STARTUP_BUILTINS;
    if (nonce) el.nonce = nonce;
    el.src = url;
    (document.head ?? document.documentElement).appendChild(el);
  });
}
