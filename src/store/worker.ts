/// <reference lib="webworker" />
/** The worker's entry: the store host, wired to the worker's message port. */
import { AnalyticsEngine } from '../analytics/engine';
import { StoreHost } from './host';
import type { PageToStore } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const host = new StoreHost((msg) => self.postMessage(msg), (options) => new AnalyticsEngine(options));
self.onmessage = (ev: MessageEvent<PageToStore>) => host.handle(ev.data);
