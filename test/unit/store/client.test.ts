import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { StoreClient, type ClientOptions } from '../../../src/store/client';
import { emergencyKey } from '../../../src/store/emergency';
import { StoreHost } from '../../../src/store/host';
import { PROTOCOL_VERSION, type BatchMessage, type PageToStore, type StoreToPage } from '../../../src/store/protocol';
import { mainThreadTransport, workerTransportFactory, type StoreTransport, type TransportFactory } from '../../../src/store/transport';
import { emptyTotals } from '../../../src/store/ring';
import { batchOf, entry, fakeLocks, freshDb, MemoryStorage, storedBatch, until } from './helpers';

function client(opts: ClientOptions & { dbName?: string; sessionId?: string; capacity?: number; transports?: TransportFactory[] } = {}) {
  const dbName = opts.dbName ?? freshDb();
  const sessionId = opts.sessionId ?? 's1';
  const c = new StoreClient(
    { dbName, capacity: opts.capacity ?? 100_000, maxBytes: 1e9, maxSessions: 20, tailSize: 100, analytics: false },
    { id: sessionId, startedAt: 1_000 },
    opts.transports ?? [mainThreadTransport],
    opts,
  );
  return { c, dbName, sessionId };
}

async function storedSeqs(c: StoreClient, sessionId: string): Promise<number[]> {
  const seqs: number[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await c.request('query', { sessionId, order: 'oldest', limit: 1_000, after });
    seqs.push(...page.entries.map((e: TraceEntry) => e.seq));
    if (page.next === null) return seqs;
    after = page.next;
  }
}

/** A transport that records what is posted and answers nothing. */
function silentTransport(log: PageToStore[]): () => StoreTransport {
  return () => ({ thread: 'worker', post: (m) => log.push(m), onMessage: () => {}, onFailure: () => {}, close: () => {} });
}

/**
 * A first load of session 'gone' that dies with a tail not stored: entries
 * 1..20 durable, then the store stops answering (the link, failover.ts, holds
 * a silent transport now) and 21..`last` are logged. `hung`: what it was sent.
 */
async function hungFirstLoad(opts: Parameters<typeof client>[0], last: number): Promise<{ first: ReturnType<typeof client>; hung: PageToStore[] }> {
  const first = client({ ...opts, maxBatch: 10, sessionId: 'gone' });
  for (let i = 1; i <= 20; i++) first.c.write(entry(i, 'gone'));
  await first.c.flush();
  const hung: PageToStore[] = [];
  (first.c as unknown as { link: { transport: StoreTransport } }).link.transport = silentTransport(hung)();
  for (let i = 21; i <= last; i++) first.c.write(entry(i, 'gone'));
  return { first, hung };
}

/**
 * Writes 100 entries in batches of 10 to a client whose store never answers,
 * saves the emergency log, and checks what was kept: some but not all
 * batches, the oldest first, and the rest counted as dropped.
 */
function savedTail(c: StoreClient, storage: MemoryStorage, dbName: string): void {
  for (let i = 1; i <= 100; i++) c.write(entry(i));
  c.saveEmergency();
  const record = JSON.parse(storage.getItem(emergencyKey(dbName, 's1'))!) as { batches: { firstSeq: number }[]; dropped: number };
  expect(record.batches.length).toBeGreaterThan(0);
  expect(record.batches.length).toBeLessThan(10);
  expect(record.batches.map((b) => b.firstSeq)).toEqual(record.batches.map((_, i) => i * 10 + 1));
  // The rest is named in the marker, batch by batch, for the next page to count.
  const marker = JSON.parse(storage.getItem(`${emergencyKey(dbName, 's1')}:unsaved`)!) as { unsaved: [number, number, number][]; dropped: number };
  expect(marker.unsaved[0]![0]).toBe(record.batches.length * 10 + 1);
  expect(record.batches.length * 10 + marker.unsaved.reduce((n, u) => n + u[2], 0) + record.dropped + marker.dropped).toBe(100);
}

