/// <reference lib="webworker" />
/**
 * The ESM build's worker entry (dist/esm/worker.js), started by
 * module-worker.ts as `new Worker(new URL('./worker.js', import.meta.url))`,
 * the form bundlers follow. The drop-in script does not use this file: it is
 * its own worker (script.ts).
 */
import { serveStoreInWorker } from './worker-scope';

serveStoreInWorker();
