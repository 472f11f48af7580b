import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import type { TraceFile } from '../../../src/export/trace-json';
import { StoreHost, type OpenRing } from '../../../src/store/host';
import { IdbRing } from '../../../src/store/idb-ring';
import { MemoryRing } from '../../../src/store/memory-ring';
import { fromWire, toWire } from '../../../src/store/wire';
import { PROTOCOL_VERSION, type QueryParams, type StoreConfig, type StoreToPage } from '../../../src/store/protocol';
import { ledgerProblem, type BlockInput, type TraceRing } from '../../../src/store/ring';
import { batchOf, entry, freshDb, storeHarness, until } from './helpers';
import { ChromeTraceWriter } from '../../../src/export/chrome-trace';
import { setChromeWriter } from '../../../src/store/export-stream';

const config = (over: Partial<StoreConfig> = {}): StoreConfig => ({ dbName: freshDb(), capacity: 1e6, maxBytes: 1e12, maxSessions: 20, tailSize: 100, analytics: { sessionId: '', rules: null, thresholds: {} }, ...over });

/** A host on the main thread of the test (./helpers' storeHarness), with no pin keeper. */
function harness(openRing?: OpenRing, cfg = config()) {
  return storeHarness(cfg, openRing);
}

/** 1,000 entries in batches of 100: kinds, levels, types and sources that vary with the seq. */
function mixed(sessionId = 's'): TraceEntry[][] {
  const batches: TraceEntry[][] = [];
  for (let b = 0; b < 10; b++) {
    const batch: TraceEntry[] = [];
    for (let i = 1; i <= 100; i++) {
      const seq = b * 100 + i;
      batch.push(
        entry(seq, sessionId, {
          ts: seq * 10,
          kind: seq % 10 === 0 ? 'error' : 'custom',
          level: seq % 10 === 0 ? 'error' : 'info',
          type: seq % 3 === 0 ? 'npc.decide' : seq % 3 === 1 ? 'npc.move' : 'story:transition',
          source: seq % 2 === 0 ? 'guard' : undefined,
          data: { i: seq, note: seq === 777 ? 'The Dragon woke' : 'quiet' },
        }),
      );
    }
    batches.push(batch);
  }
  return batches;
}

async function loaded(open?: OpenRing) {
  const h = harness(open);
  for (const b of mixed()) h.send(b);
  await h.acked(1000);
  return h;
}

/** Every page of a query, following `next`. */
async function allPages(h: ReturnType<typeof harness>, q: QueryParams): Promise<TraceEntry[]> {
  const out: TraceEntry[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await h.ask('query', { ...q, after });
    out.push(...page.entries);
    if (page.next === null) return out;
    after = page.next;
  }
}

const idb: OpenRing = (c, lost) => IdbRing.open(c.dbName, c, lost);
const memory: OpenRing = async (c) => new MemoryRing(c);