describe('StoreClient', () => {
  it('batches by size: a full batch is sent at once, serialised once', async () => {
    const posted: PageToStore[] = [];
    const { c } = client({ maxBatch: 10, flushMs: 10_000, transports: [silentTransport(posted)] });
    for (let i = 1; i <= 25; i++) c.write(entry(i));
    const batches = posted.filter((m) => m.type === 'batch');
    expect(batches.map((b) => b.type === 'batch' && [b.firstSeq, b.lastSeq, b.count])).toEqual([
      [1, 10, 10],
      [11, 20, 10],
    ]);
    expect(c.pending).toBe(25);
    c.close();
  });

  it('batches by time: a partial batch goes after flushMs', async () => {
    const posted: PageToStore[] = [];
    const { c } = client({ maxBatch: 1000, flushMs: 5, transports: [silentTransport(posted)] });
    c.write(entry(1));
    c.write(entry(2));
    expect(posted.filter((m) => m.type === 'batch')).toHaveLength(0);
    await until(() => posted.some((m) => m.type === 'batch'));
    c.close();
  });

  it('flush() resolves once everything written is durable, and acks empty the queue', async () => {
    const { c } = client({ maxBatch: 7 });
    for (let i = 1; i <= 50; i++) c.write(entry(i));
    await c.flush();
    expect(c.pending).toBe(0);
    expect(c.counters).toMatchObject({ acked: 50, droppedBackpressure: 0 });
    expect(await storedSeqs(c, 's1')).toEqual([...Array(50)].map((_, i) => i + 1));
    expect(c.status).toMatchObject({ ready: true, thread: 'main', backend: 'indexeddb' });
    c.close();
  });

  it('drops the newest entries past maxUnacked, counts them, and never grows', async () => {
    const posted: PageToStore[] = [];
    const { c } = client({ maxBatch: 10, maxUnacked: 30, transports: [silentTransport(posted)] });
    for (let i = 1; i <= 100; i++) c.write(entry(i));
    expect(c.pending).toBe(30);
    expect(c.counters.droppedBackpressure).toBe(70);
    c.close();
  });

  it('fails over to the next store and sends it everything not yet durable', async () => {
    const posted: PageToStore[] = [];
    let broken: StoreTransport | null = null;
    const failing = () => {
      const t = silentTransport(posted)();
      broken = t;
      return t;
    };
    const { c } = client({ maxBatch: 5, transports: [failing, mainThreadTransport] });
    for (let i = 1; i <= 12; i++) c.write(entry(i));
    expect(posted.filter((m) => m.type === 'batch')).toHaveLength(2);
    broken!.onFailure('worker error: refused by CSP');
    await c.flush();
    expect(await storedSeqs(c, 's1')).toEqual([...Array(12)].map((_, i) => i + 1));
    expect(c.status.thread).toBe('main');
    expect(c.status.problems).toContain('worker error: refused by CSP');
    c.close();
  });

  it('fails over when a store does not say ready in time', async () => {
    // The bound is every store's, the main-thread one's too: generous, so that opening its database
    // on a loaded machine does not time out as well (at 20 ms it did: "no store could start").
    const { c } = client({ readyTimeoutMs: 2_000, transports: [silentTransport([]), mainThreadTransport] });
    c.write(entry(1));
    await c.flush();
    expect(c.status.thread).toBe('main');
    expect(c.status.problems.join()).toMatch(/did not start in time/);
    c.close();
  });

  it('a store constructor that throws is skipped', async () => {
    const throwing = () => {
      throw new Error('Worker is not defined');
    };
    const { c } = client({ transports: [throwing, mainThreadTransport] });
    c.write(entry(1));
    await c.flush();
    expect(c.status.problems).toEqual(['store could not start: Worker is not defined']);
    c.close();
  });

  it('writes the un-acked tail to the emergency log and replays it on the next load, once', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    // First load: 20 entries durable, then the store stops answering; 15 more are logged.
    const { first, hung } = await hungFirstLoad({ dbName, storage }, 35);
    first.c.saveEmergency(); // pagehide
    const key = emergencyKey(dbName, 'gone');
    expect(storage.getItem(key)).not.toBeNull();
    first.c.close();

    // Next load, a new session: the tail is replayed into the old session.
    const next = client({ dbName, storage, sessionId: 'next' });
    await until(() => next.c.counters.recovered === 15);
    expect(await storedSeqs(next.c, 'gone')).toEqual([...Array(35)].map((_, i) => i + 1));
    expect(storage.getItem(key)).toBeNull();
    next.c.close();

    // A record that was in fact already stored is not stored twice: the
    // store sees all 15 entries again and acks them as duplicates.
    const sent = hung.filter((m): m is BatchMessage => m.type === 'batch');
    expect(sent.map((b) => b.count)).toEqual([10, 5]);
    storage.setItem(key, JSON.stringify({ sessionId: 'gone', batches: sent.map(storedBatch), dropped: 0 }));
    const again = client({ dbName, storage, sessionId: 'again' });
    expect(again.c.pending).toBe(15); // replayed, not discarded as malformed
    await until(() => storage.getItem(key) === null);
    expect(again.c.counters.recovered).toBe(0);
    expect(await storedSeqs(again.c, 'gone')).toHaveLength(35);
    again.c.close();
  });

  it('keeps the oldest batches that fit in the emergency budget and counts the rest', () => {
    const storage = new MemoryStorage();
    const posted: PageToStore[] = [];
    const { c, dbName } = client({ storage, maxBatch: 10, emergencyChars: 2_500, transports: [silentTransport(posted)] });
    savedTail(c, storage, dbName);
    expect(storage.getItem(emergencyKey(dbName, 's1'))!.length).toBeLessThanOrEqual(2_500);
    c.close();
  });

  it('saves fewer batches when the quota refuses, rather than none', () => {
    const storage = new MemoryStorage(3_000); // the game's data left little room
    const posted: PageToStore[] = [];
    const { c, dbName } = client({ storage, maxBatch: 10, transports: [silentTransport(posted)] });
    savedTail(c, storage, dbName);
    c.close();
  });

  it('removes an emergency record that is not well formed instead of replaying it on every load', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const key = emergencyKey(dbName, 'broken');
    const broken = storedBatch(batchOf([entry(1, 'broken'), entry(2, 'broken')]));
    (broken['cols'] as { seq: number[] }).seq = [1]; // a column shorter than the batch
    storage.setItem(key, JSON.stringify({ sessionId: 'broken', dropped: 0, batches: [broken] }));
    const { c } = client({ dbName, storage, sessionId: 'now' });
    expect(storage.getItem(key)).toBeNull();
    expect(c.pending).toBe(0);
    c.close();
  });

  it('keeps an earlier page\'s record while the store is only in memory', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const key = emergencyKey(dbName, 'old');
    const batch = storedBatch(batchOf([entry(1, 'old'), entry(2, 'old')]));
    storage.setItem(key, JSON.stringify({ sessionId: 'old', dropped: 0, batches: [batch] }));
    // Take IndexedDB away from the store: it falls back to memory.
    const original = globalThis.indexedDB;
    (globalThis as { indexedDB?: unknown }).indexedDB = undefined;
    try {
      const { c } = client({ dbName, storage, sessionId: 'now' });
      await until(() => c.counters.recovered === 2);
      expect(c.status.backend).toBe('memory');
      expect(storage.getItem(key)).not.toBeNull();
      c.close();
    } finally {
      (globalThis as { indexedDB?: unknown }).indexedDB = original;
    }
  });

  it('does not replay the log of a page that is still alive (its session lock is held)', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const { locks } = fakeLocks();
    const alive = client({ dbName, storage, sessionId: 'alive', locks, transports: [silentTransport([])] });
    alive.c.write(entry(1, 'alive'));
    alive.c.saveEmergency(); // the tab was hidden: its record is there, and it lives on
    const other = client({ dbName, storage, sessionId: 'other', locks });
    await new Promise((r) => setTimeout(r, 20));
    expect(other.c.counters.recovered).toBe(0);
    expect(storage.getItem(emergencyKey(dbName, 'alive'))).not.toBeNull();
    other.c.close();
    alive.c.close();
  });

  it('acks exact ranges: a batch the store could not write is dropped and counted, not reported stored', async () => {
    // A transport to a real host that corrupts the second batch on the way.
    let n = 0;
    const corrupting = () => {
      const t = mainThreadTransport();
      const post = t.post;
      t.post = (m) => post(m.type === 'batch' && ++n === 2 ? { ...m, cols: { ...m.cols, rest: 'one line too few' } } : m);
      return t;
    };
    const { c } = client({ maxBatch: 3, transports: [corrupting] });
    for (let i = 1; i <= 9; i++) c.write(entry(i));
    await c.flush();
    expect(c.counters).toMatchObject({ acked: 6, droppedStore: 3 });
    expect(await storedSeqs(c, 's1')).toEqual([1, 2, 3, 7, 8, 9]);
    expect(c.status.problems.join()).toMatch(/batch 4..6: rest has 1 lines for 3 entries/);
    c.close();
  });

  it('drops past maxUnackedBytes too', () => {
    const posted: PageToStore[] = [];
    const { c } = client({ maxBatch: 1, maxUnackedBytes: 1_000, transports: [silentTransport(posted)] });
    for (let i = 1; i <= 50; i++) c.write(entry(i, 's1', { data: { text: 'x'.repeat(200) } }));
    expect(c.counters.droppedBackpressure).toBeGreaterThan(40);
    c.close();
  });

  it('a worker that answers without IndexedDB is not started again, nor is the next worker route: the main thread follows, named once in problems', async () => {
    let started = 0;
    /** A worker whose store has no IndexedDB: it answers init with a memory ready, as host.ts does. */
    const memoryWorker = workerTransportFactory(() => {
      started++;
      const w = new EventTarget() as EventTarget & Partial<Worker>;
      w.postMessage = (m: PageToStore) => {
        if (m.type !== 'init') return;
        const ready: StoreToPage = { type: 'ready', backend: 'memory', problem: 'IndexedDB unavailable: no indexedDB', totals: emptyTotals() };
        queueMicrotask(() => w.onmessage?.call(w as Worker, new MessageEvent('message', { data: ready })));
      };
      w.terminate = () => {};
      return w as Worker;
    });
    const { c } = client({ transports: [memoryWorker, memoryWorker, mainThreadTransport] });
    await until(() => c.status.ready);
    expect(started).toBe(1);
    expect(c.status.thread).toBe('main');
    expect(c.status.backend).toBe('indexeddb');
    expect(c.status.problems.filter((p) => p.includes('IndexedDB unavailable'))).toEqual(['worker store: IndexedDB unavailable: no indexedDB']);
    c.close();
  });

  it('questions asked before a failover are asked again of the next store', async () => {
    let first: StoreTransport | null = null;
    const { c } = client({
      transports: [
        () => (first = silentTransport([])()),
        mainThreadTransport,
      ],
    });
    const answer = c.sessions();
    first!.onFailure('worker crashed');
    await expect(answer).resolves.toEqual([]);
    c.close();
  });

  it('with no store left, flush and questions fail instead of hanging', async () => {
    let only: StoreTransport | null = null;
    const { c } = client({ transports: [() => (only = silentTransport([])())] });
    c.write(entry(1));
    const flushed = c.flush();
    const asked = c.sessions();
    only!.onFailure('worker crashed');
    await expect(flushed).rejects.toThrow(/no store could start/);
    await expect(asked).rejects.toThrow(/no store could start/);
    await expect(c.sessions()).rejects.toThrow(/no store is running/);
    c.close();
  });

  it('close() saves what is not stored and settles the waiters', async () => {
    const storage = new MemoryStorage();
    const { c, dbName } = client({ storage, transports: [silentTransport([])] });
    for (let i = 1; i <= 5; i++) c.write(entry(i));
    const flushed = c.flush();
    c.close();
    await expect(flushed).rejects.toThrow(/destroyed/);
    expect(JSON.parse(storage.getItem(emergencyKey(dbName, 's1'))!).batches[0].count).toBe(5);
    c.write(entry(6)); // after close: ignored, nothing grows
    expect(c.pending).toBe(5);
  });

  it('answers queries and the list of sessions', async () => {
    const { c } = client({});
    for (let i = 1; i <= 150; i++) c.write(entry(i));
    await c.flush();
    const newest = await c.request('query', { limit: 3, sessionId: 's1' });
    expect(newest.entries.map((e) => e.seq)).toEqual([150, 149, 148]);
    expect(newest.entries[0]).toEqual(entry(150));
    expect((await c.sessions()).map((s) => [s.id, s.entries])).toEqual([['s1', 150]]);
    c.close();
  });
});

