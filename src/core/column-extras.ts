/**
 * The columns most entries leave at their defaults: a span's `dur`,
 * `spanId`, `parentId` and `method`, and `source`. An event logged with a
 * type and data alone has none of them (28 of a row's 60 bytes), so a batch
 * in which no entry sets one carries them as shared, never-written default
 * columns (`defaultExtras`), and what crosses to a worker or goes into
 * IndexedDB leaves them out (`packBatch`); the store puts them back before
 * anything reads the batch (`expandBatch`). Every reader of a ColumnBatch
 * still sees every column.
 *
 * No DOM: used by the page, the worker and Node.
 */
import { apply } from './builtins';
import type { ColumnBatch } from './columns';

export const EXTRA_COLUMNS = ['dur', 'spanId', 'parentId', 'source', 'method'] as const;
export type ExtraColumn = (typeof EXTRA_COLUMNS)[number];
export type Extras = Pick<ColumnBatch, ExtraColumn>;

/** A batch as it crosses to a worker or is stored: its extra columns left out when they are all defaults. */
export type PackedBatch = Omit<ColumnBatch, ExtraColumn> & Partial<Extras>;

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

/** `b` without its extra columns when they are the shared defaults, else `b` itself. */
export function packBatch(b: ColumnBatch): PackedBatch {
  if (!hasDefaultExtras(b)) return b;
  return { count: b.count, seq: b.seq, ts: b.ts, frame: b.frame, kind: b.kind, level: b.level, flags: b.flags, bits: b.bits, type: b.type, strings: b.strings, rest: b.rest };
}

/**
 * A batch with every column: `b` itself when it has them all, else a new
 * batch with the shared defaults of its length in place of the missing ones
 * (a batch that carries some extra columns but not all is left as it is, for
 * checkBatch to refuse). Anything that is not an object is returned as it is.
 */
export function expandBatch(b: PackedBatch): ColumnBatch {
  if (!b || typeof b !== 'object' || b.dur !== undefined || b.spanId !== undefined || b.parentId !== undefined || b.source !== undefined || b.method !== undefined) return b as ColumnBatch;
  const n = b.count;
  // No longer than its seq column: a malformed batch makes no allocation larger than what it brought.
  if (typeof n !== 'number' || !(n >= 1) || !(b.seq instanceof F64) || b.seq.length !== n) return b as ColumnBatch;
  return { ...b, ...defaultExtras(n) };
}
