import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, LEVELS, type TraceEntry } from '../../../src/core/entry';
import { queryEntries } from '../../../src/overlay/panels/log-file-list';
import { BatchEncoder, batchBytes, type ColumnBatch } from '../../../src/core/columns';
import { MemoryRing } from '../../../src/store/memory-ring';
import type { QueryParams, QueryResult } from '../../../src/store/protocol';
import { runQuery } from '../../../src/store/query';
import { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, queryLimit } from '../../../src/store/query-rules';
import { headOf } from '../../../src/store/ring';
import { entry } from './helpers';

/** Each block as batches of these sizes (entries taken in order; the last block takes the rest). */
type Layout = number[][];

/** The store's query (as the worker and the main-thread fallbacks run it) over entries written into a ring in blocks. */
async function storeOf(entries: readonly TraceEntry[], sessionId: string, layout: Layout = [[50]]): Promise<(q: QueryParams) => Promise<QueryResult>> {
  const ring = new MemoryRing({ capacity: 1e9, maxBytes: 1e15, maxSessions: 10 });
  let at = 0;
  for (let b = 0; at < entries.length; b++) {
    const sizes = layout[b % layout.length]!;
    const parts: ColumnBatch[] = [];
    for (const size of sizes) {
      const slice = entries.slice(at, at + Math.max(1, size));
      at += slice.length;
      if (slice.length === 0) break;
      const enc = new BatchEncoder(slice.length);
      for (const e of slice) expect(enc.add(e)).toBe(true);
      parts.push(enc.take());
    }
    const bytes = parts.reduce((n, p) => n + batchBytes(p), 0);
    await ring.append({ ...headOf(sessionId, parts, bytes), startedAt: 1, parts });
  }
  return (q) => runQuery(ring, (k) => ring.payload(k), q);
}

/** Every page of a query, following `next`: the seqs of each page and its `next`. */
async function pages(run: (q: QueryParams) => Promise<QueryResult>, q: QueryParams): Promise<{ seqs: number[]; next: number | null }[]> {
  const out: { seqs: number[]; next: number | null }[] = [];
  let after = q.after;
  for (let n = 0; n < 500; n++) {
    const page: QueryResult = await run(after === undefined ? q : { ...q, after });
    out.push({ seqs: page.entries.map((e) => e.seq), next: page.next });
    if (page.next === null) return out;
    after = page.next;
  }
  throw new Error('more than 500 pages');
}

const inFile = (entries: readonly TraceEntry[]) => async (q: QueryParams) => queryEntries(entries, q);

// Strings that tell the two readings of a search apart: quotes, backslashes,
// control characters, case, the names of the searched fields, JSON punctuation.
const WORDS = ['say "hi"', 'say hi', 'hi', 'C:\\saves\\"a"', 'tab\there', 'line\nbreak', 'ΣΟΦΊΑ', 'σοφία', 'ΟΔΟΣ', 'Ünïcode', 'null', 'data', 'metadata', 'error', '', 'guard', 'NPC move', '{"a":1}', '\u0001'];
const NEEDLES = [...WORDS.filter((w) => w !== ''), '"', '\\', '\\"', 'C:\\', ',', ':', '{', '[', '"hi"', 'npc', 'MOVE', 'story:', 'σοφ', 'ς', 'οσ', 'ünï', '\t', '\n', 'true', '1', 'args', 'result', 'line'];
const TYPES = ['npc.move', 'npc.decide', 'story:transition', 'Say', 'tick'];
const SOURCES = ['guard', 'npc1', 'Hero'];

const word = fc.constantFrom(...WORDS);
const value: fc.Arbitrary<unknown> = fc.oneof(
  word,
  fc.jsonValue({ maxDepth: 2 }),
  fc.dictionary(fc.constantFrom('line', 'hp', 'data', 'Name', 'say "x"'), fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 }),
  fc.array(word, { maxLength: 3 }),
);
const opt = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

const fields = fc.record({
  gap: fc.integer({ min: 1, max: 3 }),
  ts: fc.integer({ min: 0, max: 100 }),
  kind: fc.constantFrom(...KINDS),
  level: fc.constantFrom(...LEVELS),
  type: fc.constantFrom(...TYPES),
  source: opt(fc.constantFrom(...SOURCES)),
  spanId: opt(fc.integer({ min: 1, max: 4 })),
  parentId: opt(fc.integer({ min: 1, max: 4 })),
  data: opt(value),
  metadata: opt(value),
  args: opt(fc.array(value, { maxLength: 2 })),
  result: opt(value),
  error: opt(fc.record({ name: fc.constantFrom('Error', 'TypeError'), message: word })),
});