describe('StoreClient replay accounting', () => {
  it('a replayed batch the store refuses is counted dropped, never recovered', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const bad = storedBatch(batchOf([entry(1, 'old'), entry(2, 'old')]));
    const good = storedBatch(batchOf([entry(3, 'old'), entry(4, 'old')]));
    storage.setItem(emergencyKey(dbName, 'old'), JSON.stringify({ sessionId: 'old', dropped: 0, batches: [bad, good] }));
    // The store refuses the first batch on the way (as it would a corrupt one).
    let n = 0;
    const refusing = () => {
      const t = mainThreadTransport();
      const post = t.post;
      t.post = (m) => post(m.type === 'batch' && m.sessionId === 'old' && ++n === 1 ? { ...m, cols: { ...m.cols, rest: 'short' } } : m);
      return t;
    };
    const { c } = client({ dbName, storage, sessionId: 'now', transports: [refusing] });
    await until(() => storage.getItem(emergencyKey(dbName, 'old')) === null);
    expect(c.counters).toMatchObject({ recovered: 2, droppedStore: 2 });
    c.close();
  });
});

/**
 * A worker-like store (a real StoreHost, messages in microtasks) that can be
 * killed: from then on it neither receives nor answers, as a terminated or
 * hung worker does, and nothing says so.
 */
