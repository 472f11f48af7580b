/// <reference lib="webworker" />
/**
 * The store's worker entry, built twice: dist/esm/worker.js, which the ESM
 * build starts (module-worker.ts) as `new Worker(new URL('./worker.js',
 * import.meta.url))`, the form bundlers follow; and the drop-in script's
 * dist/trace-agent.worker.js (an IIFE), which it starts from beside its own
 * URL or from a blob: that imports it (spawn-worker.ts).
 */
import { serveStoreInWorker } from './worker-scope';

serveStoreInWorker();
