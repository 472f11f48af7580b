/**
 * The bare block writer for raw.ts: idb and nothing else. Opens its database,
 * says ready, then writes each batch string it receives as one record in its
 * own transaction (durability 'relaxed') and acks the key once that
 * transaction completes.
 *
 * Typed against the DOM lib like the other pages (tsconfig.json checks test/
 * with it), through the two members of the worker scope it uses.
 */
import { openDB, type IDBPDatabase } from 'idb';

export type ToRawWorker = { open: string } | { key: number; json: string };
export type FromRawWorker = { ready: true } | { ack: number } | { error: string };

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ToRawWorker>) => void) | null;
  postMessage(m: FromRawWorker): void;
};

let db: IDBPDatabase | null = null;
const fail = (e: unknown) => scope.postMessage({ error: e instanceof Error ? e.message : String(e) });

scope.onmessage = (e) => {
  const m = e.data;
  if ('open' in m) {
    openDB(m.open, 1, { upgrade: (d) => void d.createObjectStore('blocks') }).then((d) => {
      db = d;
      scope.postMessage({ ready: true });
    }, fail);
    return;
  }
  if (!db) return fail(new Error('a batch arrived before the database was open'));
  const tx = db.transaction('blocks', 'readwrite', { durability: 'relaxed' });
  Promise.all([tx.store.put(m.json, m.key), tx.done]).then(() => scope.postMessage({ ack: m.key }), fail);
};
