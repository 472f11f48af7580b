/**
 * DDSketch (Masson, Rim & Lee, VLDB 2019): a quantile sketch with a relative
 * error guarantee and an exact merge.
 *
 * A positive value x goes to bucket k = ceil(log_γ x) with γ = (1+α)/(1-α);
 * bucket k holds (γ^(k-1), γ^k] and answers with 2γ^k/(γ+1), which is within
 * a relative error α of every value in it. So `quantile(q)` is within α of
 * the exact value of rank ⌊q·(n-1)⌋ (0-based, the "lower" nearest rank), as
 * long as no bucket below it was collapsed. Values ≤ `minValue` (and
 * negatives, which durations and frame times never are) count in a zero
 * bucket.
 *
 * Bins are one dense Float64Array over the keys in use, at most `maxBins`
 * wide: when a value would widen the range past that, the lowest buckets are
 * collapsed into one (the paper's "collapsing lowest"), which keeps the
 * guarantee for the upper quantiles that monitoring cares about. With α =
 * 0.01, 2048 bins span a factor of γ^2048 ≈ 6·10^17, so latencies from 1 µs to
 * hours never collapse.
 *
 * Two sketches with the same α merge exactly: the merged sketch is the one
 * that would have seen both streams.
 */

export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_MAX_BINS = 2048;

/** A sketch as plain JSON (`DDSketch.toJSON` / `DDSketch.fromJSON`). */
export interface SketchJSON {
  alpha: number;
  maxBins: number;
  /** Values that counted as zero (≤ minValue). */
  zero: number;
  count: number;
  sum: number;
  /** null when empty (JSON has no Infinity). */
  min: number | null;
  max: number | null;
  /** The key of `bins[0]`. */
  offset: number;
  /** Counts of consecutive keys from `offset`. */
  bins: number[];
}

const EMPTY = new Float64Array(0);

