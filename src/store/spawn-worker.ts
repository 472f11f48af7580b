/**
 * Starting the store's worker. `spawnStoreWorker()` is the only way the
 * agent starts one (each worker transport calls it; so does a restart).
 *
 * The entry says how a worker can be started on this page (`setWorkerRoutes`):
 * - the drop-in script starts trace-agent.worker.js beside it: from that URL when it is
 *   same-origin (what `worker-src 'self'`, and so `default-src 'self'`,
 *   allows), else from a `blob:` that imports the script's URL
 *   (scriptWorkerRoutes);
 * - the ESM build starts dist/esm/worker.js from a URL that bundlers follow
 *   (module-worker.ts).
 * A route is given up when its worker fails before it says hello (an error
 * event, the browser refusing it at once, or no hello within a bound), and the
 * next start takes the next route. When that is the blob: route, the start
 * waits (routeChoiceReady) for the page's CSP violation of the failed worker,
 * which may come before or after the worker's error event: it says whether
 * blob: is refused too, and then blob: is not tried. When none is left, spawnStoreWorker throws
 * and the client goes on to the main-thread store.
 */
import { listen, unlisten } from '../core/builtins';
import { errorMessage } from '../core/errors';
import { now } from '../core/clock';
import { policyRefusesBlobWorkers } from './csp-blob';
import { STORE_WORKER_NAME, type WorkerToPage } from './protocol';

export type WorkerRouteKind = 'script-url' | 'blob' | 'module-url';

export interface WorkerRoute {
  readonly kind: WorkerRouteKind;
  /** The URL it starts the worker from, when known before the start. */
  readonly url?: string;
  /** Starts a worker named `name`; throws when the browser refuses at once. */
  start(name: string): Worker;
}

/**
 * A worker that has not said hello this long after its start counts as failed
 * the next time a worker is asked for. It is shorter than the client's ready
 * timeout (5 s), which is what replaces a silent worker: when that fires, its
 * route is given up; two agents starting workers at once are not confused with
 * a silent route.
 */
const HELLO_BOUND_MS = 3_000;

interface RouteState {
  route: WorkerRoute;
  /** 'works': a worker of it said hello; 'failed': given up. */
  status: 'untried' | 'starting' | 'works' | 'failed';
  /** When the newest worker of it was started (while 'starting'). */
  startedAt: number;
}

let routes: readonly WorkerRoute[] = [];
/** The route each worker was started by, for the messages that say which one failed. */
const routeOfWorker = new WeakMap<Worker, WorkerRouteKind>();
let states: RouteState[] = [];

/** Set when the page's policy refused a worker of ours and would refuse a blob: worker too. */
let blobRefused = false;
let followingViolations = false;
/** The URLs of our workers the page's CSP refused (a violation came). */
const violated = new Set<string>();

/**
 * How long a start after a worker failed before its hello waits for that
 * worker's CSP violation. The browser queues the violation and the error as
 * two tasks of the same blocked fetch, in no set order; this is far above the
 * gap between them, even on a loaded machine, and it delays only a blob:
 * start after a failed one (a refused or missing script).
 */
const VIOLATION_WAIT_MS = 250;
/** A worker of this URL failed before its hello, and no violation for it has come yet. */
let awaiting: { url: string; until: number; waiters: (() => void)[] } | null = null;

/** Why there is no route, when the entry has none to give (spawnStoreWorker throws it). */
let noRoutes = 'no URL to start the worker from';

/** Sets how this page can start the store's worker, best first (the entry does), and why there is none when `list` is empty. */
export function setWorkerRoutes(list: readonly WorkerRoute[], whyNone = 'no URL to start the worker from'): void {
  noRoutes = whyNone;
  if (list === routes) return;
  routes = list;
  states = list.map((route) => ({ route, status: 'untried', startedAt: 0 }));
}

/** How many ways to start the worker are not given up: the agent gives the client one worker transport each. */
export function workerRouteCount(): number {
  return states.filter((s) => s.status !== 'failed').length;
}

/** Starts the store's worker by the best route not given up. Throws when no worker can be started. */
export function spawnStoreWorker(): Worker {
  if (typeof Worker !== 'function') throw new Error('this page has no Worker');
  followViolations();
  const refused: string[] = [];
  for (const s of states) {
    if (s.status === 'starting' && now() - s.startedAt >= HELLO_BOUND_MS) s.status = 'failed';
    if (s.route.kind === 'blob' && blobRefused && s.status !== 'failed') {
      s.status = 'failed';
      refused.push("the blob worker was not tried: the page's Content-Security-Policy refuses blob: workers");
    }
    if (s.status === 'failed') continue;
    let worker: Worker;
    try {
      worker = s.route.start(STORE_WORKER_NAME);
    } catch (err) {
      s.status = 'failed';
      refused.push(`the ${s.route.kind} worker was refused: ${errorMessage(err)}`);
      continue;
    }
    routeOfWorker.set(worker, s.route.kind);
    watch(worker, s);
    return worker;
  }
  if (refused.length > 0) throw new Error(refused.join('; '));
  throw new Error(states.length > 0 ? 'every way to start the worker failed on this page' : noRoutes);
}

/**
 * Listens for the page's CSP violations: one that refused a worker of ours
 * tells, in its policy's text, whether a blob: worker would be refused too.
 */
function followViolations(): void {
  if (followingViolations || typeof document === 'undefined' || typeof document.addEventListener !== 'function') return;
  followingViolations = true;
  violationTarget = document;
  listen(document, 'securitypolicyviolation', onViolation as EventListener);
}

