/**
 * A general streaming anomaly detector: O(1) work per point (bounded by a
 * fixed window) and constant memory, no DOM, no Node APIs. With its defaults
 * and the sequence novelty, it is the detector of the trace agent's global
 * metrics (./global-detector.ts: frame time, event rate, error rate, memory)
 * and the one scored on NAB (`npm run eval:nab`).
 *
 * Sub-detectors, each giving a surprise u (decades of improbability):
 * - spike: two-sided Gaussian tail of the robust z of the value against the
 *   median and IQR of a bounded sliding window (W points kept sorted: O(W)
 *   per point with W fixed);
 * - level shift: two-sided CUSUM (Page) of the clipped robust z;
 * - variance change: fast vs slow EWMA of the squared clipped z;
 * - pattern: -log10 P(bin | two previous bins), values quantised over the
 *   range seen so far (a bins^3 table of counts: constant memory);
 * - out of range: a value beyond everything seen so far (as the spatial check
 *   of NAB's HTM detector), reported at full score;
 * - sequence novelty, when a sequence scorer is given (./global-detector.ts
 *   gives ./novelty.ts): a level or a transition between levels never seen
 *   before, over a quantisation range frozen after its warm-up, reported at
 *   full score.
 * Calibration: each surprise is compared with its own long-run mean and its
 * own slowly relaxing record (the largest surprise it has produced lately):
 * d = (u - mean) / (record - mean), so a series whose sub-detector is noisy
 * by nature raises its own bar, and only what beats the recent record scores
 * high. The score is min(1, d / 2) (1 for out-of-range), 0 while learning and
 * on flat data. A refractory filter reports one event once: within
 * `refractory` points a score counts only if it beats every score before it.
 *
 * Tuning, stated honestly: the structure is general; DEFAULT_THRESHOLD,
 * varianceFloor (Infinity: the variance sub-detector is off), rangeZ,
 * patternFloor, historyAlpha (and the novelty's margin and warm-up) are the
 * point of eval-nab.mjs's CV grid chosen on every file of the NAB subset in
 * shared/data/nab (one configuration for every file; no labels inside the
 * detector; no look-ahead). rangeTolerance 0.05 and refractory 30 come from
 * the literature (HTM's spatial tolerance, CAD OSE's rest period); README's
 * NAB section says where every other constant comes from. What to expect on
 * unseen series is the `held-out` figures of `npm run eval:nab` (leave one
 * category out, 5 folds by file).
 */

export type AnomalyKind = 'spike' | 'level-shift' | 'variance' | 'pattern' | 'out-of-range';

export interface DetectorOptions {
  /** Points before the first verdict. */
  learning?: number;
  /** Sliding window (points) for the robust median / IQR. Memory is O(window). */
  window?: number;
  /** EWMA weight of the slow statistics (level, spread, variance baseline). */
  slowAlpha?: number;
  /** EWMA weight of the fast variance. */
  fastAlpha?: number;
  /** CUSUM slack and decision interval, in robust sigmas. */
  cusumK?: number;
  cusumH?: number;
  /** Weight of the trend correction of the expected value (0: plain sliding median, 1: full). */
  trend?: number;
  /** 1: the CUSUM restarts from 0 once it reaches h; 0: it runs on while the shift lasts. */
  cusumReset?: number;
  /** Tolerance beyond the range seen so far, as a fraction of that range. */
  rangeTolerance?: number;
  /** An out-of-range value must also be this many robust sigmas from the median. */
  rangeZ?: number;
  /** EWMA weight of each sub-detector's long-run mean surprise. */
  historyAlpha?: number;
  /** Per-point relaxation of each sub-detector's record towards its mean. */
  recordDecay?: number;
  /** Least gap (decades) between a record and the mean. */
  minGap?: number;
  /** Relative noise floor: the scale is at least this fraction of |level| and of the range. */
  relativeFloor?: number;
  /** Absolute noise floor for the scale. */
  absoluteFloor?: number;
  /** Points after a score during which a later score must beat it to count. */
  refractory?: number;
  /** Factor applied to a score that does not beat the refractory window's max. */
  damp?: number;
  /** z is clipped to +/- clip in the CUSUM, the variance ratio and the mean surprise. */
  clip?: number;
  /** Quantisation bins over the seen range for the pattern model; 0 disables it. */
  bins?: number;
  /** Laplace pseudo-count of the pattern model. */
  pseudoCount?: number;
  /**
   * Absolute floors: below them a sub-detector scores nothing, however quiet
   * the series was (decades of improbability for spike and pattern, multiples
   * of h for the CUSUM, log10 of the variance ratio).
   */
  spikeFloor?: number;
  levelFloor?: number;
  varianceFloor?: number;
  patternFloor?: number;
  /** The pattern model stays silent until the seen range spans this many noise floors. */
  patternSpan?: number;
  /**
   * 1: each sub-detector is judged against its own recent record (NAB-tuned);
   * 0: absolute, a sub-detector at or above its floor is a verdict (monitoring).
   */
  calibrate?: number;
}

