/**
 * How a file of the drop-in script's own (dist/trace-agent.overlay.js) hands
 * what it holds to the page's script that loaded it, without a global: the
 * loader (src/agent/script-part.ts) puts a <script> in the page and listens
 * on that element; the file, while its top level runs, dispatches PART_EVENT
 * on its own element (document.currentScript) with its exports as detail.
 * The loader also hangs the builtins it captured at start-up on the element
 * (PART_BUILTINS), so that the file uses those and not the page's current
 * ones (src/overlay/page-builtins.ts).
 */
export const PART_EVENT = 'trace-agent:part';
export const PART_BUILTINS = '__traceAgentBuiltins';

/** The element of the part's <script> while its top level runs; null when it was not loaded by our loader. */
export function partScript(): (HTMLScriptElement & { [PART_BUILTINS]?: unknown }) | null {
  if (typeof document === 'undefined' || typeof HTMLScriptElement !== 'function') return null;
  const el = document.currentScript;
  return el instanceof HTMLScriptElement ? el : null;
}

/** Hands `exports` to the loader: call at the top level of the part's entry. */
export function announcePart(exports: object): void {
  partScript()?.dispatchEvent(new CustomEvent(PART_EVENT, { detail: exports }));
}
