import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { StatsCollector } from '../../../src/analytics/stats';
import { TrendAnalyzer, holt, leastSquares } from '../../../src/analytics/trends';
import { batchOf } from '../store/helpers';

let seq = 0;
function e(ts: number, over: Partial<TraceEntry>): TraceEntry {
  return { seq: ++seq, ts, sessionId: 's1', kind: 'custom', type: 'tick', level: 'info', frame: 0, ...over };
}
function feed(c: { consume(b: ReturnType<typeof batchOf>['cols'], s: string): void }, entries: TraceEntry[], size = 500): void {
  for (let i = 0; i < entries.length; i += size) c.consume(batchOf(entries.slice(i, i + size)).cols, entries[i]!.sessionId);
}
/** Deterministic noise in [-1, 1). */
function noise(i: number): number {
  return (((i * 2654435761) >>> 0) / 4294967296) * 2 - 1;
}

/**
 * 5 minutes: 20 calls/s of ai.plan whose latency grows from 10 to 40 ms, and
 * 20 calls/s of ai.look steady at 5 ms ± 10 %; failures grow from 0 to 20 %;
 * frames slow from 16 to 24 ms; a steady 50 custom entries/s.
 */
function degrading(): TraceEntry[] {
  const out: TraceEntry[] = [];
  const T = 300_000;
  for (let t = 0; t < T; t += 50) {
    const f = t / T;
    const i = t / 50;
    const failed = noise(i * 7) * 0.5 + 0.5 < 0.2 * f;
    out.push(e(t, { kind: 'agent', type: 'ai.plan', source: 'ai', method: 'plan', dur: (10 + 30 * f) * (1 + 0.05 * noise(i)), status: failed ? 'error' : 'ok', level: failed ? 'error' : 'info' }));
    out.push(e(t + 1, { kind: 'agent', type: 'ai.look', source: 'ai', method: 'look', dur: 5 * (1 + 0.1 * noise(i * 3)), status: 'ok' }));
    out.push(e(t + 2, { data: { i } }));
    if (i % 20 === 19) {
      const ft = 16 + 8 * f;
      out.push(e(t + 3, { kind: 'perf', type: 'frame:stats', source: 'trace-agent', data: { frames: 60, times: Array.from({ length: 60 }, (_, k) => ft * (1 + 0.02 * noise(i + k))), from: i } }));
    }
  }
  return out;
}

describe('least squares and Holt', () => {
  it('fits a line exactly and smooths toward it', () => {
    const x = [0, 1, 2, 3, 4, 5];
    const y = x.map((v) => 3 + 2 * v);
    const ls = leastSquares(x, y);
    expect(ls.slope).toBeCloseTo(2, 12);
    expect(ls.mean).toBeCloseTo(8, 12);
    expect(ls.span).toBe(5);
    expect(Math.abs(ls.t!)).toBeGreaterThan(1e6);
    expect(leastSquares([0, 1, 2], [1, null, 3]).slope).toBeCloseTo(1, 12);
    expect(leastSquares([0], [1]).slope).toBeNull();
    const h = holt(Array.from({ length: 200 }, (_, i) => 10 + i));
    expect(h[199]!).toBeCloseTo(209, 0);
    expect(holt([1, null, 2])[1]).toBeNull();
  });
});