/** A sequence sub-detector (./novelty.ts's SequenceNovelty): a score in 0..1 per value, bounded state. */
export interface SequenceScorer {
  update(value: number): number;
  readonly stateBytes: number;
}

export interface AnomalyResult {
  /** Anomaly score in 0..1 (>= the threshold: anomalous). */
  score: number;
  /** Signed deviation from the expected value in robust sigmas. */
  z: number;
  /** Expected value (sliding median) and its band (median +/- 3 robust sigmas). */
  expected: number;
  low: number;
  high: number;
  /** value - expected. */
  deviation: number;
  /** Largest calibrated surprise d over the sub-detectors (1: equals its recent record). */
  raw: number;
  /** Sub-detector behind the score, when there is any. */
  kind?: AnomalyKind;
  /** Human-readable why, set when score >= threshold. */
  reason?: string;
  /** Still learning: no verdict yet. */
  learning: boolean;
  /** score >= threshold. */
  anomaly: boolean;
}

/** Score at or above which a point is an anomaly (chosen on the NAB subset by eval-nab.mjs's cross-validation grid; see the header). */
export const DEFAULT_THRESHOLD = 0.56;

export const DEFAULT_OPTIONS: Readonly<Required<DetectorOptions>> = {
  learning: 150,
  window: 64,
  slowAlpha: 0.01,
  fastAlpha: 0.1,
  cusumK: 0.5,
  cusumH: 12,
  rangeTolerance: 0.05,
  rangeZ: 4,
  historyAlpha: 0.004,
  recordDecay: 0.0001,
  minGap: 0.3,
  relativeFloor: 1e-3,
  absoluteFloor: 1e-9,
  refractory: 30,
  damp: 0.5,
  clip: 6,
  bins: 16,
  pseudoCount: 0.1,
  spikeFloor: 2,
  levelFloor: 1,
  varianceFloor: Infinity,
  patternFloor: 4,
  patternSpan: 20,
  trend: 0,
  calibrate: 1,
  cusumReset: 1,
};

/**
 * An absolute preset (no calibration against the series' own record, higher
 * floors, no pattern model), the engine's until its global metrics moved to
 * ./global-detector.ts; kept for callers that want a verdict only far beyond
 * the noise. Measured on clean synthetic streams: 0 false positives per hour
 * at 1 Hz on Gaussian noise and on a noisy sine (test/unit/analytics/anomaly.test.ts).
 */
export const MONITOR_OPTIONS: Readonly<DetectorOptions> = {
  calibrate: 0,
  trend: 0.5,
  window: 64,
  spikeFloor: 10,
  cusumK: 1.5,
  cusumH: 12,
  levelFloor: 1,
  varianceFloor: 0.8,
  bins: 0,
  rangeZ: 6,
  rangeTolerance: 0.1,
};

const MAX_U = 12;
const KINDS: readonly AnomalyKind[] = ['spike', 'level-shift', 'variance', 'pattern'];

