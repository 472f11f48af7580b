import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryJson, restLines } from '../../../src/core/columns';
import { KINDS, LEVELS, type TraceEntry } from '../../../src/core/entry';
import { DEFAULT_LIMITS, safeCopy, type CopyLimits } from '../../../src/core/safe-copy';
import { ChromeTraceWriter } from '../../../src/export/chrome-trace';
import { parseChromeTrace } from '../../../src/export/chrome-import';
import { parseTrace, revive, SCHEMA_VERSION, traceHead, TRACE_FORMAT, TRACE_TAIL, type TraceHeader } from '../../../src/export/trace-json';
import { batchOf } from '../store/helpers';

const header: TraceHeader = {
  format: TRACE_FORMAT,
  schemaVersion: SCHEMA_VERSION,
  generator: { name: 'trace-agent', version: 'test' },
  exportedAt: '2026-12-06T00:00:00.000Z',
  session: 's',
  sessions: [],
  config: {},
  counters: { logged: 0, rejected: 0, truncated: 0, redacted: 0, dropped: 0, droppedByStore: 0, internalErrors: 0, acked: 0, stored: 0, storedBytes: 0, evicted: 0, deleted: 0, recovered: 0, lostOnUnload: 0, paused: 0 },
  storage: { thread: 'worker', backend: 'memory', problems: [] },
};

/** No limit in the way: what is copied is all of the value. */
const WIDE: CopyLimits = { ...DEFAULT_LIMITS, maxDepth: 64, maxBytes: 1e9, maxString: 1e9, maxKeys: 1e9, redactKeys: null };

const validate = new Ajv2020({ strict: true, strictTypes: false }).compile(JSON.parse(readFileSync('schema/trace-v1.schema.json', 'utf8')) as object);

/** The file the store writes for these entries (from their columns, as export-stream.ts does), checked by the schema and read back. */
function exportImport(entries: TraceEntry[]): TraceEntry[] {
  const b = batchOf(entries).cols;
  const lines = restLines(b);
  const parts: string[] = [];
  for (let i = 0; i < b.count; i++) parts.push(entryJson(b, i, JSON.stringify('s'), lines[i]!));
  const text = traceHead(header) + parts.join(',') + TRACE_TAIL;
  expect(validate(JSON.parse(text)), JSON.stringify(validate.errors)).toBe(true);
  return parseTrace(text).entries;
}

/** -0 is written as 0 by JSON (and by the copy): compared as 0. */
function noNegZero<T>(v: T): T {
  if (Object.is(v, -0)) return 0 as T;
  if (Array.isArray(v)) return v.map(noNegZero) as T;
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [noNegZero(k), noNegZero(x)])) as T;
  if (v instanceof Set) return new Set([...v].map(noNegZero)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, noNegZero(x)])) as T;
  return v;
}

const copied = (v: unknown) => safeCopy(v, WIDE).value;
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const entryArb = (seq: number) =>
  fc.record({
    ts: fc.double({ min: 0, max: 1e7, noNaN: true }).map((t) => Math.round(t * 1000) / 1000),
    kind: fc.constantFrom(...KINDS),
    type: fc.string({ minLength: 1, maxLength: 20 }),
    level: fc.constantFrom(...LEVELS),
    source: optional(fc.string({ minLength: 1, maxLength: 10 })),
    frame: fc.nat(1e6),
    data: optional(fc.jsonValue().map(copied)),
    metadata: optional(fc.dictionary(fc.string(), fc.jsonValue()).map(copied)),
    span: optional(
      fc.record({
        spanId: fc.integer({ min: 1, max: 12 }), // few ids: parents found, shared, and cycles
        parentId: optional(fc.integer({ min: 1, max: 12 })),
        method: optional(fc.string({ maxLength: 10 })),
        dur: fc.double({ min: 0, max: 1e5, noNaN: true }).map((d) => Math.round(d * 1000) / 1000),
        status: fc.constantFrom('ok' as const, 'error' as const),
        async: optional(fc.boolean()),
        args: optional(fc.array(fc.jsonValue()).map(copied)),
        result: optional(fc.jsonValue().map(copied)),
      }),
    ),
  }).map(({ span, ...e }) => {
    const out: TraceEntry = { seq, sessionId: 's', ...e, ...span };
    if (out.status === 'error') out.error = { name: 'Error', message: 'failed' };
    return out;
  });

describe('export then import', () => {
  it('gives the same entries, for arbitrary fields and values, in a file the schema accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...[...Array(n).keys()].map((i) => entryArb(i + 1)))), (entries) => {
        // What the reader must get: the entries as JSON holds them (undefined fields are absent).
        expect(exportImport(entries)).toEqual(noNegZero(JSON.parse(JSON.stringify(entries))));
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('in the Chrome format too: export then import gives the same entries, the layout\'s moves undone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }).chain((n) => fc.tuple(...[...Array(n).keys()].map((i) => entryArb(i + 1)))), (entries) => {
        const w = new ChromeTraceWriter();
        let text = w.fileHead(header);
        for (const e of entries) text += w.entryText(e);
        const back = parseChromeTrace(text + w.fileTail()).entries;
        expect(back).toEqual(noNegZero(JSON.parse(JSON.stringify(entries))));
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('revives Map, Set, BigInt, Date, Error, undefined and non-finite numbers of a copied value', () => {
    const value = fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withBoxedValues: false, withNullPrototype: false, withTypedArray: false, withSparseArray: false, maxDepth: 4 });
    fc.assert(
      fc.property(value, (v) => {
        const file = JSON.parse(JSON.stringify({ v: copied(v) })) as { v: unknown };
        expect(revive(file.v)).toEqual(noNegZero(v));
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('a "__proto__" key of a file stays a key: revive defines it, it does not set the prototype', () => {
    const v = revive(JSON.parse('{"__proto__":{"$t":"date","v":"1970-01-01T00:00:00.000Z"},"a":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')!.value).toEqual(new Date(0));
  });
});
