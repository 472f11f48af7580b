/**
 * The drop-in entry: `<script src="trace-agent.js" data-hook="game.npcs"></script>`.
 * Reads its options from its own tag and exposes `window.TraceAgent`. It
 * carries only what must run at once (the core, the hooks, the store's
 * client); its two sibling files, found beside its own URL, hold the rest:
 * trace-agent.worker.js is the store's worker (src/store/worker.ts, started
 * from its URL, or a blob: that imports it), trace-agent.overlay.js the
 * overlay, loaded when it is first opened (src/script-overlay.ts).
 */
import { createTraceAgent, type TraceAgent, type TraceAgentOptions } from './create-agent';
import { errorMessage } from './core/errors';
import { splitPaths } from './hooks/paths';
import { parseThresholds } from './analytics/alerts';
import { chain, rejected } from './core/builtins';
import { setOverlayLoader, type MountOverlay } from './agent/overlay-loader';
import { setTraceOpener, type OpenTrace } from './agent/open-loader';
import type { ChromeTraceWriter } from './export/chrome-trace';
import { setChromeWriter } from './store/export-stream';
import { loadScriptPart, siblingUrl } from './agent/script-part';
import { scriptWorkerRoutes, setWorkerRoutes } from './store/spawn-worker';
import { inWorkerScope } from './store/worker-scope';

/** Where the script tag puts the agent; typed here rather than on Window, so a page's own typing of it wins. */
const host = globalThis as unknown as { TraceAgent?: TraceAgent };

/**
 * This script's own tag: document.currentScript, read while the script's top
 * level runs (the only time it is this script's). It is null when the file
 * is not run as a classic script by its own tag: loaded as `type="module"`,
 * run from a shadow root, or run by other code (a loader's eval, a worker's
 * importScripts).
 */
function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  return current instanceof HTMLScriptElement ? current : null;
}

/**
 * Where the options are read from: the own tag, else (a module load) the
 * first tag that names the agent. Options only: the worker's URL is never
 * taken from a tag other than our own (see the worker routes below).
 */
function optionsTag(own: HTMLScriptElement | null): HTMLScriptElement | null {
  return own ?? document.querySelector<HTMLScriptElement>('script[data-trace-agent], script[src*="trace-agent"]');
}

/** Why the store has no worker route, when the script does not know its own URL. */
const NO_OWN_TAG =
  'no worker: document.currentScript was null (the drop-in script was loaded as a module, from a shadow root, or by other code), so its own URL is unknown and no other tag\'s is trusted; the store runs on the main thread (load it with a classic <script src>, or use the ESM build)';

/** Why there is no overlay, when the script does not know its own URL. */
const NO_OWN_URL =
  'document.currentScript was null (the drop-in script was loaded as a module, from a shadow root, or by other code), so the URL of trace-agent.overlay.js beside it is unknown';

/** The overlay's code from trace-agent.overlay.js beside this script, with this script's nonce. */
interface OverlayPartExports {
  mountOverlay: MountOverlay;
  openTrace: OpenTrace;
  ChromeTraceWriter: typeof ChromeTraceWriter;
}

/** dist/trace-agent.overlay.js, loaded once it is first asked for (and again after a failed load). */
function overlayFrom(own: HTMLScriptElement | null): () => Promise<OverlayPartExports> {
  const url = own ? siblingUrl(own.src, 'overlay') : null;
  if (!own || !url) return () => rejected(new Error(own ? 'the drop-in script has no URL (inlined in the page)' : NO_OWN_URL));
  const nonce = own.nonce;
  let part: Promise<OverlayPartExports> | null = null;
  return () =>
    // chain: the original then (a page's Promise.prototype.then may throw).
    (part ??= chain(
      loadScriptPart<OverlayPartExports>(url, nonce),
      (p) => p,
      (err: unknown) => {
        part = null;
        throw err;
      },
    ));
}

