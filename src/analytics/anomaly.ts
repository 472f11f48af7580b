/**
 * A general streaming anomaly detector: O(1) work per point (bounded by the
 * fixed window size) and constant memory, no DOM, no Node APIs. Used by the
 * trace agent's worker (frame time, per-method latency, event rate, error
 * rate, memory) and scored on NAB (`npm run eval:nab`).
 *
 * Layers:
 * 1. Sub-detectors on each value, each giving a raw surprise in [0, 1]:
 *    - spike: robust z of the value against the median / IQR of a bounded
 *      sliding window (W points, kept sorted: O(W) per point, W fixed);
 *    - level shift: two-sided CUSUM of the standardised deviation from a slow
 *      EWMA mean (Page's CUSUM with slack k and decision interval h);
 *    - variance change: log ratio of a fast to a slow EWMA variance;
 *    - out of range: beyond the (slowly relaxing) range seen so far by more than
 *      a tolerance of that range (as NAB's HTM detector's spatial check).
 * 2. An anomaly-likelihood layer like Numenta's: the short moving average of
 *    the raw surprise is compared with a Gaussian fitted (EWMA mean and
 *    variance) to its own long-run distribution; the tail probability becomes
 *    the score, log-scaled into 0..1 (0.5 ~ a 1e-5 tail).
 * 3. A learning period with no verdicts, no verdicts on flat or tiny data (the
 *    scale has a floor relative to the level and range), and a refractory
 *    filter so one event is not reported again on every following point.
 *
 * The default constants and DEFAULT_THRESHOLD were tuned once, globally, on the
 * NAB subset in shared/data/nab (one configuration for every file, no labels
 * used inside the detector, no look-ahead), as NAB's own reference thresholds
 * were tuned on its corpus.
 */

export type AnomalyKind = 'spike' | 'level-shift' | 'variance' | 'out-of-range';

export interface DetectorOptions {
  /** Points before the first verdict. */
  learning?: number;
  /** Sliding window (points) for the robust median / IQR. Memory is O(window). */
  window?: number;
  /** EWMA weight of the slow mean / variance. */
  slowAlpha?: number;
  /** EWMA weight of the fast variance. */
  fastAlpha?: number;
  /** CUSUM slack and decision interval, in robust sigmas. */
  cusumK?: number;
  cusumH?: number;
  /** Tolerance beyond the seen range, as a fraction of the range. */
  rangeTolerance?: number;
  /** Points averaged before the likelihood (short window). */
  averaging?: number;
  /** EWMA weight of the long-run raw-score distribution. */
  historyAlpha?: number;
  /** Relative noise floor: the scale is at least this fraction of |level| and of the range. */
  relativeFloor?: number;
  /** Absolute noise floor for the scale. */
  absoluteFloor?: number;
  /** z (robust sigmas) at which the spike surprise reaches 1 - 1/e. */
  zScale?: number;
  /** Points after a verdict during which further verdicts are damped. */
  refractory?: number;
  /** z is clipped to +/- clip for the CUSUM, the variance ratio and the history. */
  clip?: number;
  /** Surprise (decades) when the CUSUM reaches h, and per decade of variance ratio. */
  levelU?: number;
  varU?: number;
  /** Floor of the spread of the surprise history, and the d at which the score reaches 1 - 1/e. */
  minSd?: number;
  dScale?: number;
  /** Factor applied to a score that does not beat the refractory window's max. */
  damp?: number;
}

export interface AnomalyResult {
  /** Anomaly likelihood, log-scaled into 0..1 (>= the threshold: anomalous). */
  score: number;
  /** Signed deviation from the expected value in robust sigmas. */
  z: number;
  /** Expected value (sliding median) and its band (median +/- 3 robust sigmas). */
  expected: number;
  low: number;
  high: number;
  /** value - expected. */
  deviation: number;
  /** Raw surprise in [0, 1] before the likelihood layer. */
  raw: number;
  /** Sub-detector with the largest surprise, when there is any. */
  kind?: AnomalyKind;
  /** Human-readable why, set when score >= threshold. */
  reason?: string;
  /** Still learning: no verdict yet. */
  learning: boolean;
  /** score >= threshold. */
  anomaly: boolean;
}

