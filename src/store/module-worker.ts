/**
 * The ESM build's route to its worker: dist/esm/worker.js beside this file,
 * started in the form that bundlers (Vite, webpack 5, Parcel) find a worker
 * by and bundle it: a `new Worker` of a `new URL` of a literal path and
 * `import.meta.url`. The build keeps the expression below as written
 * (vite.config.ts, esm mode); only the ESM entry (index.ts) uses it.
 */
import type { WorkerRoute } from './spawn-worker';

export const moduleWorkerRoute: readonly WorkerRoute[] = [
  {
    kind: 'module-url',
    start: (name) => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name }),
  },
];