export class StreamingDetector {
  readonly options: Readonly<Required<DetectorOptions>>;
  readonly threshold: number;
  private n = 0;
  // sliding window: ring (arrival order) and sorted copy
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private filled = 0;
  private head = 0;
  // EWMAs
  private slowMean = 0;
  private slowSd2 = 0;
  private slowZ2 = 1;
  private fastZ2 = 1;
  // CUSUM
  private cusumHi = 0;
  private cusumLo = 0;
  // range seen so far
  private min = Infinity;
  private max = -Infinity;
  // pattern model: counts of a bin given the two previous bins
  private readonly counts: Float32Array;
  private readonly ctxTotals: Float32Array;
  private prev1 = -1;
  private prev2 = -1;
  // per sub-detector: surprise now, its long-run mean, its relaxing record
  private readonly u = new Float64Array(KINDS.length);
  private readonly hMean = new Float64Array(KINDS.length);
  private readonly hRec = new Float64Array(KINDS.length);
  private readonly floors: Float64Array;
  // refractory: monotone deque of (index, score), capacity refractory + 1
  private readonly dqIdx: Float64Array;
  private readonly dqVal: Float64Array;
  private dqHead = 0;
  private dqLen = 0;
  private readonly sequence: SequenceScorer | undefined;

  /**
   * `sequence`: an optional sequence scorer fed every finite value (its own
   * state, warm-up and rest period); a score >= 0.5 from it is reported at
   * full score. ./global-detector.ts gives ./novelty.ts's.
   */
  constructor(opts: DetectorOptions = {}, threshold = DEFAULT_THRESHOLD, sequence?: SequenceScorer) {
    const o = { ...DEFAULT_OPTIONS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, number>)[k] = v as number;
    this.options = o;
    this.threshold = threshold;
    this.ring = new Float64Array(Math.max(3, o.window | 0));
    this.sorted = new Float64Array(this.ring.length);
    const b = Math.max(0, o.bins | 0);
    this.counts = new Float32Array(b * b * b);
    this.ctxTotals = new Float32Array(b * b);
    this.dqIdx = new Float64Array(Math.max(0, o.refractory | 0) + 1);
    this.dqVal = new Float64Array(this.dqIdx.length);
    this.floors = Float64Array.of(o.spikeFloor, o.levelFloor, o.varianceFloor, o.patternFloor);
    this.sequence = sequence;
  }

  /** Points seen. */
  get count(): number {
    return this.n;
  }

  /** Bytes of typed-array state: fixed at construction, whatever the stream's length. */
  get stateBytes(): number {
    let b = this.ring.byteLength + this.sorted.byteLength + this.counts.byteLength + this.ctxTotals.byteLength;
    b += this.u.byteLength + this.hMean.byteLength + this.hRec.byteLength + this.dqIdx.byteLength + this.dqVal.byteLength;
    return b + (this.sequence?.stateBytes ?? 0);
  }