describe('TrendAnalyzer', () => {
  it('finds rising latency, error rate and frame time, falling fps, and flat rates', () => {
    const stats = new StatsCollector();
    const trends = new TrendAnalyzer(stats);
    const entries = degrading();
    feed(stats, entries);
    trends.consume(batchOf(entries.slice(0, 1)).cols, 's1'); // shared: a no-op
    expect(stats.snapshot().total.count).toBe(entries.length);
    const r = trends.analyze('5m');
    const m = (name: string) => r.metrics.find((x) => x.metric === name)!;
    expect(r.bucketMs).toBe(10_000);
    expect(m('latencyP95').direction).toBe('rising');
    expect(m('latencyP95:ai.plan').direction).toBe('rising');
    // 30 ms more over 300 s: 0.1 ms/s (p95 of a ±5 % spread: within a few %).
    expect(m('latencyP95:ai.plan').slopePerSecond!).toBeGreaterThan(0.09);
    expect(m('latencyP95:ai.plan').slopePerSecond!).toBeLessThan(0.12);
    expect(m('latencyP95:ai.look').direction).toBe('flat');
    expect(m('errorRate').direction).toBe('rising');
    expect(m('frameTimeP95').direction).toBe('rising');
    expect(m('fps').direction).toBe('falling');
    expect(m('eventRate').direction).toBe('flat');
    expect(m('eventRate').mean!).toBeCloseTo(20 + 20 + 20 + 1, 0);
    expect(m('errorsPerSecond').direction).toBe('rising');
    for (const t of r.metrics) {
      expect(t.series.t.length).toBeLessThanOrEqual(120);
      expect(t.series.value.length).toBe(t.series.t.length);
      expect(t.series.smoothed.length).toBe(t.series.t.length);
    }
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('keeps its own collector when none is shared, and calls steady data flat', () => {
    const trends = new TrendAnalyzer();
    const entries: TraceEntry[] = [];
    for (let t = 0; t < 120_000; t += 20) {
      const i = t / 20;
      entries.push(e(t, { kind: 'agent', type: 'a.b', source: 'a', method: 'b', dur: 8 * (1 + 0.2 * noise(i)), status: 'ok' }));
    }
    feed(trends, entries);
    const r = trends.analyze('30s');
    expect(r.bucketMs).toBe(1_000);
    expect(r.metrics.find((x) => x.metric === 'eventRate')!.direction).toBe('flat');
    expect(r.metrics.find((x) => x.metric === 'latencyP95')!.direction).toBe('flat');
    expect(r.metrics.find((x) => x.metric === 'fps')!.points).toBe(0);
    trends.reset();
    expect(trends.analyze('30s').metrics.every((x) => x.points === 0)).toBe(true);
  });

  it('caps an hour of 10 s buckets at 120 points', () => {
    const stats = new StatsCollector();
    const trends = new TrendAnalyzer(stats);
    const entries: TraceEntry[] = [];
    for (let t = 0; t < 3_600_000; t += 500) entries.push(e(t, {}));
    feed(stats, entries, 2000);
    const r = trends.analyze('1h');
    expect(r.bucketMs).toBe(30_000);
    const rate = r.metrics.find((x) => x.metric === 'eventRate')!;
    expect(rate.series.t.length).toBeLessThanOrEqual(120);
    expect(rate.series.t.length).toBeGreaterThan(100);
    expect(rate.mean!).toBeCloseTo(2, 1);
    expect(rate.direction).toBe('flat');
    const s = trends.analyze('session');
    expect(s.timeframe).toBe('session');
    expect(s.metrics[0]!.series.t.length).toBeLessThanOrEqual(120);
  });
});

describe('timeframes', () => {
  it('parses "30s", "5m", "1h", "session" and refuses typos', async () => {
    const { parseTimeframe, timeframeLabel } = await import('../../../src/analytics/timeframe');
    expect(parseTimeframe('30s')).toBe(30_000);
    expect(parseTimeframe('5m')).toBe(300_000);
    expect(parseTimeframe('1h')).toBe(3_600_000);
    expect(parseTimeframe(' 1.5 min ')).toBe(90_000);
    expect(parseTimeframe('250ms')).toBe(250);
    expect(parseTimeframe('2d')).toBe(172_800_000);
    expect(parseTimeframe('session')).toBe(Infinity);
    expect(parseTimeframe('all')).toBe(Infinity);
    expect(parseTimeframe(10_000)).toBe(10_000);
    for (const bad of ['5x', 'm5', '-3s', '0s', 'forever', 0, -1]) expect(() => parseTimeframe(bad)).toThrow(RangeError);
    expect(timeframeLabel(300_000)).toBe('5m');
    expect(timeframeLabel(Infinity)).toBe('session');
  });
});
