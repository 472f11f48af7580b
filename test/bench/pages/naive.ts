/**
 * naive_persist_events_per_s, idbPutPerEvent_ns: the naive way, one IndexedDB
 * record per event, with raw IndexedDB on the main thread (no wrapper, so no
 * promise per put: the cheapest form of the naive way).
 *
 * Pattern chosen: one readwrite transaction per chunk task (a few thousand
 * puts each, default durability), an object store with keyPath 'seq'; the next
 * chunk does not wait for the previous transaction. The rate runs from the
 * first put to the last transaction's complete event; the ns per event are
 * the time inside the chunks (creating the event and put(), which clones it).
 */
import { chunked, makeEvent, param, runBench, token } from './common';

function open(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: 'seq' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

runBench(async () => {
  const n = param('n', 50_000);
  const chunk = param('chunk', 5_000);
  const warm = param('warm', 5_000);
  const db = await open(`naive-${token}`);

  let txs: Promise<void>[] = [];
  let offset = 0;
  const put = (from: number, to: number) => {
    const tx = db.transaction('events', 'readwrite');
    const store = tx.objectStore('events');
    for (let i = from; i < to; i++) store.put(makeEvent(offset + i));
    txs.push(done(tx));
  };

  await chunked(warm, chunk, put); // warm-up
  await Promise.all(txs);
  txs = [];
  offset = warm;

  const t0 = performance.now();
  const busy = await chunked(n, chunk, put);
  await Promise.all(txs);
  const elapsed = performance.now() - t0;
  db.close();
  return { figures: { naive_persist_events_per_s: n / (elapsed / 1000), idbPutPerEvent_ns: (busy * 1e6) / n } };
});
