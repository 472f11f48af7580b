import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, LEVELS, NO_DATA, type TraceEntry } from '../../../src/core/entry';
import {
  BatchEncoder,
  batchFromPlain,
  batchToPlain,
  checkBatch,
  decodeBatch,
  entryJson,
  expandBatch,
  packBatch,
  restLines,
  sliceBatch,
} from '../../../src/core/columns';
import { defaultExtras, EXTRA_COLUMNS } from '../../../src/core/column-extras';
import { batchOf, entry } from '../store/helpers';

/** Any JSON value the safe copy can produce, strings with newlines and quotes included. */
const json = fc.jsonValue({ maxDepth: 3 });

const anyEntry = (seq: number) =>
  fc.record(
    {
      ts: fc.double({ min: 0, max: 1e9, noNaN: true }),
      kind: fc.constantFrom(...KINDS),
      type: fc.string({ minLength: 1, maxLength: 20 }),
      level: fc.constantFrom(...LEVELS),
      source: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      frame: fc.nat(),
      data: fc.option(json, { nil: undefined }),
      metadata: fc.option(json, { nil: undefined }),
      flags: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      spanId: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
      parentId: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }),
      method: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
      args: fc.option(fc.array(json, { maxLength: 3 }), { nil: undefined }),
      result: fc.option(json, { nil: undefined }),
      dur: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
      status: fc.option(fc.constantFrom('ok' as const, 'error' as const), { nil: undefined }),
      error: fc.option(fc.record({ name: fc.string(), message: fc.string() }), { nil: undefined }),
      async: fc.option(fc.boolean(), { nil: undefined }),
    },
    { requiredKeys: ['ts', 'kind', 'type', 'level', 'frame'] },
  ).map((e) => ({ ...e, seq, sessionId: 'S' }) as TraceEntry);

const batchArb = fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => anyEntry(i + 1))));

/** What JSON makes of an entry: undefined fields gone, -0 is 0. */
const viaJson = (e: unknown) => JSON.parse(JSON.stringify(e)) as unknown;

