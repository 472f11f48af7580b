import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreClient } from '../../../src/store/client';
import { emergencyKey } from '../../../src/store/emergency';
import { StoreHost, type OpenRing } from '../../../src/store/host';
import { MemoryRing } from '../../../src/store/memory-ring';
import { PROTOCOL_VERSION, type BatchMessage, type PageToStore, type StoreConfig, type StoreToPage } from '../../../src/store/protocol';
import { emptyTotals } from '../../../src/store/ring';
import type { StoreTransport, TransportFactory } from '../../../src/store/transport';
import { batchOf, entry, freshDb, MemoryStorage, storedBatch, until } from './helpers';

/**
 * The store's client and host on a page that broke its builtins (the client
 * always runs in the page; the host does when the page forbids workers),
 * and the replay's accounting: each defect here had a test that failed before.
 */

const config = (dbName: string): StoreConfig => ({ dbName, capacity: 100_000, maxBytes: 1e9, maxSessions: 20, tailSize: 100, analytics: false });

const saved: [object, PropertyKey, PropertyDescriptor][] = [];
/** Breaks a builtin as a hostile page does (it throws), until the test ends or `mend()`. */
function breakBuiltin(holder: object, key: PropertyKey): void {
  saved.push([holder, key, Object.getOwnPropertyDescriptor(holder, key)!]);
  Object.defineProperty(holder, key, {
    value: () => {
      throw new Error(`the page broke ${String(key)}`);
    },
    configurable: true,
    writable: true,
  });
}
function mend(): void {
  for (let i = saved.length - 1; i >= 0; i--) Object.defineProperty(saved[i]![0], saved[i]![1], saved[i]![2]);
  saved.length = 0;
}
afterEach(mend);

/** A transport that records what it is sent and answers nothing (a worker that hangs). */
function silent(log: PageToStore[]): TransportFactory {
  return () => ({ thread: 'worker', post: (m) => void log.push(m), onMessage: () => {}, onFailure: () => {}, close: () => {} });
}

/**
 * A store scripted by hand, without promises (so that a page's broken
 * `then` breaks only our code): ready on IndexedDB, each batch acked (or,
 * with `refuse`, refused by the quota: a nack of the batch, then the ack of
 * the block's range, as host.ts says it), the sessions question answered
 * with `sessions` (or refused when null).
 */
function scripted(o: { refuse?: boolean; sessions?: { id: string; lastSeq: number }[] | null }): TransportFactory {
  return () => {
    const t: StoreTransport = {
      thread: 'worker',
      post: (m) => {
        const say = (r: StoreToPage) => queueMicrotask(() => t.onMessage(r));
        if (m.type === 'init') say({ type: 'ready', backend: 'indexeddb', totals: emptyTotals() });
        if (m.type === 'batch') {
          if (o.refuse) say({ type: 'nack', sessionId: m.sessionId, fromSeq: m.firstSeq, upTo: m.lastSeq, problem: 'quota', quota: true });
          say({ type: 'ack', sessionId: m.sessionId, fromSeq: m.firstSeq, upTo: m.lastSeq, duplicates: 0, totals: emptyTotals() });
        }
        if (m.type === 'request' && m.op === 'sessions') {
          const s = o.sessions === undefined ? [] : o.sessions;
          say(
            s
              ? { type: 'reply', id: m.id, op: 'sessions', ok: true, result: s.map((x) => ({ ...x, startedAt: 1, firstSeq: 1, entries: 1 })) }
              : { type: 'reply', id: m.id, op: 'sessions', ok: false, error: 'the store is gone' },
          );
        }
      },
      onMessage: () => {},
      onFailure: () => {},
      close: () => {},
    };
    return t;
  };
}

/** An earlier page's emergency record: two batches saved, two named unsaved in its marker, `dropped` lost outright. */
function earlierPage(storage: MemoryStorage, dbName: string, dropped: number): void {
  const batches = [storedBatch(batchOf([entry(1, 'gone'), entry(2, 'gone')])), storedBatch(batchOf([entry(3, 'gone'), entry(4, 'gone')]))];
  storage.setItem(emergencyKey(dbName, 'gone'), JSON.stringify({ sessionId: 'gone', dropped, batches }));
  storage.setItem(`${emergencyKey(dbName, 'gone')}:unsaved`, JSON.stringify({ sessionId: 'gone', dropped: 0, batches: [], unsaved: [[5, 6, 2], [7, 9, 3]] }));
}