function killable(lives: { dead: boolean }[], delayMs = 0): () => StoreTransport {
  // A worker's messages are tasks of their own: with a delay, they wait behind the page's own long tasks.
  const later = (f: () => void) => (delayMs > 0 ? setTimeout(f, delayMs) : queueMicrotask(f));
  return () => {
    const life = { dead: false };
    lives.push(life);
    let closed = false;
    const t: StoreTransport = {
      thread: 'worker',
      post: (msg) => later(() => closed || life.dead || host.handle(msg)),
      onMessage: () => {},
      onFailure: () => {},
      close: () => {
        closed = true;
      },
    };
    const host = new StoreHost((msg) => later(() => closed || life.dead || t.onMessage(msg)));
    return t;
  };
}

/** localStorage as a page that broke it leaves it: every write throws. */
class RefusingStorage extends MemoryStorage {
  override setItem(): void {
    throw new DOMException('refused', 'SecurityError');
  }
}

/**
 * A store behind structured clones, as a worker's port is (`copies`), or
 * behind the main-thread transport, which hands the store the page's objects;
 * `posted` gets what the page posted.
 */
function recordingTransport(posted: BatchMessage[], copies: boolean): () => StoreTransport {
  return () => {
    if (!copies) {
      const t = mainThreadTransport();
      const post = t.post;
      t.post = (m) => {
        if (m.type === 'batch') posted.push(m);
        post(m);
      };
      return t;
    }
    const t: StoreTransport = {
      thread: 'worker',
      copies: true,
      post: (m) => {
        if (m.type === 'batch') posted.push(m);
        const copy = structuredClone(m);
        queueMicrotask(() => host.handle(copy));
      },
      onMessage: () => {},
      onFailure: () => {},
      close: () => {},
    };
    const host = new StoreHost((m) => queueMicrotask(() => t.onMessage(structuredClone(m))));
    return t;
  };
}

