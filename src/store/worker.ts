/// <reference lib="webworker" />
/** The worker's entry: the store host, wired to the worker's message port. */
import { StoreHost } from './host';
import type { PageToStore } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const host = new StoreHost((msg) => self.postMessage(msg));
self.onmessage = (ev: MessageEvent<PageToStore>) => host.handle(ev.data);
