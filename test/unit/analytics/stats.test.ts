import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { FLAG_TRUNCATED } from '../../../src/core/entry';
import { MetricRing } from '../../../src/analytics/metric-ring';
import { StatsCollector } from '../../../src/analytics/stats';
import { batchOf } from '../store/helpers';

let seq = 0;
function e(ts: number, over: Partial<TraceEntry>): TraceEntry {
  return { seq: ++seq, ts, sessionId: 's1', kind: 'custom', type: 'tick', level: 'info', frame: 0, ...over };
}
function span(ts: number, agent: string, method: string, dur: number, ok = true, args: unknown[] = []): TraceEntry {
  return e(ts, { kind: 'agent', type: `${agent}.${method}`, source: agent, method, dur, status: ok ? 'ok' : 'error', level: ok ? 'info' : 'error', args, spanId: seq + 1, error: ok ? undefined : { name: 'Error', message: 'boom' } });
}
function feed(c: { consume(b: ReturnType<typeof batchOf>['cols'], s: string): void }, entries: TraceEntry[], size = 1000): void {
  for (let i = 0; i < entries.length; i += size) c.consume(batchOf(entries.slice(i, i + size)).cols, entries[i]!.sessionId);
}
function exactQ(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))]!;
}

describe('StatsCollector', () => {
  it('counts per kind, type, source and level, with rates over the session and the last 60 s', () => {
    const entries: TraceEntry[] = [];
    // 120 s: one custom entry every 100 ms; a warn every second in the last 30 s.
    for (let t = 0; t < 120_000; t += 100) entries.push(e(t, { source: 'game' }));
    for (let t = 90_000; t < 120_000; t += 1_000) entries.push(e(t + 50, { type: 'warned', level: 'warn', flags: FLAG_TRUNCATED }));
    entries.sort((a, b) => a.ts - b.ts);
    const s = new StatsCollector();
    feed(s, entries, 333);
    const g = s.snapshot();
    expect(g.sketchRelativeError).toBe(0.01);
    expect(g.total.count).toBe(1230);
    expect(g.kinds['custom']!.count).toBe(1230);
    expect(g.kinds['agent']!.count).toBe(0);
    expect(g.types['tick']!.count).toBe(1200);
    expect(g.types['warned']!.count).toBe(30);
    expect(g.levels['warn']!.count).toBe(30);
    expect(g.sources['game']!.count).toBe(1200);
    expect(g.sources['(none)']!.count).toBe(30);
    expect(g.truncated).toBe(30);
    // Last 60 s: seconds 60..119 → 600 ticks, 30 warns.
    expect(g.types['tick']!.last60s).toBe(600);
    expect(g.types['tick']!.perSecondLast60s).toBeCloseTo(10, 5);
    expect(g.types['warned']!.perSecondLast60s).toBeCloseTo(0.5, 5);
    expect(g.total.perSecond).toBeCloseTo(1230 / 119.95, 2);
    // Later, with nothing new, the window empties.
    expect(s.snapshot(300_000).total.last60s).toBe(0);
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });

  it('gives per-method calls, errors and latency percentiles within α', () => {
    const entries: TraceEntry[] = [];
    const durs: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const d = 0.5 + ((i * 7919) % 1000) / 10; // 0.5 .. 100.4, shuffled
      durs.push(d);
      entries.push(span(i * 10, 'npc', 'decide', d, i % 10 !== 0));
      if (i % 4 === 0) entries.push(span(i * 10 + 1, 'story', 'advance', 2));
    }
    const s = new StatsCollector();
    feed(s, entries);
    const g = s.snapshot();
    const m = g.methods.find((x) => x.agent === 'npc' && x.method === 'decide')!;
    expect(m.calls).toBe(2000);
    expect(m.errors).toBe(200);
    expect(m.errorRate).toBeCloseTo(0.1, 6);
    for (const [q, got] of [[0.5, m.p50], [0.9, m.p90], [0.99, m.p99]] as const) {
      const want = exactQ(durs, q);
      expect(Math.abs(got! - want)).toBeLessThanOrEqual(0.01 * want + 1e-9);
    }
    expect(m.max).toBe(Math.max(...durs));
    expect(m.lastTs).toBe(19_990);
    expect(g.methods[0]!.method).toBe('decide');
    expect(g.methods[1]).toMatchObject({ agent: 'story', method: 'advance', calls: 500, errors: 0, p50: 2 });
    expect(g.calls.count).toBe(2500);
    expect(g.calls.errors).toBe(200);
    expect(g.errors.count).toBe(200);
    // Session is 20 s long: the last-60 s figures are the whole session.
    expect(m.last60s.calls).toBe(2000);
    expect(m.last60s.errors).toBe(200);
    expect(Math.abs(m.last60s.p95! - exactQ(durs, 0.95))).toBeLessThanOrEqual(0.01 * exactQ(durs, 0.95));
  });

  it('computes frame time percentiles, average and 1% low FPS, and hitches per minute', () => {
    const entries: TraceEntry[] = [];
    const all: number[] = [];
    for (let sec = 0; sec < 60; sec++) {
      const times: number[] = [];
      for (let f = 0; f < 60; f++) times.push(sec % 10 === 0 && f === 0 ? 80 : 16 + ((f * 37) % 10) / 10);
      all.push(...times);
      entries.push(e(sec * 1000 + 999, { kind: 'perf', type: 'frame:stats', source: 'trace-agent', data: { frames: 60, times, from: sec * 60 } }));
      if (sec % 10 === 0) entries.push(e(sec * 1000 + 1, { kind: 'perf', type: 'frame:hitch', level: 'warn', data: { frame: sec * 60, dur: 80 } }));
    }
    entries.sort((a, b) => a.ts - b.ts);
    const s = new StatsCollector();
    feed(s, entries, 7);
    const g = s.snapshot();
    expect(g.frames.frames).toBe(3600);
    const sum = all.reduce((a, b) => a + b, 0);
    expect(g.frames.avgFps).toBeCloseTo((3600 * 1000) / sum, 3);
    for (const [q, got] of [[0.5, g.frames.frameTime.p50], [0.95, g.frames.frameTime.p95], [0.99, g.frames.frameTime.p99]] as const) {
      const want = exactQ(all, q);
      expect(Math.abs(got! - want)).toBeLessThanOrEqual(0.01 * want);
    }
    expect(g.frames.low1Fps).toBeCloseTo(1000 / g.frames.frameTime.p99!, 3);
    expect(g.frames.hitches).toBe(6);
    expect(g.frames.hitchEntries).toBe(6);
    expect(g.frames.hitchesPerMinute).toBeCloseTo(6 / (59_999 / 60_000), 2);
    expect(g.frames.last60s.frames).toBe(3600);
  });
});

