/**
 * Trends: per metric over a timeframe, the least-squares slope over time
 * buckets, its direction, and a Holt-smoothed series for the overlay's
 * charts (at most 120 points).
 *
 * Metrics (per bucket): `eventRate` (entries/s), `errorsPerSecond` (error
 * entries/s), `errorRate` (share of agent calls that failed, 0..1),
 * `latencyP95` (ms, all agent calls), `latencyP95:<agent.method>` (the most
 * called methods, while buckets keep per-method sketches: timeframes up to an
 * hour), `frameTimeP95` (ms), `fps` (frames / summed frame time).
 *
 * Direction rule: with n ≥ 3 points, the slope b (per second) and the time
 * the points cover T (s), the metric is `rising` (b > 0) or `falling` (b < 0)
 * when both
 *   - |b|·T ≥ `flatFraction` (10 %) of the mean's magnitude: the change over
 *     the timeframe matters, and
 *   - |t| ≥ 2 for t = b / SE(b): the slope is not noise around a level;
 * otherwise `flat`.
 *
 * Buckets come from a MetricRing (1 s for timeframes up to 2 min, 10 s up
 * to an hour, 1 min beyond); when there are more than 120, consecutive
 * buckets are merged (sketches merge exactly). The newest bucket is still
 * filling: rates use the time it has covered so far, and it is left out
 * while that is under a quarter of its width.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import type { ColumnBatch } from '../core/columns';
import { roundFigure } from './sketch';
import { MetricBucket, type MetricRing } from './metric-ring';
import { StatsCollector } from './stats';
import { parseTimeframe, timeframeLabel, type SessionClock, type Timeframe } from './timeframe';

export type Direction = 'rising' | 'falling' | 'flat';

export interface Trend {
  /** `eventRate`, `errorRate`, `latencyP95`, `latencyP95:npc.decide`, ... */
  metric: string;
  unit: string;
  /** Points with a value (buckets without calls have no latency, without frames no fps). */
  points: number;
  mean: number | null;
  /** The newest value. */
  last: number | null;
  /** Least-squares slope, units per second; null under 2 points. */
  slopePerSecond: number | null;
  /** slope × the time the points cover: the change the line predicts over the timeframe. */
  change: number | null;
  /** The slope's t statistic (slope / standard error); null under 3 points. */
  t: number | null;
  direction: Direction;
  /** For charts: bucket start times (clock ms), values, Holt-smoothed values. */
  series: { t: number[]; value: (number | null)[]; smoothed: (number | null)[] };
}

export interface TrendReport {
  timeframe: string;
  windowMs: number | null;
  from: number;
  to: number;
  /** Width of one point (ms). */
  bucketMs: number;
  /** The direction rule's thresholds. */
  rule: { flatFraction: number; minT: number; minPoints: number };
  metrics: Trend[];
}

export interface TrendOptions {
  /** Direction rule: change over the timeframe below this share of the mean is flat (default 0.1). */
  flatFraction?: number;
  /** |t| below this is flat (default 2). */
  minT?: number;
  /** Holt smoothing of the level and the trend (defaults 0.3 and 0.1). */
  alpha?: number;
  beta?: number;
  /** Points in a series at most (default 120). */
  maxPoints?: number;
  /** Methods with their own latency trend, the most called first (default 10). */
  maxMethods?: number;
}

/** Least squares of y on x (nulls skipped): slope, mean of y, t statistic, x span. */
export function leastSquares(x: readonly number[], y: readonly (number | null)[]): { n: number; slope: number | null; mean: number | null; t: number | null; span: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = y[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    n++;
    sx += x[i]!;
    sy += v;
    if (x[i]! < lo) lo = x[i]!;
    if (x[i]! > hi) hi = x[i]!;
  }
  if (n === 0) return { n, slope: null, mean: null, t: null, span: 0 };
  const mx = sx / n;
  const my = sy / n;
  if (n < 2) return { n, slope: null, mean: my, t: null, span: 0 };
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const v = y[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    sxx += (x[i]! - mx) ** 2;
    sxy += (x[i]! - mx) * (v - my);
  }
  if (sxx === 0) return { n, slope: null, mean: my, t: null, span: 0 };
  const slope = sxy / sxx;
  let t: number | null = null;
  if (n >= 3) {
    let ssr = 0;
    for (let i = 0; i < x.length; i++) {
      const v = y[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      ssr += (v - (my + slope * (x[i]! - mx))) ** 2;
    }
    const se = Math.sqrt(ssr / (n - 2) / sxx);
    t = se > 0 ? slope / se : slope === 0 ? 0 : Infinity * Math.sign(slope);
  }
  return { n, slope, mean: my, t, span: hi - lo };
}

/** Holt's linear (double exponential) smoothing; nulls stay null and do not update it. */
export function holt(values: readonly (number | null)[], alpha = 0.3, beta = 0.1): (number | null)[] {
  const out: (number | null)[] = [];
  let level = NaN;
  let trend = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    if (level !== level) {
      level = v;
      trend = 0;
    } else {
      const prev = level;
      level = alpha * v + (1 - alpha) * (level + trend);
      trend = beta * (level - prev) + (1 - beta) * trend;
    }
    out.push(level);
  }
  return out;
}

export class TrendAnalyzer {
  private readonly stats: StatsCollector | null;
  private readonly source: { ring: MetricRing; clock: SessionClock };