export class DDSketch {
  readonly alpha: number;
  readonly gamma: number;
  readonly maxBins: number;
  /** Values at or below this count in the zero bucket. */
  readonly minValue = 1e-9;
  private readonly invLnGamma: number;
  private bins: Float64Array = EMPTY;
  /** The key of bins[0]. */
  private offset = 0;
  /** Lowest and highest key in use; hi < lo when no bucket is. */
  private lo = 0;
  private hi = -1;
  zero = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  constructor(alpha = DEFAULT_ALPHA, maxBins = DEFAULT_MAX_BINS) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.invLnGamma = 1 / Math.log(this.gamma);
    this.maxBins = Math.max(16, Math.floor(maxBins));
  }

  /** Buckets in use (not counting the zero bucket). */
  get binCount(): number {
    return this.hi >= this.lo ? this.hi - this.lo + 1 : 0;
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : NaN;
  }

  /**
   * Adds `value` with weight `w` (default 1). NaN and ±Infinity are ignored:
   * an infinite value has no bin (its key would be infinite, and making room
   * for it would never end).
   */
  add(value: number, w = 1): void {
    if (!isFinite(value) || !(w > 0)) return;
    this.count += w;
    this.sum += value * w;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= this.minValue) {
      this.zero += w;
      return;
    }
    this.addKey(this.keyOf(value), w);
  }

  /** The bin of a value above `minValue`, for `addKeyed` (a logarithm: one per value, not per sketch). */
  keyOf(value: number): number {
    return Math.ceil(Math.log(value) * this.invLnGamma);
  }

  /**
   * `add(value)`, its bin `key` given: `keyOf(value)` of a sketch of the same
   * α (any key when the value is ≤ minValue). A span goes into four sketches
   * of one α: the logarithm is worked out once.
   */
  addKeyed(value: number, key: number): void {
    if (!isFinite(value)) return;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value <= this.minValue) {
      this.zero += 1;
      return;
    }
    this.addKey(key, 1);
  }

  /** Adds every value of another sketch (same α). Exact. */
  merge(o: DDSketch): void {
    if (o.count === 0) return;
    if (o.gamma !== this.gamma) throw new RangeError(`cannot merge sketches of different accuracy (${o.alpha} into ${this.alpha})`);
    if (o.hi >= o.lo) {
      const empty = this.hi < this.lo;
      const lo = empty ? o.lo : Math.min(this.lo, o.lo);
      const hi = empty ? o.hi : Math.max(this.hi, o.hi);
      if (hi - lo + 1 <= this.maxBins) {
        // The union fits: one allocation at most, then a plain add of the counts.
        this.ensure(lo, hi);
        this.lo = lo;
        this.hi = hi;
        const d = o.offset - this.offset;
        for (let i = o.lo - o.offset; i <= o.hi - o.offset; i++) this.bins[i + d]! += o.bins[i]!;
      } else {
        for (let k = o.lo; k <= o.hi; k++) {
          const c = o.bins[k - o.offset]!;
          if (c > 0) this.addKey(k, c);
        }
      }
    }
    this.zero += o.zero;
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  /**
   * The value of rank ⌊q·(count-1)⌋, within α relative error; NaN when
   * empty. q ≤ 0 and q ≥ 1 give the exact min and max.
   */
  quantile(q: number): number {
    if (this.count === 0 || q !== q) return NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const rank = Math.floor(q * (this.count - 1));
    let cum = this.zero;
    if (cum > rank) return this.clamp(0);
    const bins = this.bins;
    const off = this.offset;
    for (let k = this.lo; k <= this.hi; k++) {
      cum += bins[k - off]!;
      if (cum > rank) return this.clamp(this.valueOf(k));
    }
    return this.max;
  }

  /** The value a key answers with: 2γ^k/(γ+1). */
  private valueOf(k: number): number {
    return (2 * Math.pow(this.gamma, k)) / (this.gamma + 1);
  }

  private clamp(v: number): number {
    return v < this.min ? this.min : v > this.max ? this.max : v;
  }

  private addKey(k: number, w: number): void {
    if (k < this.lo || k > this.hi) k = this.extend(k);
    this.bins[k - this.offset]! += w;
  }

  /** Makes room for key `k`, collapsing the lowest buckets past maxBins; returns the key to add to. */
  private extend(k: number): number {
    if (this.hi < this.lo) {
      this.ensure(k, k);
      this.lo = this.hi = k;
      return k;
    }
    if (k > this.hi) {
      const floor = k - this.maxBins + 1;
      if (floor > this.lo) this.collapseTo(floor);
      this.ensure(this.lo, k);
      this.hi = k;
      return k;
    }
    // k < lo
    const floor = this.hi - this.maxBins + 1;
    if (k < floor) k = floor;
    if (k < this.lo) {
      this.ensure(k, this.hi);
      this.lo = k;
    }
    return k;
  }

  /** Folds every bucket below `floor` into `floor`. */
  private collapseTo(floor: number): void {
    let moved = 0;
    for (let k = this.lo; k < floor && k <= this.hi; k++) {
      const i = k - this.offset;
      moved += this.bins[i]!;
      this.bins[i] = 0;
    }
    if (floor > this.hi) {
      // Every bucket in use lies below the new floor: the range restarts there.
      this.lo = 0;
      this.hi = -1;
      this.ensure(floor, floor);
      this.lo = this.hi = floor;
    } else {
      this.lo = floor;
    }
    this.bins[floor - this.offset]! += moved;
  }

  /** Ensures keys lo..hi have slots, reallocating (with slack) when they do not. */
  private ensure(lo: number, hi: number): void {
    const b = this.bins;
    if (lo >= this.offset && hi < this.offset + b.length) return;
    const from = Math.min(lo, this.hi >= this.lo ? this.lo : lo);
    const to = Math.max(hi, this.hi >= this.lo ? this.hi : hi);
    const need = to - from + 1;
    const len = Math.min(Math.max(32, need * 2), this.maxBins + 32);
    const next = new Float64Array(Math.max(len, need));
    const offset = from - Math.floor((next.length - need) / 2);
    if (this.hi >= this.lo) next.set(b.subarray(this.lo - this.offset, this.hi - this.offset + 1), this.lo - offset);
    this.bins = next;
    this.offset = offset;
  }

  /** Empties the sketch, keeping its buffer. */
  clear(): void {
    if (this.hi >= this.lo) this.bins.fill(0, this.lo - this.offset, this.hi - this.offset + 1);
    this.lo = 0;
    this.hi = -1;
    this.zero = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  toJSON(): SketchJSON {
    const bins: number[] = [];
    for (let k = this.lo; k <= this.hi; k++) bins.push(this.bins[k - this.offset]!);
    return {
      alpha: this.alpha,
      maxBins: this.maxBins,
      zero: this.zero,
      count: this.count,
      sum: this.sum,
      min: this.count > 0 ? this.min : null,
      max: this.count > 0 ? this.max : null,
      offset: this.hi >= this.lo ? this.lo : 0,
      bins,
    };
  }

  static fromJSON(j: SketchJSON): DDSketch {
    const s = new DDSketch(j.alpha, j.maxBins);
    for (let i = 0; i < j.bins.length; i++) {
      const c = j.bins[i]!;
      if (c > 0) s.addKey(j.offset + i, c);
    }
    s.zero = j.zero;
    s.count = j.count;
    s.sum = j.sum;
    s.min = j.min ?? Infinity;
    s.max = j.max ?? -Infinity;
    return s;
  }
}

/** p50/p90/p95/p99/max of a sketch, rounded for display; nulls when empty. */
export interface QuantileSummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
}

/** Six significant digits: enough for a figure within 1 %, short in JSON. */
export function roundFigure(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

export function summarize(s: DDSketch): QuantileSummary {
  if (s.count === 0) return { count: 0, p50: null, p90: null, p95: null, p99: null, min: null, max: null, mean: null };
  return {
    count: s.count,
    p50: roundFigure(s.quantile(0.5)),
    p90: roundFigure(s.quantile(0.9)),
    p95: roundFigure(s.quantile(0.95)),
    p99: roundFigure(s.quantile(0.99)),
    min: roundFigure(s.min),
    max: roundFigure(s.max),
    mean: roundFigure(s.sum / s.count),
  };
}
