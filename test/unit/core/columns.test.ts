import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, LEVELS, type TraceEntry } from '../../../src/core/entry';
import {
  BatchEncoder,
  batchFromPlain,
  batchToPlain,
  checkBatch,
  decodeBatch,
  entryJson,
  restLines,
  sliceBatch,
} from '../../../src/core/columns';
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