  /**
   * Pass the engine's StatsCollector to read its buckets (then `consume`
   * does nothing: the collector is fed already); without one, the analyzer
   * keeps its own.
   */
  constructor(
    shared?: StatsCollector,
    private readonly options: TrendOptions = {},
  ) {
    this.stats = shared ? null : new StatsCollector();
    this.source = shared ?? this.stats!;
  }

  consume(b: ColumnBatch, sessionId: string): void {
    this.stats?.consume(b, sessionId);
  }

  reset(): void {
    this.stats?.reset();
  }

  /** Trends over the last `timeframe` before `now` (session clock ms; default the newest entry). */
  analyze(timeframe: Timeframe = '5m', now?: number): TrendReport {
    const o = this.options;
    const flatFraction = o.flatFraction ?? 0.1;
    const minT = o.minT ?? 2;
    const maxPoints = o.maxPoints ?? 120;
    const windowMs = parseTimeframe(timeframe);
    const clock = this.source.clock;
    const to = clock.now(now);
    const first = Number.isFinite(clock.first) ? clock.first : 0;
    const from = Number.isFinite(windowMs) ? Math.max(first, to - windowMs) : first;
    const ring = this.source.ring;
    const range = ring.range(from, to);
    let width = range.width;
    let buckets = range.buckets;
    // The newest bucket is filling: drop it while it has covered less than a quarter of its width.
    const newest = buckets[buckets.length - 1];
    if (newest && buckets.length > 1 && to - newest.start < width / 4) buckets = buckets.slice(0, -1);
    if (buckets.length > maxPoints) {
      const f = Math.ceil(buckets.length / maxPoints);
      const grouped: MetricBucket[] = [];
      for (let i = 0; i < buckets.length; i += f) {
        const g = new MetricBucket(ring.alpha);
        g.clear(buckets[i]!.start);
        for (let j = i; j < Math.min(i + f, buckets.length); j++) g.merge(buckets[j]!);
        grouped.push(g);
      }
      buckets = grouped;
      width *= f;
    }
    const ts = buckets.map((b) => b.start);
    const xs = buckets.map((b) => (b.start + width / 2) / 1000);
    /** Seconds a bucket covered: its width, or up to `to` for the newest. */
    const secs = buckets.map((b) => Math.max(0.001, Math.min(width, to - b.start + 1)) / 1000);

    const metrics: Trend[] = [];
    const trend = (metric: string, unit: string, values: (number | null)[]): void => {
      const ls = leastSquares(xs, values);
      const last = [...values].reverse().find((v) => v !== null) ?? null;
      let direction: Direction = 'flat';
      if (ls.slope !== null && ls.t !== null && ls.n >= 3 && ls.mean !== null) {
        const change = Math.abs(ls.slope * ls.span);
        if (change >= flatFraction * Math.max(Math.abs(ls.mean), 1e-9) && Math.abs(ls.t) >= minT) direction = ls.slope > 0 ? 'rising' : 'falling';
      }
      const r = (v: number | null) => (v === null ? null : roundFigure(v));
      metrics.push({
        metric,
        unit,
        points: ls.n,
        mean: r(ls.mean),
        last: r(last),
        slopePerSecond: r(ls.slope),
        change: ls.slope === null ? null : r(ls.slope * ls.span),
        t: ls.t === null ? null : Number.isFinite(ls.t) ? roundFigure(ls.t) : ls.t > 0 ? 1e9 : -1e9,
        direction,
        series: { t: ts, value: values.map(r), smoothed: holt(values, o.alpha ?? 0.3, o.beta ?? 0.1).map(r) },
      });
    };

    trend('eventRate', 'entries/s', buckets.map((b, i) => b.events / secs[i]!));
    trend('errorsPerSecond', 'errors/s', buckets.map((b, i) => b.errors / secs[i]!));
    trend('errorRate', 'share of calls failed', buckets.map((b) => (b.calls > 0 ? b.callErrors / b.calls : null)));
    trend('latencyP95', 'ms', buckets.map((b) => (b.latency.count > 0 ? b.latency.quantile(0.95) : null)));
    trend('frameTimeP95', 'ms', buckets.map((b) => (b.frameTimes.count > 0 ? b.frameTimes.quantile(0.95) : null)));
    trend('fps', 'frames/s', buckets.map((b) => (b.frameMs > 0 ? (b.frames * 1000) / b.frameMs : null)));
    // Per method, the most called in the timeframe (where the buckets keep them).
    const calls: number[] = [];
    for (const b of buckets) for (let m = 0; m < b.methods.length; m++) if (b.methods[m]) calls[m] = (calls[m] ?? 0) + b.methods[m]!.count;
    const top = calls
      .map((c, m) => [m, c] as const)
      .filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, o.maxMethods ?? 10);
    for (const [m] of top) {
      trend(`latencyP95:${ring.methodNames[m] ?? m}`, 'ms', buckets.map((b) => {
        const s = b.methods[m];
        return s && s.count > 0 ? s.quantile(0.95) : null;
      }));
    }
    return {
      timeframe: timeframeLabel(windowMs),
      windowMs: Number.isFinite(windowMs) ? windowMs : null,
      from: ts[0] ?? from,
      to,
      bucketMs: width,
      rule: { flatFraction, minT, minPoints: 3 },
      metrics,
    };
  }
}