/** Score at or above which a point is an anomaly (tuned once on the NAB subset; see the header). */
export const DEFAULT_THRESHOLD = 0.5;

const DEFAULTS: Required<DetectorOptions> = {
  learning: 150,
  window: 64,
  slowAlpha: 0.01,
  fastAlpha: 0.1,
  cusumK: 0.5,
  cusumH: 8,
  rangeTolerance: 0.05,
  averaging: 10,
  historyAlpha: 0.002,
  relativeFloor: 1e-3,
  absoluteFloor: 1e-9,
  zScale: 4,
  refractory: 0,
  clip: 6,
  levelU: 6,
  varU: 6,
  minSd: 0.3,
  dScale: 4,
  damp: 0.5,
};

const MAX_U = 12;


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
  private slowVar = 1;
  private slowSd2 = 0;
  private fastVar = 0;
  // CUSUM
  private cusumHi = 0;
  private cusumLo = 0;
  // range
  private min = Infinity;
  private max = -Infinity;
  // likelihood layer
  private readonly rawRing: Float64Array;
  private rawHead = 0;
  private rawSum = 0;
  private rawCount = 0;
  private histMean = 0;
  private histVar = 0;
  private histN = 0;
  // refractory: monotone deque of (index, score), capacity refractory + 1
  private readonly dqIdx: Float64Array;
  private readonly dqVal: Float64Array;
  private dqHead = 0;
  private dqLen = 0;

  constructor(opts: DetectorOptions = {}, threshold = DEFAULT_THRESHOLD) {
    const o = { ...DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, number>)[k] = v as number;
    this.options = o;
    this.threshold = threshold;
    this.ring = new Float64Array(Math.max(3, o.window | 0));
    this.sorted = new Float64Array(this.ring.length);
    this.rawRing = new Float64Array(Math.max(1, o.averaging | 0));
    this.dqIdx = new Float64Array(Math.max(0, o.refractory | 0) + 1);
    this.dqVal = new Float64Array(this.dqIdx.length);
  }

  /** Points seen. */
  get count(): number {
    return this.n;
  }

  /** Bytes of typed-array state (constant for the detector's life). */
  get stateBytes(): number {
    return this.ring.byteLength + this.sorted.byteLength + this.rawRing.byteLength + this.dqIdx.byteLength + this.dqVal.byteLength;
  }

  update(value: number, _t?: number): AnomalyResult {
    const o = this.options;
    if (!Number.isFinite(value)) {
      return { score: 0, z: 0, expected: NaN, low: NaN, high: NaN, deviation: NaN, raw: 0, learning: this.n < o.learning, anomaly: false };
    }
    const i = this.n++;

    // ---- expected value and scale, from the state before this point --------
    const have = this.filled;
    let median = value;
    let robust = 0;
    if (have > 0) {
      median = quantile(this.sorted, have, 0.5);
      robust = (quantile(this.sorted, have, 0.75) - quantile(this.sorted, have, 0.25)) / 1.349;
    }
    const range = this.max > this.min ? this.max - this.min : 0;
    const floor = Math.max(o.absoluteFloor, o.relativeFloor * Math.abs(this.slowMean), o.relativeFloor * range);
    const slowSd = Math.sqrt(this.slowSd2);
    const scale = Math.max(robust, 0.25 * slowSd, floor);
    const deviation = value - median;
    const z = have > 0 ? deviation / scale : 0;

    // ---- sub-detectors: surprise in decades of tail probability ----------
    const az = Math.abs(z);
    const uSpike = have > 0 ? Math.min(MAX_U, -Math.log10(2 * normalTail(az) + 1e-300)) : 0;
    // level shift: CUSUM of the (clipped) robust z
    const zc = Math.max(-o.clip, Math.min(o.clip, z));
    this.cusumHi = Math.max(0, this.cusumHi + zc - o.cusumK);
    this.cusumLo = Math.max(0, this.cusumLo - zc - o.cusumK);
    const c = Math.max(this.cusumHi, this.cusumLo);
    const uLevel = (o.levelU * c) / o.cusumH;
    // variance change: fast vs slow EWMA of the squared (clipped) z
    const z2 = zc * zc;
    const fastVar = this.fastVar + o.fastAlpha * (z2 - this.fastVar);
    const ratio = (fastVar + 0.1) / (this.slowVar + 0.1);
    const uVar = ratio > 1 ? o.varU * Math.log10(ratio) : 0;
    // out of range
    let outOfRange = false;
    if (range > 0 && i >= o.learning) {
      const tol = o.rangeTolerance * range;
      if (value > this.max + tol || value < this.min - tol) outOfRange = true;
    }

    let u = uSpike;
    let kind: AnomalyKind | undefined = az > 0 ? 'spike' : undefined;
    if (uLevel > u) {
      u = uLevel;
      kind = 'level-shift';
    }
    if (uVar > u) {
      u = uVar;
      kind = 'variance';
    }
    if (outOfRange) kind = 'out-of-range';

    // ---- likelihood layer: this surprise against its own long-run spread ----
    const k = this.rawRing.length;
    if (this.rawCount === k) this.rawSum -= this.rawRing[this.rawHead]!;
    else this.rawCount++;
    this.rawRing[this.rawHead] = u;
    this.rawSum += u;
    this.rawHead = (this.rawHead + 1) % k;
    const avg = Math.max(u, this.rawSum / this.rawCount);
    const mean = this.histMean;
    const sd = Math.max(Math.sqrt(this.histVar), o.minSd);
    const d = (avg - mean) / sd;
    let score = outOfRange ? 1 : d > 0 ? 1 - Math.exp(-d / o.dScale) : 0;
    const raw = 1 - Math.exp(-u);
    this.histN++;
    const ha = Math.max(o.historyAlpha, 1 / this.histN);
    const hd = Math.min(avg, mean + o.clip * sd) - this.histMean;
    this.histMean += ha * hd;
    this.histVar = (1 - ha) * (this.histVar + ha * hd * hd);

    // ---- state updates (after scoring) -----------------------------------
    this.push(value);
    if (i === 0) {
      this.slowMean = value;
    } else {
      const a = Math.max(o.slowAlpha, 1 / (i + 1));
      const d = value - this.slowMean;
      this.slowMean += a * d;
      this.slowSd2 = (1 - a) * (this.slowSd2 + a * d * d);
      this.slowVar += a * (z2 - this.slowVar);
    }
    this.fastVar = fastVar;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (c >= o.cusumH) {
      this.cusumHi = 0;
      this.cusumLo = 0;
    }

    const learning = i < o.learning;
    if (learning) score = 0;
    if (range === 0 && value === median) score = 0; // flat so far and flat now
    // refractory: a score only counts when it beats every score of the last
    // `refractory` points (so one event is reported once, for any threshold).
    if (o.refractory > 0) {
      const recent = this.recentMax(i, score);
      if (score > 0 && score <= recent) score *= o.damp;
    }
    const anomaly = score >= this.threshold;

    const band = 3 * scale;
    const result: AnomalyResult = {
      score,
      z,
      expected: median,
      low: median - band,
      high: median + band,
      deviation,
      raw,
      learning,
      anomaly,
    };
    if (kind) result.kind = kind;
    if (anomaly) result.reason = explain(kind, value, median, z, scale, this.min, this.max);
    return result;
  }

  /** Max of the scores of the last `refractory` points (monotone deque), then adds this one. */
  private recentMax(i: number, score: number): number {
    const r = this.options.refractory;
    const cap = this.dqIdx.length;
    // drop expired from the front
    while (this.dqLen > 0 && this.dqIdx[this.dqHead]! < i - r) {
      this.dqHead = (this.dqHead + 1) % cap;
      this.dqLen--;
    }
    const max = this.dqLen > 0 ? this.dqVal[this.dqHead]! : 0;
    // drop smaller-or-equal from the back, then push
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

  private push(x: number): void {
    const w = this.ring.length;
    const s = this.sorted;
    if (this.filled === w) {
      const old = this.ring[this.head]!;
      // remove old from sorted
      let j = lowerBound(s, this.filled, old);
      for (; j < this.filled - 1; j++) s[j] = s[j + 1]!;
      this.filled--;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % w;
    // insert x
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