  /** Feeds one value (t, the time, is accepted for callers' convenience; the detector works per point). */
  update(value: number, _t?: number): AnomalyResult {
    const o = this.options;
    const learning = this.n < o.learning;
    if (!Number.isFinite(value)) {
      return { score: 0, z: 0, expected: NaN, low: NaN, high: NaN, deviation: NaN, raw: 0, learning, anomaly: false };
    }
    const i = this.n++;

    // ---- expected value and scale, from the state before this point --------
    const have = this.filled;
    let median = value;
    let robust = 0;
    if (have > 0) {
      median = quantile(this.sorted, have, 0.5);
      robust = (quantile(this.sorted, have, 0.75) - quantile(this.sorted, have, 0.25)) / 1.349;
      // the median lags a trend by half a window: add the trend (newer half's mean minus older half's)
      if (o.trend && have === this.ring.length) median += o.trend * this.halfTrend();
    }
    const range = this.max > this.min ? this.max - this.min : 0;
    const floor = Math.max(o.absoluteFloor, o.relativeFloor * Math.abs(this.slowMean), o.relativeFloor * range);
    const scale = Math.max(robust, 0.25 * Math.sqrt(this.slowSd2), floor);
    const deviation = value - median;
    const z = have > 0 ? deviation / scale : 0;
    const zc = Math.max(-o.clip, Math.min(o.clip, z));

    // ---- sub-detectors: surprise u in decades of improbability -------------
    const u = this.u;
    // spike: two-sided tail of the robust z
    u[0] = have > 0 ? Math.min(MAX_U, -Math.log10(2 * normalTail(Math.abs(z)) + 1e-300)) : 0;
    // level shift: CUSUM of the clipped robust z
    this.cusumHi = Math.max(0, this.cusumHi + zc - o.cusumK);
    this.cusumLo = Math.max(0, this.cusumLo - zc - o.cusumK);
    const c = Math.max(this.cusumHi, this.cusumLo);
    u[1] = c / o.cusumH;
    // variance change: fast vs slow EWMA of the squared clipped z
    const z2 = zc * zc;
    const fastZ2 = this.fastZ2 + o.fastAlpha * (z2 - this.fastZ2);
    const ratio = (fastZ2 + 0.1) / (this.slowZ2 + 0.1);
    u[2] = ratio > 1 ? Math.log10(ratio) : 0;
    // pattern: -log10 P(bin | two previous bins), quantised over the seen range
    const B = o.bins | 0;
    let bin = -1;
    u[3] = 0;
    if (B > 0 && range > o.patternSpan * floor) {
      bin = Math.min(B - 1, Math.max(0, Math.floor(((value - this.min) / range) * B)));
      if (this.prev2 >= 0 && this.prev1 >= 0) {
        const ctx = this.prev2 * B + this.prev1;
        const cell = ctx * B + bin;
        u[3] = -Math.log10((this.counts[cell]! + o.pseudoCount) / (this.ctxTotals[ctx]! + o.pseudoCount * B));
        this.counts[cell] = this.counts[cell]! + 1;
        this.ctxTotals[ctx] = this.ctxTotals[ctx]! + 1;
      }
    }
    this.prev2 = this.prev1;
    this.prev1 = bin;
    // out of range: beyond everything seen so far (by more than the tolerance; on a series flat so far, any other value)
    const tol = o.rangeTolerance * range;
    const outOfRange = !learning && Math.abs(z) >= o.rangeZ && (value > this.max + tol || value < this.min - tol);

    // ---- calibration: each surprise against its own mean and recent record --
    let d = 0;
    let kind: AnomalyKind | undefined;
    const ha = Math.max(o.historyAlpha, 1 / (i + 1));
    const floors = this.floors;
    for (let k = 0; k < KINDS.length; k++) {
      const mean = this.hMean[k]!;
      const rec = Math.max(this.hRec[k]!, mean + o.minGap);
      const uk = u[k]!;
      let dk = 0;
      if (i > 0 && uk >= floors[k]! && uk > 0) {
        // relative: against the recent record; absolute: the floor is the verdict
        // (mapped so that u = floor lands exactly on the threshold: d/2 = threshold)
        dk = o.calibrate ? (uk - mean) / (rec - mean) : 2 * (1 - ((1 - this.threshold) * floors[k]!) / uk);
      }
      if (dk > d) {
        d = dk;
        kind = KINDS[k];
      }
      this.hRec[k] = Math.max(uk, rec - o.recordDecay * (rec - mean));
      this.hMean[k] = mean + ha * (Math.min(uk, mean + o.clip) - mean);
    }
    if (outOfRange) kind = 'out-of-range';
    let score = outOfRange ? 1 : Math.min(1, d / 2);

    // ---- state updates (after scoring) -----------------------------------
    this.push(value);
    if (i === 0) {
      this.slowMean = value;
    } else {
      const a = Math.max(o.slowAlpha, 1 / (i + 1));
      const dv = value - this.slowMean;
      this.slowMean += a * dv;
      this.slowSd2 = (1 - a) * (this.slowSd2 + a * dv * dv);
      this.slowZ2 += a * (z2 - this.slowZ2);
    }
    this.fastZ2 = fastZ2;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (o.cusumReset && c >= o.cusumH) {
      this.cusumHi = 0;
      this.cusumLo = 0;
    }

    if (learning) score = 0;
    if (range === 0 && value === median) score = 0; // flat so far and flat now
    // refractory: a score only counts when it beats every score of the last
    // `refractory` points (so one event is reported once, for any threshold).
    if (o.refractory > 0) {
      const recent = this.recentMax(i, score);
      if (score > 0 && score <= recent) score *= o.damp;
    }
    // sequence novelty: a level or transition never seen is reported at full score
    // (silent while the seen range is within the noise floor, as the pattern model)
    const nov = this.sequence ? this.sequence.update(value) : 0;
    if (!learning && nov >= 0.5 && range > o.patternSpan * floor) {
      score = 1;
      if (!outOfRange) kind = 'pattern';
    }
    const anomaly = score >= this.threshold;

    const band = 3 * scale;
    const result: AnomalyResult = { score, z, expected: median, low: median - band, high: median + band, deviation, raw: d, learning, anomaly };
    if (kind && score > 0) result.kind = kind;
    if (anomaly) result.reason = explain(kind, value, median, z, scale, this.min, this.max);
    return result;
  }

