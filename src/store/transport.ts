/** How the page reaches the store: a worker, or the same host on the main thread. */
import { microtask, postToWorker, push, settle, terminateWorker } from '../core/builtins';
import { describeError, errorMessage } from '../core/errors';
import { StoreHost } from './host';
import { workerRouteOf } from './spawn-worker';
import type { PageToStore, StoreThread, StoreToPage, WorkerToPage } from './protocol';
import { toWire } from './wire';

export interface StoreTransport {
  readonly thread: StoreThread;
  /** Every post is a structured clone (a worker's port): the store never holds what the page posted as it is. */
  readonly copies?: boolean;
  post(msg: PageToStore): void;
  /** Set by the client. */
  onMessage: (msg: StoreToPage) => void;
  /** The transport broke (the worker failed to start or crashed). */
  onFailure: (why: string) => void;
  close(): void;
}

/**
 * What the client starts a store with. A factory tagged `thread: 'worker'`
 * starts a worker: once a worker has answered without IndexedDB, the client
 * starts no more of them (another would have none either).
 */
export type TransportFactory = (() => StoreTransport) & { readonly thread?: StoreThread };

/** A factory of worker transports, tagged as such (see TransportFactory). */
export function workerTransportFactory(create: () => Worker, before?: () => Promise<void> | null): TransportFactory {
  return Object.assign(() => workerTransport(create, before), { thread: 'worker' as const });
}

/**
 * The store in a dedicated worker. `create` may throw (CSP, no Worker).
 * When `before` returns a promise, the worker is created once it resolves
 * (spawn-worker.ts's routeChoiceReady, a bounded wait): what is posted until
 * then is kept and sent after, and a refusal is a failure of the transport.
 */
export function workerTransport(create: () => Worker, before?: () => Promise<void> | null): StoreTransport {
  const wait = before?.() ?? null;
  if (wait === null) return wire(create());
  let worker: Worker | null = null;
  let closed = false;
  const queued: PageToStore[] = [];
  const t: StoreTransport = {
    thread: 'worker',
    copies: true,
    post: (msg) => (worker ? postToWorker(worker, toWire(msg)) : push(queued, msg)),
    onMessage: () => {},
    onFailure: () => {},
    close: () => {
      closed = true;
      if (worker) terminateWorker(worker); // the original method, captured at start-up
    },
  };
  settle(wait, () => {
    if (closed) return;
    try {
      worker = create();
    } catch (err) {
      t.onFailure(`store could not start: ${errorMessage(err)}`);
      return;
    }
    wire(worker, t);
    try {
      for (let i = 0; i < queued.length; i++) postToWorker(worker, toWire(queued[i]!));
      queued.length = 0;
    } catch (err) {
      t.onFailure(`posting to the store failed: ${describeError(err)}`);
    }
  });
  return t;
}

function wire(
  worker: Worker,
  t: StoreTransport = {
    thread: 'worker',
    copies: true,
    post: (msg) => postToWorker(worker, toWire(msg)), // the original postMessage, captured at start-up
    onMessage: () => {},
    onFailure: () => {},
    close: () => terminateWorker(worker),
  },
): StoreTransport {
  worker.onmessage = (ev: MessageEvent<WorkerToPage>) => {
    // The hello is for spawn-worker.ts (the route works); the store's own messages follow it.
    if (ev.data.type !== 'hello') t.onMessage(ev.data);
  };
  worker.onerror = (ev: ErrorEvent) => {
    ev.preventDefault();
    const what = `the ${workerRouteOf(worker) ?? 'store'} worker`;
    t.onFailure(`worker error: ${ev.message || `${what} could not start (refused by the page's Content-Security-Policy, or its script did not load)`}`);
  };
  worker.onmessageerror = () => t.onFailure('worker message could not be deserialised');
  return t;
}

/**
 * The store on the main thread, for pages that forbid workers. Messages cross
 * in microtasks, so the client sees the same asynchrony as with a worker.
 */
export function mainThreadTransport(): StoreTransport {
  let closed = false;
  const t: StoreTransport = {
    thread: 'main',
    post: (msg) => microtask(() => closed || host.handle(msg)),
    onMessage: () => {},
    onFailure: () => {},
    close: () => {
      closed = true;
    },
  };
  const host = new StoreHost((msg) => microtask(() => closed || t.onMessage(msg)));
  return t;
}