describe('StoreClient on a page that broke its builtins', () => {
  it('a failover sends the new store every pending batch and question with the array and Map iterators broken (it used for...of)', async () => {
    const posted: PageToStore[] = [];
    let first: StoreTransport | null = null;
    const failing: TransportFactory = () => (first = silent(posted)());
    const dbName = freshDb();
    const c = new StoreClient(config(dbName), { id: 's1', startedAt: 1 }, [failing, scripted({})], { maxBatch: 5 });
    for (let i = 1; i <= 12; i++) c.write(entry(i));
    const asked = c.request('sessions', {});
    breakBuiltin(Array.prototype, Symbol.iterator);
    breakBuiltin(Map.prototype, 'values');
    breakBuiltin(Map.prototype, Symbol.iterator);
    try {
      first!.onFailure('worker error: crashed'); // the failover runs here, synchronously
    } finally {
      mend();
    }
    await c.flush();
    expect(c.counters.acked).toBe(12);
    expect(c.status.problems).toEqual(['worker error: crashed']);
    await expect(asked).resolves.toEqual([]);
    c.close();
  });

  it("replaying an earlier page's log counts what it lost with Promise.prototype.then and Array.prototype.find broken", async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    earlierPage(storage, dbName, 0);
    // The page's builtins are broken while our code handles each message of the store
    // (not across the test's own awaits, which the test runner chains with `then`).
    const store = scripted({ sessions: [{ id: 'gone', lastSeq: 6 }] });
    const hostile: TransportFactory = () => {
      const t = store();
      const post = t.post;
      t.post = (m) => {
        const deliver = t.onMessage;
        if (deliver === hostileDelivery) return post(m);
        hostileDelivery = (r) => {
          breakBuiltin(Promise.prototype, 'then');
          breakBuiltin(Array.prototype, 'find');
          try {
            deliver(r);
          } finally {
            mend();
          }
        };
        t.onMessage = hostileDelivery;
        post(m);
      };
      return t;
    };
    let hostileDelivery: ((r: StoreToPage) => void) | null = null;
    const c = new StoreClient(config(dbName), { id: 'now', startedAt: 1 }, [hostile], { storage });
    await until(() => storage.length === 0);
    // 5..6 reached the store before its page went (the last stored seq is 6); 7..9 did not.
    expect(c.counters).toMatchObject({ recovered: 4, droppedEmergency: 3 });
    c.close();
  });

  it("an earlier page's `dropped` is counted once: not on a load that could not ask the store (the record stays), then on the load that could", async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    earlierPage(storage, dbName, 5);
    const first = new StoreClient(config(dbName), { id: 'a', startedAt: 1 }, [scripted({ sessions: null })], { storage });
    await until(() => first.counters.recovered === 4);
    await new Promise((r) => setTimeout(r, 20)); // the refused sessions question is answered
    expect(first.counters.droppedEmergency).toBe(0);
    expect(storage.getItem(emergencyKey(dbName, 'gone'))).not.toBeNull(); // kept, for a later load to count
    first.close();
    const next = new StoreClient(config(dbName), { id: 'b', startedAt: 1 }, [scripted({ sessions: [{ id: 'gone', lastSeq: 4 }] })], { storage });
    await until(() => storage.getItem(emergencyKey(dbName, 'gone')) === null);
    expect(next.counters.droppedEmergency).toBe(5 + 5); // dropped outright, and 5..9 never stored
    next.close();
  });

  it('a replay whose last batch is refused, then acked in its range (a quota refusal), is counted once', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    earlierPage(storage, dbName, 1);
    const c = new StoreClient(config(dbName), { id: 'now', startedAt: 1 }, [scripted({ refuse: true, sessions: [{ id: 'gone', lastSeq: 0 }] })], { storage });
    await until(() => storage.length === 0);
    await new Promise((r) => setTimeout(r, 20)); // the ack after the last nack is heard
    expect(c.counters).toMatchObject({ recovered: 0, droppedStore: 4, droppedEmergency: 1 + 5 });
    c.close();
  });
});

describe('StoreHost on the main thread of a page that broke its builtins', () => {
  const memory: OpenRing = async (c) => new MemoryRing(c);

  it("takes batches with the page's Array.prototype.push broken (it used the page's push)", async () => {
    const said: StoreToPage[] = [];
    const host = new StoreHost((m) => said.push(m), null, memory);
    host.handle({ type: 'init', version: PROTOCOL_VERSION, config: config(freshDb()) });
    const b: BatchMessage = batchOf([entry(1), entry(2)]);
    const push = Array.prototype.push;
    breakBuiltin(Array.prototype, 'push');
    try {
      host.handle(b);
    } finally {
      mend();
    }
    expect(push).toBe(Array.prototype.push);
    await until(() => said.some((m) => m.type === 'ack'));
    expect(said.find((m) => m.type === 'ack')).toMatchObject({ sessionId: 's1', fromSeq: 1, upTo: 2 });
  });

  it('an export waits for the batches before it within a bound, then is refused and counted (it used to wait forever)', async () => {
    const said: StoreToPage[] = [];
    // A ring whose writes never end (a hung transaction).
    const hung: OpenRing = async (c) => {
      const ring = new MemoryRing(c);
      ring.append = () => new Promise<number>(() => {});
      return ring;
    };
    const host = new StoreHost((m) => said.push(m), null, hung, 10_000, 50);
    host.handle({ type: 'init', version: PROTOCOL_VERSION, config: config(freshDb()) });
    host.handle(batchOf([entry(1)]));
    const header = { format: 'trace-agent', schemaVersion: 1, generator: { name: 't', version: '0' }, exportedAt: '', session: 's1', config: {}, counters: {}, storage: {} };
    host.handle({ type: 'request', id: 7, op: 'export', params: { session: 's1', header: header as never, gzip: false } });
    await until(() => said.some((m) => m.type === 'reply'), 5_000);
    expect(said.find((m) => m.type === 'reply')).toMatchObject({ id: 7, op: 'export', ok: false, error: expect.stringContaining('the export waited 50 ms for 1 batches') });
    expect(host.exportWaitsTimedOut).toBe(1);
  });
});

describe('the worker transport', () => {
  it("terminates the worker with the original Worker.prototype.terminate, whatever the page put there since", async () => {
    const terminated: unknown[] = [];
    class FakeWorker extends EventTarget {
      postMessage(): void {}
      terminate(): void {
        terminated.push(this);
      }
    }
    vi.stubGlobal('Worker', FakeWorker);
    vi.resetModules(); // builtins capture Worker.prototype at start-up
    try {
      const { workerTransport } = await import('../../../src/store/transport');
      const w = new FakeWorker();
      const t = workerTransport(() => w as unknown as Worker);
      FakeWorker.prototype.terminate = () => {}; // the page, later
      t.close();
      expect(terminated).toEqual([w]);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });
});