describe('MetricRing', () => {
  it('rolls buckets up through the tiers and returns complete ranges at each resolution', () => {
    const r = new MetricRing();
    // One event every 100 ms for 2 hours: 10 per second.
    for (let t = 0; t < 7_200_000; t += 100) r.current(t).events++;
    const now = 7_199_999;
    const last30 = r.range(now - 29_999, now);
    expect(last30.width).toBe(1_000);
    expect(last30.buckets.length).toBe(30);
    expect(last30.buckets.every((b) => b.events === 10)).toBe(true);
    const last5m = r.range(now - 299_999, now);
    expect(last5m.width).toBe(10_000);
    expect(last5m.buckets.reduce((a, b) => a + b.events, 0)).toBe(3000);
    const last1h = r.range(now - 3_599_999, now);
    expect(last1h.width).toBe(10_000);
    expect(last1h.buckets.reduce((a, b) => a + b.events, 0)).toBe(36_000);
    const all = r.range(0, now);
    expect(all.width).toBe(60_000);
    expect(all.buckets.length).toBe(120);
    expect(all.buckets.reduce((a, b) => a + b.events, 0)).toBe(72_000);
    expect(r.merged(now - 59_999, now).events).toBe(600);
  });

  it('leaves gaps as empty buckets', () => {
    const r = new MetricRing();
    r.current(0).events++;
    r.current(5_500).events++;
    const s = r.range(0, 5_999);
    expect(s.buckets.map((b) => b.events)).toEqual([1, 0, 0, 0, 0, 1]);
  });
});

describe('sessions', () => {
  it('continues the clock across sessions and counts both', () => {
    const s = new StatsCollector();
    const a = Array.from({ length: 100 }, (_, i) => e(i * 100, { sessionId: 'a' }));
    const b = Array.from({ length: 50 }, (_, i) => e(i * 100, { sessionId: 'b' }));
    feed(s, a);
    feed(s, b);
    const g = s.snapshot();
    expect(g.sessions).toBe(2);
    expect(g.sessionId).toBe('b');
    expect(g.total.count).toBe(150);
    // Session a lasted 9.9 s, b 4.9 s: the clock runs on.
    expect(g.elapsedMs).toBeCloseTo(9_900 + 4_900, 6);
    s.reset();
    expect(s.snapshot().total.count).toBe(0);
  });
});