describe('columns', () => {
  it('round-trips any entries: decode and entryJson give back what was encoded', () => {
    fc.assert(
      fc.property(batchArb, (entries) => {
        const b = batchOf(entries).cols;
        expect(checkBatch(b, entries.length)).toBeNull();
        expect(decodeBatch(b, 'S').map(viaJson)).toEqual(entries.map(viaJson));
        const lines = restLines(b);
        const texts = entries.map((_, i) => JSON.parse(entryJson(b, i, '"S"', lines[i]!)) as unknown);
        expect(texts).toEqual(entries.map(viaJson));
      }),
      { numRuns: 200 },
    );
  }, 30_000); // 200 random batches: ~0.6 s alone, past Vitest's 5 s default on a loaded 2-core machine

  it('survives the emergency log (plain JSON) and slicing', () => {
    fc.assert(
      fc.property(batchArb, fc.nat(), (entries, cut) => {
        const b = batchOf(entries).cols;
        const back = batchFromPlain(JSON.parse(JSON.stringify(batchToPlain(b))), b.count)!;
        expect(decodeBatch(back, 'S').map(viaJson)).toEqual(entries.map(viaJson));
        const from = cut % entries.length;
        expect(decodeBatch(sliceBatch(b, from), 'S').map(viaJson)).toEqual(entries.slice(from).map(viaJson));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it('reuses its pre-allocated columns: take() hands over a compact copy', () => {
    const enc = new BatchEncoder(4);
    for (let i = 1; i <= 4; i++) enc.add(entry(i));
    expect(enc.full).toBe(true);
    const first = enc.take();
    expect(enc.length).toBe(0);
    enc.add(entry(5));
    const second = enc.take();
    expect([...first.seq]).toEqual([1, 2, 3, 4]);
    expect([...second.seq]).toEqual([5]);
    expect(second.strings).toEqual(['tick']);
  });

  it('refuses an entry whose values cannot be serialised, and nothing of it is added', () => {
    const enc = new BatchEncoder(4);
    const hostile = { toJSON: () => { throw new Error('no'); } };
    expect(enc.add(entry(1, 's', { data: hostile }))).toBe(false);
    expect(enc.add(entry(2))).toBe(true);
    expect(decodeBatch(enc.take(), 's').map((e) => e.seq)).toEqual([2]);
  });

  it('checkBatch says what is wrong with a batch that is not well formed', () => {
    const good = batchOf([entry(1), entry(2)]).cols;
    expect(checkBatch(good, 2)).toBeNull();
    expect(checkBatch({ ...good, seq: new Float64Array([2, 1]) }, 2)).toMatch(/seq is not increasing/);
    expect(checkBatch({ ...good, kind: [0, 0] }, 2)).toMatch(/column kind/);
    expect(checkBatch({ ...good, rest: 'x' }, 2)).toMatch(/rest has 1 lines/);
    expect(checkBatch({ ...good, type: new Uint32Array([0, 9]) }, 2)).toMatch(/not in the table/);
    expect(checkBatch(good, 3)).toMatch(/count/);
    expect(checkBatch(null, 1)).toMatch(/not an object/);
  });
});

/** Everything a batch holds, as plain data (the columns as arrays). */
const contents = (b: ReturnType<BatchEncoder['take']>) => JSON.parse(JSON.stringify(batchToPlain(b))) as unknown;

describe('the encoder\'s fast paths', () => {
  it('an entry logged with a type only (NO_DATA) encodes exactly as one whose data is {}', () => {
    fc.assert(
      fc.property(batchArb, fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (entries, typeOnly) => {
        const empty = entries.map((e, i) => (typeOnly[i] ? { ...e, data: {} } : e));
        const sentinel = entries.map((e, i) => (typeOnly[i] ? { ...e, data: NO_DATA } : e));
        const a = batchOf(empty).cols;
        const b = batchOf(sentinel).cols;
        expect(contents(b)).toEqual(contents(a));
        expect(decodeBatch(b, 'S').map(viaJson)).toEqual(empty.map(viaJson));
      }),
      { numRuns: 100 },
    );
  }, 30_000);

  it('one encoder over many batches, its full batches\' buffers recycled, gives what a fresh encoder per batch gives', () => {
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 1, max: 7 }), (entries, capacity) => {
        const enc = new BatchEncoder(capacity);
        for (let at = 0; at < entries.length; at += capacity) {
          const part = entries.slice(at, at + capacity);
          for (const e of part) expect(enc.add(e)).toBe(true);
          const b = enc.take();
          // Every column (kinds and levels cached from entry to entry and batch to batch included) and the
          // rest, before the buffer is given back, against a fresh encoder's batch of the same entries.
          expect(contents(b)).toEqual(contents(batchOf(part).cols));
          enc.recycle(b);
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000);

  it('reuses the buffer of a full batch given back, at most two, and never one of another layout', () => {
    const enc = new BatchEncoder(2);
    const full = () => {
      enc.add(entry(1));
      enc.add(entry(2));
      return enc.take();
    };
    const a = full();
    const b = full();
    const c = full();
    enc.recycle(a);
    enc.recycle(b);
    enc.recycle(c); // past the two kept
    const next = [full(), full(), full()];
    // full() took the encoder's columns; the ones it gets afterwards are the recycled b, then a, then new.
    const buffers = next.map((x) => x.seq.buffer);
    expect(buffers).toContain(a.seq.buffer);
    expect(buffers).toContain(b.seq.buffer);
    expect(buffers).not.toContain(c.seq.buffer);
    for (const x of next) expect([...x.seq]).toEqual([1, 2]);

    const other = new BatchEncoder(2);
    const plain = batchFromPlain(JSON.parse(JSON.stringify(batchToPlain(batchOf([entry(1), entry(2)]).cols))), 2)!;
    const sliced = sliceBatch(batchOf([entry(1), entry(2), entry(3)]).cols, 1);
    other.add(entry(1));
    const partial = other.take();
    const bigger = batchOf([entry(1), entry(2), entry(3)]).cols;
    const foreign = [plain, sliced, partial, bigger];
    for (const f of foreign) other.recycle(f);
    const after = [0, 1, 2].map(() => {
      other.add(entry(1));
      other.add(entry(2));
      return other.take().seq.buffer;
    });
    for (const f of foreign) expect(after).not.toContain(f.seq.buffer);
  });
});

/** An entry without any of the extra columns' fields (a plain event's). */
const plain = (e: TraceEntry): TraceEntry => {
  const { dur: _d, spanId: _s, parentId: _p, source: _so, method: _m, ...rest } = e;
  return rest as TraceEntry;
};

describe('compact rows and packed batches', () => {
  it('entries without span or source fields up to any point: the same contents as before, and a packed batch crosses a structured clone intact', () => {
    fc.assert(
      fc.property(batchArb, fc.nat(), fc.integer({ min: 1, max: 7 }), (entries, cut, capacity) => {
        // Entries before `cut` are plain events (the extras start part-way, or never), through one reused encoder.
        const list = entries.map((e, i) => (i < cut % (entries.length + 1) ? plain(e) : e));
        const enc = new BatchEncoder(capacity);
        for (let at = 0; at < list.length; at += capacity) {
          const part = list.slice(at, at + capacity);
          for (const e of part) expect(enc.add(e)).toBe(true);
          const b = enc.take();
          expect(contents(b)).toEqual(contents(batchOf(part).cols));
          expect(decodeBatch(b, 'S').map(viaJson)).toEqual(part.map(viaJson));
          const packed = packBatch(b);
          const anyExtra = part.some((e) => e.dur !== undefined || e.spanId !== undefined || e.parentId !== undefined || e.source !== undefined || e.method !== undefined);
          // No extra columns at all for plain events; the encoder's buffers in place of their views.
          for (const c of EXTRA_COLUMNS) expect(packed[c]).toBeUndefined();
          expect(packed.base).toBeInstanceOf(ArrayBuffer);
          expect(packed.extras === undefined).toBe(!anyExtra);
          const back = expandBatch(structuredClone(packed));
          expect(checkBatch(back, part.length)).toBeNull();
          expect(contents(back)).toEqual(contents(b));
          expect(decodeBatch(back, 'S').map(viaJson)).toEqual(part.map(viaJson));
          // The page's batch (kept until the ack) is whole after the post: nothing was transferred or detached.
          expect(b.seq.buffer.byteLength).toBeGreaterThan(0);
          expect(contents(b)).toEqual(contents(batchOf(part).cols));
          enc.recycle(b);
        }
      }),
      { numRuns: 200 },
    );
  }, 30_000);

  it('the shared default columns are never written: a plain batch keeps NaN and 0 after the encoder goes on to spans', () => {
    const enc = new BatchEncoder(2);
    enc.add(entry(1));
    enc.add(entry(2));
    const a = enc.take();
    expect(a.dur).toBe(defaultExtras(2).dur);
    enc.recycle(a); // its shared columns are not taken for a spare
    enc.add({ ...entry(3), dur: 5, spanId: 7, parentId: 6, method: 'm', source: 'npc' });
    enc.add({ ...entry(4), dur: 9, spanId: 8, method: 'm', source: 'npc' });
    const b = enc.take();
    expect([...b.dur]).toEqual([5, 9]);
    expect([...a.dur]).toEqual([NaN, NaN]);
    expect([...a.spanId, ...a.parentId, ...a.source, ...a.method]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...defaultExtras(2).dur]).toEqual([NaN, NaN]);
    // A batch whose first entry is plain and second a span, in b's recycled buffers (which hold 5 and 9):
    // the plain one gets the defaults, not what the buffer held.
    enc.recycle(b);
    enc.add({ ...entry(5), dur: 2 });
    enc.add({ ...entry(6), dur: 2 });
    const between = enc.take(); // hands its extras over: the encoder's next are b's, given back
    expect(between.dur.buffer).not.toBe(b.dur.buffer);
    enc.add(entry(5));
    enc.add({ ...entry(6), dur: 1, spanId: 2 });
    const c = enc.take();
    expect(c.dur.buffer).toBe(b.dur.buffer);
    expect([...c.dur]).toEqual([NaN, 1]);
    expect([...c.spanId, ...c.parentId, ...c.source, ...c.method]).toEqual([0, 2, 0, 0, 0, 0, 0, 0]);
  });

  it('a malformed packed batch is never a throw: it comes back for checkBatch to refuse', () => {
    const b = batchOf([entry(1), entry(2)]).cols;
    const p = packBatch(b);
    const bad = [
      { ...p, base: new ArrayBuffer(3) },
      { ...p, count: 1.5 },
      { ...p, count: 3 },
      { ...p, extras: new ArrayBuffer(7) },
      { ...p, base: undefined },
      { ...p, dur: new Float64Array(2) }, // one extra column but not the others
      null,
      'x',
    ];
    for (const x of bad) {
      const back = expandBatch(x as never);
      expect(checkBatch(back, 2)).not.toBeNull();
    }
    expect(checkBatch(expandBatch(structuredClone(p)), 2)).toBeNull();
  });

  it('a batch not in the encoder\'s layout is posted with its own columns', () => {
    const sliced = sliceBatch(batchOf([entry(1), entry(2), entry(3)]).cols, 1);
    const plainOne = batchFromPlain(JSON.parse(JSON.stringify(batchToPlain(batchOf([entry(1), entry(2)]).cols))), 2)!;
    for (const b of [sliced, plainOne]) {
      const p = packBatch(b);
      expect(p.base).toBeUndefined();
      expect(contents(expandBatch(structuredClone(p)))).toEqual(contents(b));
    }
  });
});