/** Entries of one session in seq order (with gaps, as eviction and drops leave them). */
const entriesArb = fc.array(fields, { maxLength: 120 }).map((list) => {
  let seq = 0;
  return list.map(({ gap, ...f }) => {
    seq += gap;
    const e: TraceEntry = entry(seq, 's', { ts: f.ts, kind: f.kind, level: f.level, type: f.type, data: undefined });
    for (const [k, v] of Object.entries(f)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
    return e;
  });
});

const subset = <T,>(items: readonly T[]) => fc.subarray([...items]);
/** Present one time in `1 + absent`: a query of a few filters, most of them off, so matches are common. */
const some = <T,>(a: fc.Arbitrary<T>, absent = 4) => fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: a, weight: 1 });
const queryArb: fc.Arbitrary<QueryParams> = fc
  .record({
    order: some(fc.constantFrom('newest' as const, 'oldest' as const), 1),
    limit: some(fc.integer({ min: 1, max: 40 }), 1),
    fromSeq: some(fc.integer({ min: 0, max: 200 })),
    toSeq: some(fc.integer({ min: 0, max: 300 })),
    fromTs: some(fc.integer({ min: 0, max: 100 })),
    toTs: some(fc.integer({ min: 0, max: 100 })),
    kinds: some(subset(KINDS)),
    levels: some(subset(LEVELS)),
    types: some(subset([...TYPES, 'npc.*', 'S*', 'story:*'])),
    sources: some(subset([...SOURCES, 'nobody'])),
    text: some(fc.constantFrom(...NEEDLES), 1),
    spanIds: some(subset([1, 2, 3, 4])),
    parentIds: some(subset([1, 2, 3, 4])),
    after: some(fc.integer({ min: 0, max: 300 })),
  })
  .map((r) => {
    const q: QueryParams = { sessionId: 's' };
    for (const [k, v] of Object.entries(r)) if (v !== undefined) (q as unknown as Record<string, unknown>)[k] = v;
    return q;
  });

const layoutArb: fc.Arbitrary<Layout> = fc.array(fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });

describe('one set of query rules', () => {
  it('say "hi" is found in a trace file as in the live log (a quote in the search matches the quote the entry holds)', async () => {
    const entries = [entry(1, 's', { data: { line: 'say "hi"' } }), entry(2, 's', { data: { line: 'say hi' } }), entry(3, 's', { data: 'path C:\\saves\\"hi"' })];
    const store = await storeOf(entries, 's');
    for (const [text, want] of [
      ['say "hi"', [1]],
      ['C:\\saves\\"', [3]],
    ] as const) {
      const q: QueryParams = { sessionId: 's', text };
      expect((await store(q)).entries.map((e) => e.seq)).toEqual(want);
      expect(queryEntries(entries, q).entries.map((e) => e.seq)).toEqual(want);
    }
  });

  it('a search finds values, not the names of the searched fields or the punctuation between them', async () => {
    const entries = [
      entry(1, 's', { data: { a: 1 } }),
      entry(2, 's', { data: { a: 1 }, metadata: { m: 2 } }),
      entry(3, 's', { kind: 'agent', data: undefined, args: [1], result: 'x' }),
      entry(4, 's', { data: 'metadata' }),
      entry(5, 's', { data: null }),
    ];
    const store = await storeOf(entries, 's');
    for (const [text, want] of [
      ['data', [4]], // in the value 'metadata', not in a field's name
      ['metadata', [4]],
      ['args', []],
      ['null', [5]],
      [',', []],
      ['"x"', []],
      ['x', [3]],
    ] as const) {
      const q: QueryParams = { sessionId: 's', order: 'oldest', text };
      expect((await store(q)).entries.map((e) => e.seq), text).toEqual(want);
      expect(queryEntries(entries, q).entries.map((e) => e.seq), text).toEqual(want);
    }
  });

  it('the limits are one pair: 200 by default, 1 to 5,000', () => {
    expect([DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT]).toEqual([200, 5_000]);
    expect([queryLimit({}), queryLimit({ limit: 0 }), queryLimit({ limit: 7.9 }), queryLimit({ limit: 1e9 })]).toEqual([200, 1, 7, 5_000]);
    // A limit that is no number (NaN from a computed value) is the default, not NaN: a NaN limit gave an empty page, no cursor.
    expect(queryLimit({ limit: Number.NaN })).toBe(200);
  });

  it('the store and a trace file give the same pages for the same entries and query (property)', async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb, queryArb, layoutArb, async (entries, q, layout) => {
        const store = await storeOf(entries, 's', layout);
        expect(await pages(store, q)).toEqual(await pages(inFile(entries), q));
      }),
      { numRuns: 300 },
    );
  }, 60_000); // a few hundred rings built and queried: generous on a loaded machine

  it('the store and a trace file agree on every needle alone over the same entries (property)', async () => {
    await fc.assert(
      fc.asyncProperty(entriesArb, fc.constantFrom(...NEEDLES), async (entries, text) => {
        const store = await storeOf(entries, 's', [[7, 13]]);
        const q: QueryParams = { sessionId: 's', text, limit: 5_000 };
        expect(await pages(store, q)).toEqual(await pages(inFile(entries), q));
      }),
      { numRuns: 300 },
    );
  }, 60_000); // a few hundred rings built and queried: generous on a loaded machine
});