const onViolation = (ev: SecurityPolicyViolationEvent): void => {
  if (ev.disposition !== 'enforce' || ev.effectiveDirective !== 'worker-src') return;
  const ours = ev.blockedURI === 'blob' || routes.some((r) => r.url === ev.blockedURI);
  if (!ours) return;
  violated.add(ev.blockedURI);
  if (policyRefusesBlobWorkers(ev.originalPolicy)) blobRefused = true;
  if (awaiting?.url === ev.blockedURI) endWait();
};

/** Where the violation listener is (the document it was added to), to take it off again. */
let violationTarget: EventTarget | null = null;
/** Agents that may start a worker: the violation listener stays while one does. */
let violationHolders = 0;

/**
 * Held by each agent that may start the store's worker (its store, from
 * start to destroy): the page's CSP violations are followed while one is
 * held, and the listener goes when the last one lets go. What was learnt
 * (a route refused) is kept for the next agent of the page.
 */
export function holdViolationWatch(): () => void {
  violationHolders++;
  followViolations();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    if (--violationHolders > 0 || !violationTarget) return;
    unlisten(violationTarget, 'securitypolicyviolation', onViolation as EventListener);
    violationTarget = null;
    followingViolations = false;
  };
}

function endWait(): void {
  const waiters = awaiting?.waiters ?? [];
  awaiting = null;
  for (const w of waiters) w();
}

/**
 * Null when the next start can choose its route now; else a promise that
 * resolves once it can: the next route is the blob: and the worker before it
 * failed before its hello, with its CSP violation (if any) not yet come. It
 * resolves on the violation, or after VIOLATION_WAIT_MS.
 */
export function routeChoiceReady(): Promise<void> | null {
  if (awaiting === null) return null;
  const next = states.find((s) => s.status !== 'failed');
  if (next?.route.kind !== 'blob' || blobRefused) return null;
  const wait = awaiting;
  const left = wait.until - now();
  if (left <= 0) {
    endWait();
    return null;
  }
  return new Promise((resolve) => {
    wait.waiters.push(resolve);
    if (wait.waiters.length === 1) {
      setTimeout(() => {
        if (awaiting === wait) endWait();
      }, left);
    }
  });
}

/** The route a worker was started by (spawnStoreWorker's workers only). */
export function workerRouteOf(worker: Worker): WorkerRouteKind | undefined {
  return routeOfWorker.get(worker);
}

/** Follows a new worker until it says hello (its route works) or fails first (its route is given up). */
function watch(worker: Worker, s: RouteState): void {
  if (s.status !== 'works') {
    s.status = 'starting';
    s.startedAt = now();
  }
  const done = () => {
    worker.removeEventListener('message', onMessage);
    worker.removeEventListener('error', onError);
  };
  const onMessage = (ev: MessageEvent<WorkerToPage>) => {
    if (ev.data?.type !== 'hello') return;
    s.status = 'works';
    done();
  };
  const onError = () => {
    if (s.status !== 'works') {
      s.status = 'failed';
      const url = s.route.url;
      // Its violation may still come (after this error): the next start waits for it (routeChoiceReady).
      if (url !== undefined && !violated.has(url)) awaiting = { url, until: now() + VIOLATION_WAIT_MS, waiters: [] };
    }
    done();
  };
  worker.addEventListener('message', onMessage);
  worker.addEventListener('error', onError);
}

/**
 * How the drop-in script can start its worker file (trace-agent.worker.js
 * beside it, at `src`): from that URL when it has the page's origin (a
 * worker's script must), and from a `blob:` that imports it (the blob has the
 * page's origin; importScripts may load another origin's script). A script
 * without a URL (inlined in the page) has no route: the store runs on the
 * main thread.
 */
export function scriptWorkerRoutes(src: string | undefined, pageOrigin: string): WorkerRoute[] {
  if (!src) return [];
  let url: URL;
  try {
    url = new URL(src);
  } catch {
    return [];
  }
  const fromBlob = blobRoute(url.href);
  if (url.origin !== pageOrigin || pageOrigin === 'null') return [fromBlob];
  return [{ kind: 'script-url', url: url.href, start: (name) => new Worker(url.href, { name }) }, fromBlob];
}

/**
 * How long a blob: URL is kept for a worker that neither says hello nor fails:
 * some browsers fetch a worker's script after the constructor returns, so the
 * URL is revoked only once the worker has run it (hello) or failed, or then.
 */
const BLOB_URL_BOUND_MS = 30_000;

function blobRoute(scriptUrl: string): WorkerRoute {
  return {
    kind: 'blob',
    start(name) {
      // The only code in the blob is the import of the script's URL (a JSON string literal).
      const blobUrl = URL.createObjectURL(new Blob([`importScripts(${JSON.stringify(scriptUrl)});`], { type: 'text/javascript' }));
      let worker: Worker;
      try {
        worker = new Worker(blobUrl, { name });
      } catch (err) {
        URL.revokeObjectURL(blobUrl);
        throw err;
      }
      let timer: ReturnType<typeof setTimeout> | null = null;
      const revoke = () => {
        if (timer === null) return;
        clearTimeout(timer);
        timer = null;
        worker.removeEventListener('message', onMessage);
        worker.removeEventListener('error', revoke);
        URL.revokeObjectURL(blobUrl);
      };
      const onMessage = (ev: MessageEvent<WorkerToPage>) => {
        if (ev.data?.type === 'hello') revoke();
      };
      timer = setTimeout(revoke, BLOB_URL_BOUND_MS);
      worker.addEventListener('message', onMessage);
      worker.addEventListener('error', revoke);
      return worker;
    },
  };
}