/** `data-*` attributes as options. A flag attribute counts when present, unless "false". */
function optionsFromDataset(ds: DOMStringMap): TraceAgentOptions {
  const flag = (v: string | undefined) => v !== undefined && v !== 'false';
  const o: TraceAgentOptions = {};
  if (ds['hotkey']) o.hotkey = ds['hotkey'];
  if (ds['capacity']) o.capacity = Number(ds['capacity']);
  if (ds['capacityBytes']) o.capacityBytes = Number(ds['capacityBytes']);
  if (ds['maxSessions']) o.maxSessions = Number(ds['maxSessions']);
  if (ds['open'] !== undefined) o.open = flag(ds['open']);
  if (ds['overlay'] !== undefined) o.overlay = flag(ds['overlay']);
  if (ds['db']) o.dbName = ds['db'];
  if (ds['strict'] !== undefined) o.strict = flag(ds['strict']);
  if (ds['worker'] !== undefined) o.worker = flag(ds['worker']);
  if (ds['input'] !== undefined && flag(ds['input'])) o.input = { captureText: flag(ds['inputText']) };
  const system: NonNullable<TraceAgentOptions['system']> = {};
  if (ds['console'] !== undefined) system.console = flag(ds['console']);
  if (ds['errors'] !== undefined) system.errors = flag(ds['errors']);
  if (ds['longTasks'] !== undefined) system.longTasks = flag(ds['longTasks']);
  if (Object.keys(system).length > 0) o.system = system;
  // data-network="false" leaves fetch/XHR alone; "bodies, query" asks for more.
  const net = ds['network'];
  if (net !== undefined) {
    const words = net.split(/[\s,]+/).filter(Boolean);
    o.network = net === 'false' ? false : { captureBodies: words.includes('bodies'), captureQuery: words.includes('query') };
  }
  if (ds['analytics'] !== undefined) o.analytics = flag(ds['analytics']);
  if (ds['thresholds']) o.thresholds = parseThresholds(ds['thresholds']);
  const frames: NonNullable<TraceAgentOptions['frames']> = {};
  if (ds['frameStats'] !== undefined) frames.stats = flag(ds['frameStats']);
  if (ds['hitchMs']) frames.hitchMs = Number(ds['hitchMs']);
  if (Object.keys(frames).length > 0) o.frames = frames;
  return o;
}

function start(script: HTMLScriptElement | null): void {
  if (host.TraceAgent) return; // loaded twice: keep the first
  const ds = script?.dataset ?? {};
  let agent: TraceAgent;
  try {
    agent = createTraceAgent(optionsFromDataset(ds));
  } catch (err) {
    // A bad option must not break the game: say it once, and trace nothing.
    console.error('[trace-agent] not started:', errorMessage(err));
    return;
  }
  host.TraceAgent = agent;

  // A path the game has yet to define is watched, and hooked the moment the
  // game assigns it (see src/hooks/pending-paths.ts); what an accessor cannot
  // see is tried again when the parser is done, at DOMContentLoaded and at load.
  const attach: [string | undefined, (path: string) => unknown][] = [
    [ds['hook'], (path) => agent.hook(path)],
    [ds['trackState'], (path) => agent.trackState(path)],
    [ds['trackStory'], (path) => agent.trackStory(path)],
  ];
  for (const [list, how] of attach) {
    for (const path of splitPaths(list)) {
      try {
        how(path);
      } catch (err) {
        // data-strict: what cannot be hooked throws; the other paths still go on.
        console.error(`[trace-agent] ${path}:`, errorMessage(err));
      }
    }
  }
}

// In a worker (someone else's that loads this file) it does nothing: the store's worker is trace-agent.worker.js.
if (!inWorkerScope()) {
  // Read here, at the top level of the script's synchronous run: later it is no longer ours.
  const own = ownScript();
  // The worker runs the file beside this one with the page's origin: only our own tag's URL will do.
  const workerUrl = own ? siblingUrl(own.src, 'worker') : null;
  if (own) setWorkerRoutes(scriptWorkerRoutes(workerUrl ?? undefined, location.origin));
  else setWorkerRoutes([], NO_OWN_TAG);
  const overlayPart = overlayFrom(own);
  setOverlayLoader(async () => (await overlayPart()).mountOverlay);
  setTraceOpener(async () => (await overlayPart()).openTrace);
  setChromeWriter(async () => new (await overlayPart()).ChromeTraceWriter()); // for a store on the main thread
  start(optionsTag(own));
}
