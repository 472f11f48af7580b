/**
 * Sequence novelty: a streaming detector of values and transitions never seen
 * before, in the spirit of the contextual detectors that lead NAB (CAD OSE:
 * a step is anomalous when what followed was never learnt), at O(1) work and
 * memory per point. No DOM, no Node APIs.
 *
 * - Values are quantised into `levels` levels over a range that stops moving
 *   once learnt: the range of the first `warmup` points, widened by `margin`
 *   of its span on each side; later values are clamped to the edge levels.
 *   The warm-up's values (at most 4096) are kept until it ends, then learnt
 *   under the frozen range, so the memory never mixes two quantisations.
 *   (A range that follows every new extreme re-quantises every later value,
 *   so the memory would have to relearn; that is why CAD OSE in NAB is given
 *   each file's range in advance, which a stream cannot have.)
 * - For each order k = 0..order, a table counts the (k previous levels,
 *   level) sequences seen so far (levels^(k+1) counters: fixed memory). The
 *   raw novelty of a step is the share of orders whose sequence has never
 *   been seen before.
 * - A value beyond everything seen so far by more than `tolerance` of the
 *   seen span is novel outright (raw 1), as the spatial check of NAB's HTM
 *   detector.
 * - After a raw novelty >= 0.5 the next `rest` steps score 0 (one report per
 *   event, as CAD OSE's rest period); the first `learning` steps (by default
 *   the warm-up) score 0.
 */

export interface NoveltyOptions {
  /** Quantisation levels. */
  levels?: number;
  /** Longest sequence order counted (0: single levels only). */
  order?: number;
  /** Points whose range becomes the frozen quantisation range. */
  warmup?: number;
  /** Widening of the frozen range on each side, as a fraction of its span. */
  margin?: number;
  /** Steps after a novelty during which the score is 0. */
  rest?: number;
  /** Tolerance of the out-of-range check, as a fraction of the span seen so far. */
  tolerance?: number;
  /** Points before the first non-zero score (-1: the warm-up, so nothing is reported while the range is being learnt). */
  learning?: number;
}

/**
 * From the literature: levels 8 (CAD OSE's numNormValueBits 3), tolerance
 * 0.05 (the spatialTolerance of NAB's HTM detector), rest 30 (CAD OSE's
 * restPeriod; ./global-detector.ts passes the StreamingDetector's refractory,
 * the same 30). margin and warmup: eval-nab.mjs's CV grid, chosen on every
 * file of shared/data/nab. order: chosen earlier on that folder.
 */
export const NOVELTY_DEFAULTS: Readonly<Required<NoveltyOptions>> = {
  levels: 8,
  order: 1,
  warmup: 400,
  margin: 1,
  rest: 30,
  tolerance: 0.05,
  learning: -1,
};

/** Largest number of counters a table may hold (levels^(order+1)), so memory stays small whatever the options. */
const MAX_CELLS = 1 << 16;
/** Longest warm-up (its values are kept until it ends). */
const MAX_WARMUP = 4096;

export class SequenceNovelty {
  readonly options: Readonly<Required<NoveltyOptions>>;
  private readonly tables: Uint32Array[] = [];
  /** Last `order` levels, newest first (-1: none yet). */
  private readonly history: Int32Array;
  private n = 0;
  private warmMin = Infinity;
  private warmMax = -Infinity;
  private lo = 0;
  private hi = 0;
  private seenMin = Infinity;
  private seenMax = -Infinity;
  private left: number;
  /** The warm-up's values, learnt once the range is frozen (then released). */
  private warm: Float64Array;

  constructor(opts: NoveltyOptions = {}) {
    const o = { ...NOVELTY_DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, number>)[k] = v as number;
    o.levels = Math.max(2, Math.floor(o.levels));
    o.order = Math.max(0, Math.floor(o.order));
    while (o.order > 0 && o.levels ** (o.order + 1) > MAX_CELLS) o.order--;
    o.warmup = Math.min(MAX_WARMUP, Math.max(1, Math.floor(o.warmup)));
    if (o.learning < 0) o.learning = o.warmup;
    this.options = o;
    for (let k = 0; k <= o.order; k++) this.tables.push(new Uint32Array(o.levels ** (k + 1)));
    this.history = new Int32Array(o.order + 1).fill(-1);
    this.left = Math.max(0, Math.floor(o.rest));
    this.warm = new Float64Array(o.warmup);
  }

  /** Bytes of typed-array state: fixed at construction. */
  get stateBytes(): number {
    let b = this.history.byteLength + this.warm.byteLength;
    for (const t of this.tables) b += t.byteLength;
    return b;
  }

  /** Feeds one value; returns the novelty score in 0..1 (0 while learning, resting, or for a non-finite value). */
  update(x: number): number {
    if (!Number.isFinite(x)) return 0;
    const o = this.options;
    const i = this.n++;
    const seen = this.seenMax - this.seenMin;
    const outOfRange = seen > 0 && (x > this.seenMax + o.tolerance * seen || x < this.seenMin - o.tolerance * seen);
    if (x < this.seenMin) this.seenMin = x;
    if (x > this.seenMax) this.seenMax = x;

    let raw = 0;
    if (i < o.warmup) {
      // warm-up: keep the values; at its end, freeze the range and learn them under it
      this.warm[i] = x;
      if (x < this.warmMin) this.warmMin = x;
      if (x > this.warmMax) this.warmMax = x;
      if (i === o.warmup - 1) {
        const pad = (this.warmMax - this.warmMin) * o.margin;
        this.lo = this.warmMin - pad;
        this.hi = this.warmMax + pad;
        for (let j = 0; j <= i; j++) this.observe(this.warm[j]!);
        this.warm = new Float64Array(0);
      }
    } else {
      raw = this.observe(x);
    }
    if (outOfRange && i >= o.learning) raw = 1;

    let score = 0;
    if (this.left > 0) this.left--;
    else score = raw;
    if (raw >= 0.5) this.left = Math.max(0, Math.floor(o.rest));
    return i < o.learning ? 0 : score;
  }

  /** Counts a value's level sequences under the frozen range; returns the share of orders never seen before. */
  private observe(x: number): number {
    const L = this.options.levels;
    const span = this.hi - this.lo;
    const level = span > 0 ? Math.max(0, Math.min(L - 1, Math.floor(((x - this.lo) / span) * L))) : 0;
    const h = this.history;
    for (let k = h.length - 1; k > 0; k--) h[k] = h[k - 1]!;
    h[0] = level;
    let novel = 0;
    let orders = 0;
    let cell = 0;
    let mul = 1;
    for (let k = 0; k < h.length; k++) {
      const lv = h[k]!;
      if (lv < 0) break;
      cell += lv * mul;
      mul *= L;
      const t = this.tables[k]!;
      orders++;
      if (t[cell] === 0) novel++;
      if (t[cell]! < 0xffffffff) t[cell] = t[cell]! + 1;
    }
    return orders > 0 ? novel / orders : 0;
  }
}