describe('StoreClient buffers', () => {
  for (const copies of [true, false]) {
    it(`${copies ? 'reuses the buffers of acked batches when the store gets clones' : 'never reuses a buffer the main-thread store was handed'}; the store holds every entry as written`, async () => {
      const posted: BatchMessage[] = [];
      const { c } = client({ maxBatch: 10, transports: [recordingTransport(posted, copies)] });
      for (let i = 1; i <= 100; i++) {
        c.write(entry(i, 's1', { data: { i, name: `n${i}` } }));
        if (i % 20 === 0) await c.flush(); // acks come back: their buffers may go to the next batches
      }
      await c.flush();
      const buffers = new Set(posted.map((m) => m.cols.seq.buffer));
      if (copies) expect(buffers.size).toBeLessThan(posted.length);
      else expect(buffers.size).toBe(posted.length);
      const stored = (await c.request('query', { sessionId: 's1', order: 'oldest', limit: 1_000 })).entries;
      expect(stored.map((e: TraceEntry) => [e.seq, e.data])).toEqual([...Array(100)].map((_, k) => [k + 1, { i: k + 1, name: `n${k + 1}` }]));
      c.close();
    });
  }
});

describe('StoreClient liveness', () => {
  it('a store that stops answering is declared dead, started again once, then replaced; all pending is sent again and stored', async () => {
    const lives: { dead: boolean }[] = [];
    const { c } = client({ maxBatch: 10, heartbeatMs: 20, deadAfterMs: 200, transports: [killable(lives), mainThreadTransport] });
    for (let i = 1; i <= 30; i++) c.write(entry(i));
    await c.flush();
    lives[0]!.dead = true;
    for (let i = 31; i <= 60; i++) c.write(entry(i));
    const flushed = c.flush();
    const asked = c.sessions();
    await until(() => lives.length === 2, 5_000);
    expect(c.status.thread).toBe('worker');
    await flushed;
    expect((await asked).map((s) => s.id)).toEqual(['s1']); // asked of the dead store, answered by the new one
    lives[1]!.dead = true;
    for (let i = 61; i <= 90; i++) c.write(entry(i));
    await c.flush();
    expect(c.status.thread).toBe('main');
    expect(c.liveness().deadStores).toBe(2);
    expect(c.status.problems.join('\n')).toMatch(/the worker store did not answer for \d+ ms with 30 entries and 1 questions pending: started again/);
    expect(c.status.problems.join('\n')).toMatch(/: replaced/);
    expect(await storedSeqs(c, 's1')).toEqual([...Array(90)].map((_, i) => i + 1));
    expect(c.counters.acked).toBe(90);
    c.close();
  });

  it('with a worker factory per route (the agent\'s), a worker that answered and died twice is replaced by the main thread, not by the next route\'s worker', async () => {
    const lives: { dead: boolean }[] = [];
    const perRoute = Object.assign(killable(lives), { thread: 'worker' as const });
    const { c } = client({ maxBatch: 10, heartbeatMs: 20, deadAfterMs: 200, transports: [perRoute, perRoute, mainThreadTransport] });
    for (let i = 1; i <= 30; i++) c.write(entry(i));
    await c.flush();
    lives[0]!.dead = true;
    for (let i = 31; i <= 60; i++) c.write(entry(i));
    await c.flush();
    expect(lives).toHaveLength(2); // started again once
    lives[1]!.dead = true;
    for (let i = 61; i <= 90; i++) c.write(entry(i));
    await c.flush();
    expect(lives).toHaveLength(2);
    expect(c.status.thread).toBe('main');
    expect(await storedSeqs(c, 's1')).toEqual([...Array(90)].map((_, i) => i + 1));
    c.close();
  });

  it('a worker that crashes once running is started again once, as a dead one is', async () => {
    const made: StoreTransport[] = [];
    const lives: { dead: boolean }[] = [];
    const make = killable(lives);
    const { c } = client({ maxBatch: 5, transports: [() => made[made.push(make()) - 1]!, mainThreadTransport] });
    for (let i = 1; i <= 10; i++) c.write(entry(i));
    await c.flush();
    lives[0]!.dead = true;
    for (let i = 11; i <= 20; i++) c.write(entry(i));
    made[0]!.onFailure('worker error: Uncaught RangeError');
    await c.flush();
    expect(made).toHaveLength(2);
    expect(c.status.thread).toBe('worker');
    expect(c.status.problems).toEqual(['worker error: Uncaught RangeError: started again']);
    expect(await storedSeqs(c, 's1')).toEqual([...Array(20)].map((_, i) => i + 1));
    c.close();
  });

  it('an idle store is not pinged to death: silence counts only while something is pending', async () => {
    const lives: { dead: boolean }[] = [];
    const { c } = client({ heartbeatMs: 5, deadAfterMs: 30, transports: [killable(lives), mainThreadTransport] });
    c.write(entry(1));
    await c.flush();
    await new Promise((r) => setTimeout(r, 120)); // idle, four times the bound
    c.write(entry(2));
    await c.flush();
    expect(lives).toHaveLength(1);
    expect(c.liveness().deadStores).toBe(0);
    c.close();
  });

  it('every question and flush has a bound: past it they are rejected, and the entries stay pending', async () => {
    const lives: { dead: boolean }[] = [];
    const { c } = client({ maxBatch: 1, deadAfterMs: 1e9, requestTimeoutMs: 40, flushTimeoutMs: 40, transports: [killable(lives)] });
    c.write(entry(1));
    await until(() => c.counters.acked === 1, 10_000); // not flush(): its bound here is 40 ms
    lives[0]!.dead = true;
    c.write(entry(2));
    await expect(c.flush()).rejects.toThrow(/flush: not stored within 40 ms \(1 entries pending/);
    await expect(c.sessions()).rejects.toThrow(/the store did not answer sessions within 40 ms/);
    expect(c.pending).toBe(1);
    c.close();
  });

  it('says the store is behind once acks stall past behindMs with entries pending', async () => {
    const { c } = client({ maxBatch: 1, behindMs: 30, transports: [silentTransport([])] });
    expect(c.liveness()).toMatchObject({ behind: false, stalledMs: 0 });
    c.write(entry(1));
    await new Promise((r) => setTimeout(r, 60));
    const live = c.liveness();
    expect(live.behind).toBe(true);
    expect(live.stalledMs).toBeGreaterThanOrEqual(30);
    c.close();
  });
});

describe('StoreClient emergency log fallbacks', () => {
  it('localStorage refusing: the log goes to sessionStorage and the next load recovers it from there', async () => {
    const local = new RefusingStorage();
    const session = new MemoryStorage();
    const dbName = freshDb();
    const first = client({ dbName, storage: local, fallbackStorage: session, maxBatch: 10, sessionId: 'gone', transports: [silentTransport([])] });
    for (let i = 1; i <= 35; i++) first.c.write(entry(i, 'gone'));
    first.c.saveEmergency();
    expect(session.getItem(emergencyKey(dbName, 'gone'))).not.toBeNull();
    first.c.close();
    const next = client({ dbName, storage: local, fallbackStorage: session, sessionId: 'next' });
    await until(() => next.c.counters.recovered === 35);
    expect(await storedSeqs(next.c, 'gone')).toEqual([...Array(35)].map((_, i) => i + 1));
    await until(() => session.length === 0);
    expect(next.c.counters.droppedEmergency).toBe(0);
    next.c.close();
  });

  it('what no storage takes is named in a marker, and the next load counts exactly what the store had not written', async () => {
    const storage = new MemoryStorage(400); // room for the marker, not for a batch
    const dbName = freshDb();
    const { first, hung } = await hungFirstLoad({ dbName, storage }, 45);
    first.c.saveEmergency();
    expect(storage.getItem(emergencyKey(dbName, 'gone'))).toBeNull();
    const marker = JSON.parse(storage.getItem(`${emergencyKey(dbName, 'gone')}:unsaved`)!) as { unsaved: number[][] };
    expect(marker.unsaved).toEqual([
      [21, 30, 10],
      [31, 40, 10],
      [41, 45, 5],
    ]);
    first.c.close();
    // The dying store did write its next batch (21..30) before the page went.
    const said: StoreToPage[] = [];
    const dying = new StoreHost((m) => said.push(m));
    dying.handle({ type: 'init', version: PROTOCOL_VERSION, config: { dbName, capacity: 1e5, maxBytes: 1e9, maxSessions: 20, tailSize: 100, analytics: false } });
    dying.handle(hung.find((m): m is BatchMessage => m.type === 'batch' && m.firstSeq === 21)!);
    await until(() => said.some((m) => m.type === 'ack'));
    const next = client({ dbName, storage, sessionId: 'next' });
    await until(() => storage.length === 0);
    // Only what it had not written is lost: 31..45.
    expect(next.c.counters.droppedEmergency).toBe(15);
    expect(await storedSeqs(next.c, 'gone')).toEqual([...Array(30)].map((_, i) => i + 1));
    next.c.close();
  });

  it('no storage taking a write is said at start-up, and in liveness', () => {
    const { c } = client({ storage: new RefusingStorage(), fallbackStorage: new RefusingStorage(), transports: [silentTransport([])] });
    expect(c.liveness().emergencyWritable).toBe(false);
    expect(c.status.problems.join()).toMatch(/no storage takes the emergency log/);
    c.close();
  });
});

describe('StoreClient watchdog and the page\'s own stalls', () => {
  it('a page that blocks its own thread longer than the bound does not make the store look dead', async () => {
    const lives: { dead: boolean }[] = [];
    const { c } = client({ maxBatch: 1, heartbeatMs: 10, deadAfterMs: 50, transports: [killable(lives, 20), mainThreadTransport] });
    c.write(entry(1));
    await c.flush();
    c.write(entry(2));
    const until = Date.now() + 150; // the game's long task: three times the bound, with a batch pending
    while (Date.now() < until) {
      /* busy */
    }
    await c.flush();
    expect(lives).toHaveLength(1);
    expect(c.liveness().deadStores).toBe(0);
    c.close();
  });
});

describe('StoreClient started late (deferStart: the page\'s first idle moment)', () => {
  const seqs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

  it('what is written before the store starts is kept, full batches too, and stored once it runs', async () => {
    const { c, sessionId } = client({ deferStart: true, maxBatch: 10 });
    for (let i = 1; i <= 25; i++) c.write(entry(i));
    // Still the constructor's task: no store yet, two full batches sent into the void and kept, five in the batch.
    expect(c.status.thread).toBeNull();
    expect(c.pending).toBe(25);
    await c.flush();
    expect(c.status.thread).toBe('main');
    expect(c.pending).toBe(0);
    expect(await storedSeqs(c, sessionId)).toEqual(seqs(25));
    c.close();
  });

  it('past maxUnacked before the store starts: the newest are refused and counted, the rest stored', async () => {
    const { c, sessionId } = client({ deferStart: true, maxBatch: 10, maxUnacked: 50 });
    for (let i = 1; i <= 80; i++) c.write(entry(i));
    expect(c.counters.droppedBackpressure).toBe(30);
    await c.flush();
    expect(await storedSeqs(c, sessionId)).toEqual(seqs(50));
    c.close();
  });

  it('a page hidden before its store started: the emergency log takes all, under the session lock, so a live page\'s log is not replayed', async () => {
    const storage = new MemoryStorage();
    const dbName = freshDb();
    const { locks, held } = fakeLocks();
    const early = client({ dbName, storage, sessionId: 'early', locks, deferStart: true, maxBatch: 10 });
    for (let i = 1; i <= 25; i++) early.c.write(entry(i, 'early'));
    early.c.saveEmergency(); // pagehide / visibilitychange in the same task as the script's run
    expect(held.has(`trace-agent:${dbName}:early`)).toBe(true);
    const record = JSON.parse(storage.getItem(emergencyKey(dbName, 'early'))!) as { batches: { count: number }[] };
    expect(record.batches.reduce((n, b) => n + b.count, 0)).toBe(25);
    const other = client({ dbName, storage, sessionId: 'other', locks });
    await other.c.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(other.c.counters.recovered).toBe(0);
    // The page lives on: its own store starts and stores them itself.
    await early.c.flush();
    expect(await storedSeqs(early.c, 'early')).toEqual(seqs(25));
    other.c.close();
    early.c.close();
  });

  it('closed before it started: what was written goes to the emergency log, and no store starts after', async () => {
    const storage = new MemoryStorage();
    const { c, dbName, sessionId } = client({ storage, deferStart: true });
    for (let i = 1; i <= 5; i++) c.write(entry(i));
    c.close();
    expect(storage.getItem(emergencyKey(dbName, sessionId))).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(c.status.thread).toBeNull();
  });

  it('a store whose start throws in the idle callback: nothing thrown into the page, the problem said, the next store takes over', async () => {
    const throwing: TransportFactory = () => ({
      thread: 'worker',
      post: () => {
        throw new Error('this page broke postMessage');
      },
      onMessage: () => {},
      onFailure: () => {},
      close: () => {},
    });
    const { c, sessionId } = client({ deferStart: true, transports: [throwing, mainThreadTransport] });
    c.write(entry(1));
    await c.flush();
    expect(c.status.thread).toBe('main');
    expect(c.status.problems.join('\n')).toMatch(/this page broke postMessage/);
    expect(await storedSeqs(c, sessionId)).toEqual([1]);
    c.close();
  });
});

describe('StoreClient and the pins of its acks', () => {
  it('keeps their summary, and a failed save of them is a store problem, once for each reason', async () => {
    const why = ['the pins could not be saved: full', 'the pins could not be saved: full', 'the pins could not be saved: gone'];
    let failures = 0;
    const store: TransportFactory = () => {
      const t: StoreTransport = {
        thread: 'worker',
        post: (m) => {
          const say = (r: StoreToPage) => queueMicrotask(() => t.onMessage(r));
          if (m.type === 'init') say({ type: 'ready', backend: 'indexeddb', totals: emptyTotals() });
          if (m.type === 'batch') {
            const pinLastFailure = why[failures++];
            say({ type: 'ack', sessionId: m.sessionId, fromSeq: m.firstSeq, upTo: m.lastSeq, duplicates: 0, totals: emptyTotals(), pins: { pins: 1, pinsReleased: 0, pinSaveFailures: failures, pinLastFailure } });
          }
        },
        onMessage: () => {},
        onFailure: () => {},
        close: () => {},
      };
      return t;
    };
    const { c } = client({ transports: [store], maxBatch: 1 });
    for (let i = 1; i <= 3; i++) {
      c.write(entry(i));
      await c.flush();
    }
    expect(c.status.pins).toEqual({ pins: 1, pinsReleased: 0, pinSaveFailures: 3, pinLastFailure: why[2] });
    expect(c.status.problems).toEqual([why[0], why[2]]);
    c.close();
  });
});
