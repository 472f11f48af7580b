/** The store's worker, inlined into the bundle by Vite and started from a blob: URL. */
import StoreWorker from './worker?worker&inline';

export function spawnStoreWorker(): Worker {
  if (typeof Worker !== 'function') throw new Error('this page has no Worker');
  return new StoreWorker({ name: 'trace-agent-store' });
}
