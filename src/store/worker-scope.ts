/**
 * The store's worker side: one function that wires the store host to the
 * worker's message port, which the worker's entry (worker.ts: the ESM build's
 * worker.js and the drop-in's trace-agent.worker.js) calls at its top; and
 * whether code runs in a worker at all, which the drop-in's page entry asks.
 * Typed without the WebWorker lib, so the page's entry can import it.
 */
import { ChromeTraceWriter } from '../export/chrome-trace';
import { setChromeWriter } from './export-stream';
import { AnalyticsEngine } from '../analytics/engine';
import { StoreHost } from './host';
import { PinKeeper } from './pin-keeper';
import type { WirePageToStore, WorkerToPage } from './protocol';
import { fromWire } from './wire';

interface StoreWorkerScope {
  name: string;
  postMessage(msg: WorkerToPage): void;
  onmessage: ((ev: MessageEvent<WirePageToStore>) => void) | null;
}

/** True in a worker's global scope (dedicated, shared or service worker), where there is no page. */
export function inWorkerScope(): boolean {
  const g = globalThis as { WorkerGlobalScope?: abstract new () => unknown };
  return typeof g.WorkerGlobalScope === 'function' && globalThis instanceof g.WorkerGlobalScope;
}

/** Serves the store on this worker's port, after saying hello. */
export function serveStoreInWorker(): void {
  setChromeWriter(async () => new ChromeTraceWriter());
  const scope = globalThis as unknown as StoreWorkerScope;
  const host = new StoreHost((msg) => scope.postMessage(msg), (options) => new AnalyticsEngine(options), undefined, undefined, undefined, (config) => new PinKeeper(config));
  scope.onmessage = (ev) => host.handle(fromWire(ev.data));
  scope.postMessage({ type: 'hello' });
}
