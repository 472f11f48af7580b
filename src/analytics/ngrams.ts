/**
 * The most frequent sequences of event types: n-grams (n = 2..4) of
 * consecutive entry types per session, each n-gram one number key (13 bits
 * a type), counted with Space-Saving (space-saving.ts) for the session and,
 * through the pattern analyzer's buckets, per 10 s.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import type { ColumnBatch } from '../core/columns';
import { KeyTally, SpaceSaving, type HeavyHitter } from './space-saving';
import { Interner, OTHER_NAME } from './timeframe';

export interface Sequence {
  /** Consecutive entry types. */
  types: string[];
  /** Upper bound of the occurrences in the timeframe. */
  count: number;
  /** count − error is a lower bound. */
  error: number;
}

/** Most frequent n-grams per n (2, 3, 4). */
export type Sequences = Record<'2' | '3' | '4', Sequence[]>;

const TYPE_BITS = 8192; // 13 bits per type in an n-gram key: 4 × 13 = 52 < 53
const MAX_TYPE = TYPE_BITS - 1;
const B2 = TYPE_BITS;
const B3 = TYPE_BITS * TYPE_BITS;
const B4 = TYPE_BITS * TYPE_BITS * TYPE_BITS;

export class TypeSequences {
  private types = new Interner();
  /** The session's n-grams. */
  private grams: SpaceSaving;
  private tally = new KeyTally();
  // The types before this one (per session), as n-gram keys; 0: none.
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;

  constructor(private readonly k: number) {
    this.grams = new SpaceSaving(k);
  }

  reset(): void {
    this.types = new Interner();
    this.grams = new SpaceSaving(this.k);
    this.tally = new KeyTally();
    this.newSession();
  }

  /** A new session: its first type follows nothing. */
  newSession(): void {
    this.h1 = this.h2 = this.h3 = 0;
  }

  /** A per-batch table for `add` (see Interner.map). */
  typeTable(b: ColumnBatch): Int32Array {
    return this.types.map(b);
  }

  /**
   * Counts the n-grams that end with type `ty` of batch `b` (for the session,
   * and for the bucket whose summary is `bucket`); returns the type's key in
   * them (≥ 1; types past the 8,191st share one).
   */
  add(typeTable: Int32Array, b: ColumnBatch, ty: number, bucket: SpaceSaving): number {
    let g = this.types.get(typeTable, b, ty) + 1;
    if (g > MAX_TYPE) g = MAX_TYPE;
    const h1 = this.h1;
    if (h1 !== 0) {
      const k2 = h1 * B2 + g;
      this.gram(k2, bucket);
      const h2 = this.h2;
      if (h2 !== 0) {
        const k3 = h2 * B3 + k2;
        this.gram(k3, bucket);
        const h3 = this.h3;
        if (h3 !== 0) this.gram(h3 * B4 + k3, bucket);
      }
    }
    this.h3 = this.h2;
    this.h2 = h1;
    this.h1 = g;
    return g;
  }

  /**
   * Adds the n-grams tallied so far to the session's and `bucket`'s summaries.
   * The tally is flushed when the bucket changes, when it is half full and
   * before a report, not per batch: small batches would otherwise add nearly
   * every n-gram one by one.
   */
  flush(bucket: SpaceSaving | null): void {
    this.tally.flush(this.grams, bucket);
  }

  private gram(key: number, bucket: SpaceSaving): void {
    if (!this.tally.add(key)) {
      this.flush(bucket);
      this.tally.add(key);
    }
  }

  /** The session's most frequent n-grams (flush first). */
  top(k: number): HeavyHitter[] {
    return this.grams.top(k);
  }

  /** Heavy hitters as sequences of type names, at most 10 per n. */
  sequences(hitters: readonly HeavyHitter[]): Sequences {
    const out: Sequences = { '2': [], '3': [], '4': [] };
    for (const h of hitters) {
      const types = this.decode(h.key);
      const list = out[String(types.length) as '2' | '3' | '4'];
      if (list && list.length < 10) list.push({ types, count: h.count, error: h.error });
    }
    return out;
  }

  private decode(key: number): string[] {
    const ids: number[] = [];
    while (key > 0) {
      ids.unshift(key % TYPE_BITS);
      key = Math.floor(key / TYPE_BITS);
    }
    return ids.map((g) => (g >= MAX_TYPE ? OTHER_NAME : (this.types.names[g - 1] ?? '?')));
  }
}