describe.each([
  ['IndexedDB', idb],
  ['memory', memory],
])('StoreHost queries (%s)', (_name, open) => {
  it('pages newest first and oldest first, each entry exactly once', async () => {
    const h = await loaded(open);
    const newest = await allPages(h, { sessionId: 's', limit: 77 });
    expect(newest.map((e) => e.seq)).toEqual([...Array(1000)].map((_, i) => 1000 - i));
    const oldest = await allPages(h, { sessionId: 's', order: 'oldest', limit: 333 });
    expect(oldest.map((e) => e.seq)).toEqual([...Array(1000)].map((_, i) => i + 1));
    expect(oldest[776]).toEqual(mixed()[7]![76]);
  });

  it('filters by kind, level, type (exact and prefix), source, seq and time ranges, and text', async () => {
    const h = await loaded(open);
    const seqs = async (q: Omit<QueryParams, 'sessionId'>) => (await allPages(h, { sessionId: 's', order: 'oldest', limit: 5000, ...q })).map((e) => e.seq);
    const all = [...Array(1000)].map((_, i) => i + 1);
    expect(await seqs({ kinds: ['error'] })).toEqual(all.filter((s) => s % 10 === 0));
    expect(await seqs({ levels: ['error', 'critical'] })).toEqual(all.filter((s) => s % 10 === 0));
    expect(await seqs({ types: ['npc.decide'] })).toEqual(all.filter((s) => s % 3 === 0));
    expect(await seqs({ types: ['npc.*'] })).toEqual(all.filter((s) => s % 3 !== 2));
    expect(await seqs({ sources: ['guard'] })).toEqual(all.filter((s) => s % 2 === 0));
    expect(await seqs({ fromSeq: 95, toSeq: 205, kinds: ['error'] })).toEqual([100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
    expect(await seqs({ fromTs: 5000, toTs: 5030 })).toEqual([500, 501, 502, 503]);
    expect(await seqs({ text: 'dragon' })).toEqual([777]);
    expect(await seqs({ text: 'STORY:TRANS', toSeq: 10 })).toEqual([2, 5, 8]);
    expect(await seqs({ kinds: ['player'] })).toEqual([]);
  });

  it('stores packed batches as the worker scope hands them on (plain events without extra columns, spans with) and gives back every entry', async () => {
    const h = harness(open);
    const plainEvents = (from: number) => [...Array(100)].map((_, i) => entry(from + i, 's', { ts: from + i, data: { i: from + i } }));
    const spans = [...Array(100)].map((_, i) => entry(201 + i, 's', { ts: 201 + i, kind: 'agent', type: 'npc.decide', source: 'guard', method: 'decide', spanId: 1 + i, dur: 0.5, status: 'ok' }));
    const sent = [plainEvents(1), plainEvents(101), spans];
    for (const b of sent) {
      const wire = structuredClone(toWire(batchOf(b, 5)));
      if (wire.type !== 'batch') throw new Error('not a batch');
      expect(wire.cols.base).toBeInstanceOf(ArrayBuffer);
      expect(wire.cols.dur).toBeUndefined();
      expect(wire.cols.extras === undefined).toBe(b !== spans);
      h.host.handle(fromWire(wire)); // as the worker's scope hands it on
    }
    await h.acked(300);
    expect(h.got.filter((m) => m.type === 'nack')).toEqual([]);
    const oldest = await allPages(h, { sessionId: 's', order: 'oldest', limit: 1000 });
    expect(oldest).toEqual(sent.flat());
  });

  it('skips blocks by their summary without reading them', async () => {
    const h = await loaded(open);
    const r = await h.ask('query', { sessionId: 's', fromTs: 9_000, limit: 5000 });
    expect(r.entries).toHaveLength(101);
    expect(r.blocksRead).toBeLessThanOrEqual(2);
    const none = await h.ask('query', { sessionId: 's', kinds: ['perf'] });
    expect(none).toEqual({ entries: [], next: null, blocksRead: 0 });
  });

  it('streams an export with progress, plain or gzipped, and the file parses back to the entries', async () => {
    const h = await loaded(open);
    h.send([entry(1, 'other'), entry(2, 'other')]);
    await h.acked(2, 'other');
    const header = {
      format: 'trace-agent' as const,
      schemaVersion: 1,
      generator: { name: 'trace-agent', version: 'test' },
      exportedAt: 'now',
      session: 's',
      config: {},
      counters: {} as never,
      storage: { thread: 'main', backend: 'x', problems: [] },
    };
    const plain = await h.ask('export', { session: 's', header, gzip: false });
    const file = JSON.parse(await plain.blob.text()) as TraceFile;
    expect(file.entries).toEqual(mixed().flat().map((e) => JSON.parse(JSON.stringify(e))));
    expect(file.sessions.map((s) => s.id)).toEqual(['s']);
    expect(plain.entries).toBe(1000);
    const progress = h.got.filter((m) => m.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 1000, total: 1000 });

    const zipped = await h.ask('export', { session: 'all', header: { ...header, session: 'all' }, gzip: true });
    expect(zipped.blob.type).toBe('application/gzip');
    const text = await new Response(zipped.blob.stream().pipeThrough(new DecompressionStream('gzip'))).text();
    const everything = JSON.parse(text) as TraceFile;
    expect(everything.entries).toHaveLength(1002);
    expect(everything.sessions).toHaveLength(2);
    expect(zipped.blob.size).toBeLessThan(plain.blob.size / 5);
  });

  it('an export bounded by upTo leaves out what the live session logged after it was asked for', async () => {
    const h = await loaded(open);
    h.send([entry(1, 'other'), entry(2, 'other')]);
    await h.acked(2, 'other');
    const header = {
      format: 'trace-agent' as const,
      schemaVersion: 1,
      generator: { name: 'trace-agent', version: 'test' },
      exportedAt: 'now',
      session: 'all',
      config: {},
      counters: {} as never,
      storage: { thread: 'main', backend: 'x', problems: [] },
    };
    // 's' holds seqs 1..1000 in blocks; 437 falls inside one, so the cut goes through a block.
    const r = await h.ask('export', { session: 'all', header, gzip: false, upTo: { sessionId: 's', seq: 437 } });
    const file = JSON.parse(await r.blob.text()) as TraceFile;
    const ofS = file.entries.filter((e) => e.sessionId === 's').map((e) => e.seq);
    expect(ofS).toEqual(Array.from({ length: 437 }, (_, i) => i + 1));
    expect(file.entries.filter((e) => e.sessionId === 'other')).toHaveLength(2); // other sessions whole
    expect(r.entries).toBe(439);
  });

  it('deletes a session on request; later batches of it are stored again from there', async () => {
    const h = await loaded(open);
    expect(await h.ask('deleteSession', { sessionId: 's' })).toEqual({ deleted: 1000 });
    expect(await h.ask('sessions', {})).toEqual([]);
    h.send([entry(1001, 's'), entry(1002, 's')]);
    await h.acked(1002);
    expect((await allPages(h, { sessionId: 's' })).map((e) => e.seq)).toEqual([1002, 1001]);
  });
});

/** A memory ring whose first two appends each wait for their `release` before they commit (and call `whileCommitting`). */
class GatedRing extends MemoryRing {
  appends = 0;
  readonly release: (() => void)[] = [];
  private readonly gates = [0, 1].map(() => new Promise<void>((r) => this.release.push(r)));
  override async append(...args: Parameters<TraceRing['append']>): Promise<number> {
    const gate = this.gates[this.appends++];
    if (gate) await gate;
    args[1]?.();
    return super.append(args[0]);
  }
}

describe('StoreHost analytics', () => {
  it('see every stored entry once: analysed while the next block commits, and before any answer of theirs', async () => {
    let ring!: GatedRing;
    const h = harness(async (c) => (ring = new GatedRing(c)), config({ analytics: { sessionId: 's', rules: null, thresholds: {} } }));
    const batches = mixed();
    h.send(batches[0]!); // a block of its own, held before its commit
    await until(() => ring.appends === 1);
    for (const b of batches.slice(1)) h.send(b); // queued behind it: the next block
    ring.release[0]!();
    await h.acked(100);
    // The second block is held before its commit: the first is stored and waits for its analysis; a question gets it counted.
    expect((await h.ask('stats', {})).engine.entries).toBe(100);
    ring.release[1]!();
    await h.acked(1000);
    expect((await h.ask('stats', {})).engine.entries).toBe(1000);
  });

  it('see every stored entry in IndexedDB too', async () => {
    const h = harness(undefined, config({ analytics: { sessionId: 's', rules: null, thresholds: {} } }));
    for (const b of mixed()) h.send(b);
    await h.acked(1000);
    expect((await h.ask('stats', {})).engine.entries).toBe(1000);
  });
});

/** A ring that fails its next appends as it is told, and otherwise is a memory ring. */
class FailingRing extends MemoryRing {
  // Posing as IndexedDB, so the host has somewhere to fall back to.
  override readonly backend = 'indexeddb' as 'memory';
  failures: Error[] = [];
  evictions: number[] = [];
  override async append(...args: Parameters<TraceRing['append']>): Promise<number> {
    const err = this.failures.shift();
    if (err) throw err;
    return super.append(args[0]);
  }
  override async evictOldest(entries: number, options?: { newestToo?: boolean; quota?: boolean }): Promise<number> {
    this.evictions.push(entries);
    return super.evictOldest(entries, options);
  }
}

describe('StoreHost failures', () => {
  it('a full quota: evicts harder, tells the page, keeps going, and loses nothing of the new block', async () => {
    let ring!: FailingRing;
    const h = harness(async (c) => (ring = new FailingRing(c)));
    for (const b of mixed().slice(0, 8)) {
      h.send(b);
      await h.acked(b.at(-1)!.seq); // one block each
    }
    ring.failures.push(new DOMException('full', 'QuotaExceededError'));
    h.send(mixed()[8]!);
    await h.acked(900);
    expect(ring.evictions).toEqual([200]); // a quarter of what was stored
    const notice = h.got.find((m) => m.type === 'notice');
    // Said once the block is in: the figures after the write.
    expect(notice).toMatchObject({ event: 'store:quota', level: 'warn', data: { evicted: 200, stored: 700, quotaEvicted: 200 } });
    expect(h.got.filter((m) => m.type === 'ack').at(-1)).toMatchObject({ fromSeq: 801, upTo: 900, totals: { stored: 700, evicted: 200, quotaEvicted: 200, appended: 900 } });
    expect(h.got.some((m) => m.type === 'backend')).toBe(false);
  });

  it('any other write failure: goes on in memory, says so, and acks the block', async () => {
    let ring!: FailingRing;
    const h = harness(async (c) => (ring = new FailingRing(c)));
    h.send(mixed()[0]!);
    await h.acked(100);
    ring.failures.push(new Error('disk gone'));
    h.send(mixed()[1]!);
    await h.acked(200);
    expect(h.got.find((m) => m.type === 'backend')).toMatchObject({ backend: 'memory', problem: 'IndexedDB write failed: Error: disk gone' });
    const last = h.got.filter((m) => m.type === 'ack').at(-1)!;
    expect(last).toMatchObject({ fromSeq: 101, upTo: 200 });
    // The ledger goes on: what the database held is abandoned, not forgotten.
    expect(last.type === 'ack' && last.totals).toMatchObject({ stored: 100, abandoned: 100, appended: 200 });
    expect(last.type === 'ack' && ledgerProblem(last.totals)).toBeNull();
    expect((await allPages(h, { sessionId: 's' })).map((e) => e.seq)).toEqual([...Array(100)].map((_, i) => 200 - i));
  });
});

describe('StoreHost span queries', () => {
  it('finds a span by id and the entries whose parent it is', async () => {
    const h = harness(memory);
    h.send([
      entry(1, 's', { kind: 'agent', type: 'npc.think', spanId: 10, dur: 5 }),
      entry(2, 's', { kind: 'agent', type: 'llm.ask', spanId: 11, parentId: 10, dur: 3 }),
      entry(3, 's', { kind: 'state', type: 'state:change', parentId: 10 }),
      entry(4, 's', { kind: 'agent', type: 'npc.move', spanId: 12, dur: 1 }),
    ]);
    await h.acked(4);
    expect((await h.ask('query', { sessionId: 's', spanIds: [10] })).entries.map((e) => e.seq)).toEqual([1]);
    expect((await h.ask('query', { sessionId: 's', parentIds: [10], order: 'oldest' })).entries.map((e) => e.seq)).toEqual([2, 3]);
  });
});

describe('StoreHost Chrome trace export', () => {
  it('writes the stored entries as a Trace Event file that parses', async () => {
    setChromeWriter(async () => new ChromeTraceWriter()); // as the worker and the entries set it
    const h = await loaded(memory);
    const header = { format: 'trace-agent' as const, schemaVersion: 1, generator: { name: 'trace-agent', version: 'test' }, exportedAt: 'now', session: 's', config: {}, counters: {} as never, storage: { thread: 'main', backend: 'x', problems: [] } };
    const r = await h.ask('export', { session: 's', header, gzip: false, format: 'chrome' });
    const file = JSON.parse(await r.blob.text()) as { traceEvents: { ph: string }[]; otherData: { sessions: unknown[] } };
    expect(file.traceEvents.filter((e) => e.ph === 'I')).toHaveLength(1000);
    expect(file.otherData.sessions).toHaveLength(1);
  });
});

/** A ring whose quota holds `limit` entries: an append past it fails as a full IndexedDB does. */
class QuotaRing extends MemoryRing {
  override readonly backend = 'indexeddb' as 'memory';
  constructor(
    config: StoreConfig,
    private readonly limit: number,
  ) {
    super(config);
  }
  override async append(block: BlockInput): Promise<number> {
    if (this.totals().stored + block.count > this.limit) throw new DOMException('full', 'QuotaExceededError');
    return super.append(block);
  }
}

describe('StoreHost under a quota near one block', () => {
  it('evicts the newest block too when it must, and keeps IndexedDB; the ledger holds', async () => {
    const h = harness(async (c) => new QuotaRing(c, 150));
    h.send(mixed()[0]!);
    await h.acked(100);
    h.send(mixed()[1]!); // 100 + 100 > 150: only the newest block, 1..100, can make room
    await h.acked(200);
    const ack = h.got.filter((m) => m.type === 'ack').at(-1)!;
    expect(ack.type === 'ack' && ack.totals).toMatchObject({ stored: 100, evicted: 100, quotaEvicted: 100, appended: 200 });
    expect(ack.type === 'ack' && ledgerProblem(ack.totals)).toBeNull();
    expect(h.got.some((m) => m.type === 'backend' || m.type === 'nack')).toBe(false);
    expect((await allPages(h, { sessionId: 's' })).map((e) => e.seq)).toEqual([...Array(100)].map((_, i) => 200 - i));
  });

  it('a block the quota cannot take whole is written in parts; a batch that fits nowhere is refused alone, never the rest', async () => {
    const h = harness(async (c) => new QuotaRing(c, 150));
    // Three batches queued at once make one block of 300 entries: too big even for an empty ring.
    const [a, b, c] = mixed();
    h.send(a!);
    h.send(b!);
    h.send([...c!, ...mixed()[3]!]); // 200 entries in one batch: fits nowhere
    await h.acked(400);
    const nacks = h.got.filter((m) => m.type === 'nack');
    expect(nacks).toHaveLength(1);
    expect(nacks[0]).toMatchObject({ fromSeq: 201, upTo: 400, quota: true });
    expect(nacks[0]!.type === 'nack' && nacks[0]!.problem).toMatch(/storage quota cannot take 200 entries/);
    expect(h.got.some((m) => m.type === 'backend')).toBe(false); // IndexedDB kept
    const ack = h.got.filter((m) => m.type === 'ack').at(-1)!;
    expect(ack.type === 'ack' && ledgerProblem(ack.totals)).toBeNull();
    // Of the two that fit, what the quota keeps is queryable; the rest was evicted and counted.
    const kept = (await allPages(h, { sessionId: 's' })).length;
    expect(ack.type === 'ack' && ack.totals.stored).toBe(kept);
    expect(ack.type === 'ack' && ack.totals.stored + ack.totals.evicted).toBe(200);
    // Once refusing, the notice is said once, not for each part.
    expect(h.got.filter((m) => m.type === 'notice' && m.event === 'store:quota').length).toBeLessThanOrEqual(3);
  });
});

describe('StoreHost start', () => {
  it('IndexedDB that does not open in time (a connection that never lets go) is given up for memory: the store starts all the same', async () => {
    const got: StoreToPage[] = [];
    let opened: MemoryRing | null = null;
    let release!: () => void;
    const stuck: OpenRing = (c) =>
      new Promise((resolve) => {
        release = () => resolve((opened = new MemoryRing(c)));
      });
    const host = new StoreHost((m) => got.push(m), null, stuck, 30);
    host.handle({ type: 'init', version: PROTOCOL_VERSION, config: config() });
    host.handle(batchOf([entry(1, 's'), entry(2, 's')], 5));
    await until(() => got.some((m) => m.type === 'ack'));
    expect(got.find((m) => m.type === 'ready')).toMatchObject({ backend: 'memory', problem: expect.stringMatching(/IndexedDB did not open within 0.03 s/) });
    release(); // the database opens at last: too late, it is closed, not used
    await new Promise((r) => setTimeout(r, 10));
    expect(opened).not.toBeNull();
    expect(got.filter((m) => m.type === 'ready')).toHaveLength(1);
  });

  it('a connection that holds one store the writes need (a hung worker\'s read, kept past its terminate) is given up for memory too, not written to forever', async () => {
    const cfg = config();
    (await IdbRing.open(cfg.dbName, cfg)).close(); // the schema exists
    // Another connection's read-only transaction on `heads`, kept alive by chained reads.
    let release = false;
    const holder = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(cfg.dbName);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const store = open.result.transaction('heads', 'readonly').objectStore('heads');
        const spin = () => {
          if (!release) store.count().onsuccess = spin;
        };
        spin();
        resolve(open.result);
      };
    });
    const got: StoreToPage[] = [];
    const host = new StoreHost((m) => got.push(m), null, undefined, 200);
    host.handle({ type: 'init', version: PROTOCOL_VERSION, config: cfg });
    host.handle(batchOf([entry(1, 's'), entry(2, 's')], 5));
    try {
      await until(() => got.some((m) => m.type === 'ack'), 10_000);
      expect(got.find((m) => m.type === 'ready')).toMatchObject({ backend: 'memory', problem: expect.stringMatching(/IndexedDB did not open within 0.2 s/) });
    } finally {
      release = true;
      holder.close();
    }
  }, 20_000);
});
