/**
 * The columns most entries leave at their defaults: a span's `dur`,
 * `spanId`, `parentId` and `method`, and `source`. An event logged with a
 * type and data alone has none of them (28 of a row's 60 bytes), so a batch
 * in which no entry sets one carries them as shared, never-written default
 * columns (`defaultExtras`), and what crosses to a worker or goes into
 * IndexedDB leaves them out (`packBatch` in columns.ts); the store puts them
 * back before anything reads the batch (`expandBatch`). Every reader of a
 * ColumnBatch still sees every column.
 *
 * No DOM: used by the page, the worker and Node.
 */
import { apply } from './builtins';
import type { ColumnBatch } from './columns';

export const EXTRA_COLUMNS = ['dur', 'spanId', 'parentId', 'source', 'method'] as const;
export type ExtraColumn = (typeof EXTRA_COLUMNS)[number];
export type Extras = Pick<ColumnBatch, ExtraColumn>;


// Captured at start-up: the page may replace the globals later.
const F64 = Float64Array;
const U32 = Uint32Array;
const fillF64 = Float64Array.prototype.fill;

/** The default extras of the lengths asked for last (a null-prototype object: no Map, whose methods the page may replace). */
let cache = Object.create(null) as Record<number, Extras>;
let cached = 0;
/** Lengths kept: the batch size and a few partial ones; past it the cache starts again (a batch whose defaults were let go is only sent whole). */
const CACHED_LENGTHS = 4;

/**
 * Default extra columns of `n` entries (dur NaN, the rest 0), shared by every
 * batch of that length: nothing writes into a batch's columns once it is
 * made. Each column in a buffer of its own, so that no encoder ever takes
 * one for a recycled buffer of its own layout, and a structured clone of one
 * (a batch the main-thread store keeps) copies its own `n` entries only.
 */
export function defaultExtras(n: number): Extras {
  let d = cache[n];
  if (d === undefined) {
    if (cached >= CACHED_LENGTHS) {
      cache = Object.create(null) as Record<number, Extras>;
      cached = 0;
    }
    const dur = new F64(n);
    apply(fillF64, dur, [NaN]);
    d = { dur, spanId: new F64(n), parentId: new F64(n), source: new U32(n), method: new U32(n) };
    cache[n] = d;
    cached++;
  }
  return d;
}

/** Whether `b`'s extra columns are the shared defaults of its length (so it need not carry them). */
export function hasDefaultExtras(b: ColumnBatch): boolean {
  const d = cache[b.count];
  return d !== undefined && b.dur === d.dur && b.spanId === d.spanId && b.parentId === d.parentId && b.source === d.source && b.method === d.method;
}