  /** Max of the scores of the last `refractory` points (monotone deque), then adds this one. */
  private recentMax(i: number, score: number): number {
    const r = this.options.refractory;
    const cap = this.dqIdx.length;
    while (this.dqLen > 0 && this.dqIdx[this.dqHead]! < i - r) {
      this.dqHead = (this.dqHead + 1) % cap;
      this.dqLen--;
    }
    const max = this.dqLen > 0 ? this.dqVal[this.dqHead]! : 0;
    while (this.dqLen > 0) {
      const back = (this.dqHead + this.dqLen - 1) % cap;
      if (this.dqVal[back]! > score) break;
      this.dqLen--;
    }
    const at = (this.dqHead + this.dqLen) % cap;
    this.dqIdx[at] = i;
    this.dqVal[at] = score;
    this.dqLen++;
    return max;
  }

  /** Mean of the newer half of the window minus the mean of the older half (O(W), W fixed). */
  private halfTrend(): number {
    const w = this.ring.length;
    const h = w >> 1;
    let older = 0;
    let newer = 0;
    for (let j = 0; j < w; j++) {
      const x = this.ring[(this.head + j) % w]!; // head is the oldest once full
      if (j < h) older += x;
      else if (j >= w - h) newer += x;
    }
    return (newer - older) / h;
  }

  private push(x: number): void {
    const w = this.ring.length;
    const s = this.sorted;
    if (this.filled === w) {
      const old = this.ring[this.head]!;
      let j = lowerBound(s, this.filled, old);
      for (; j < this.filled - 1; j++) s[j] = s[j + 1]!;
      this.filled--;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % w;
    let j = this.filled;
    while (j > 0 && s[j - 1]! > x) {
      s[j] = s[j - 1]!;
      j--;
    }
    s[j] = x;
    this.filled++;
  }
}

function explain(kind: AnomalyKind | undefined, value: number, expected: number, z: number, scale: number, min: number, max: number): string {
  const v = fmt(value);
  const ex = fmt(expected);
  switch (kind) {
    case 'level-shift':
      return `level shift: ${v} vs ${ex} expected, sustained ${z >= 0 ? 'above' : 'below'} the usual level`;
    case 'variance':
      return `variance change: ${v} vs ${ex} expected, swings much wider than usual (±${fmt(3 * scale)} band)`;
    case 'pattern':
      return `unusual pattern: ${v} rarely follows the values before it (median ${ex})`;
    case 'out-of-range':
      return `out of range: ${v} outside everything seen so far [${fmt(min)}, ${fmt(max)}]`;
    default:
      return `spike: ${v} vs ${ex} expected (${z >= 0 ? '+' : ''}${z.toFixed(1)} sigma)`;
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : String(Math.round(x * 100) / 100);
}

function quantile(s: Float64Array, n: number, q: number): number {
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const f = pos - lo;
  return s[lo]! * (1 - f) + s[hi]! * f;
}

function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Upper tail of the standard normal, Q(x) = P(Z > x) (Numerical Recipes erfc, rel. error < 1.2e-7). */
export function normalTail(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
