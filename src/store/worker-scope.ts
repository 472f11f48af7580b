/**
 * The store's worker side: one function that wires the store host to the
 * worker's message port. The ESM build's worker.js calls it at its top; the
 * drop-in script calls it when it finds itself running as the store's worker
 * (it is its own worker: spawn-worker.ts starts it from the script's URL).
 * Typed without the WebWorker lib, so the page's entry can import it.
 */
import { AnalyticsEngine } from '../analytics/engine';
import { StoreHost } from './host';
import { STORE_WORKER_NAME, type PageToStore, type WorkerToPage } from './protocol';

interface StoreWorkerScope {
  name: string;
  postMessage(msg: WorkerToPage): void;
  onmessage: ((ev: MessageEvent<PageToStore>) => void) | null;
}

/** True in a worker's global scope (dedicated, shared or service worker), where there is no page. */
export function inWorkerScope(): boolean {
  const g = globalThis as { WorkerGlobalScope?: abstract new () => unknown };
  return typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
}

/** True in a dedicated worker started as the store's worker. */
export function inStoreWorker(): boolean {
  return inWorkerScope() && (globalThis as unknown as Partial<StoreWorkerScope>).name === STORE_WORKER_NAME;
}

/** Serves the store on this worker's port, after saying hello. */
export function serveStoreInWorker(): void {
  const scope = globalThis as unknown as StoreWorkerScope;
  const host = new StoreHost((msg) => scope.postMessage(msg), (options) => new AnalyticsEngine(options));
  scope.onmessage = (ev) => host.handle(ev.data);
  scope.postMessage({ type: 'hello' });
}
