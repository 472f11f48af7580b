/**
 * The columns most entries leave at their defaults: a span's `dur`,
 * `spanId`, `parentId` and `method`, and `source`. An event logged with a
 * type and data alone has none of them (28 of a row's 60 bytes), so a batch
 * in which no entry sets one carries them as shared, never-written default
 * columns (`defaultExtras`), and what crosses to a worker leaves them out
 * (`packBatch` in columns.ts, store/wire.ts); the worker puts them back
 * before the store reads the batch (`expandBatch`). Every reader of a
 * ColumnBatch still sees every column.
 *
 * No DOM: used by the page, the worker and Node.
 */
import type { ColumnBatch } from './columns';

export const EXTRA_COLUMNS = ['dur', 'spanId', 'parentId', 'source', 'method'] as const;
export type ExtraColumn = (typeof EXTRA_COLUMNS)[number];
export type Extras = Pick<ColumnBatch, ExtraColumn>;

// Captured at start-up: the page may replace the globals later.
const F64 = Float64Array;
const U32 = Uint32Array;

/** The default extras of the length asked for last (full batches are all one length; a partial one in between makes them anew). */
let cached: Extras | null = null;

/**
 * Default extra columns of `n` entries (dur NaN, the rest 0), shared by every
 * batch of that length: nothing writes into a batch's columns once it is
 * made. Each column in a buffer of its own, so that no encoder ever takes
 * one for a recycled buffer of its own layout, and a structured clone of one
 * (a batch the main-thread store keeps) copies its own `n` entries only.
 */
export function defaultExtras(n: number): Extras {
  if (cached === null || cached.dur.length !== n) {
    const dur = new F64(n);
    for (let i = 0; i < n; i++) dur[i] = NaN;
    cached = { dur, spanId: new F64(n), parentId: new F64(n), source: new U32(n), method: new U32(n) };
  }
  return cached;
}

/** Whether `b`'s extra columns are the shared defaults of its length (so it need not carry them; a batch whose defaults were let go is sent whole). */
export function hasDefaultExtras(b: ColumnBatch): boolean {
  const d = cached;
  return d !== null && b.dur === d.dur && b.spanId === d.spanId && b.parentId === d.parentId && b.source === d.source && b.method === d.method;
}
