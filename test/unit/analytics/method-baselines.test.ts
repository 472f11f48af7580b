import { describe, expect, it } from 'vitest';
import { AnalyticsEngine, type Anomaly, type EngineNotice } from '../../../src/analytics/engine';
import { binomialLogTail, MethodBaselines } from '../../../src/analytics/method-baselines';
import type { TraceEntry } from '../../../src/core/entry';
import { batchOf } from '../store/helpers';
import { rng } from './rng';

interface Call {
  ts: number;
  agent: string;
  method: string;
  dur: number;
  failed?: boolean;
}

/** Calls into the engine as the worker feeds it: entries in columns, batches of 100 ms of trace time. */
function feed(engine: AnalyticsEngine, calls: Call[]): EngineNotice[] {
  const notices: EngineNotice[] = [];
  let seq = 0;
  let batch: TraceEntry[] = [];
  let batchEnd = 100;
  const flush = () => {
    if (batch.length > 0) notices.push(...engine.consume(batchOf(batch).cols, 'S', () => 0));
    batch = [];
  };
  for (const c of calls) {
    while (c.ts >= batchEnd) {
      flush();
      batchEnd += 100;
    }
    seq++;
    batch.push({ seq, ts: c.ts, sessionId: 'S', kind: 'agent', type: `${c.agent}.${c.method}`, source: c.agent, method: c.method, spanId: seq, dur: c.dur, status: c.failed ? 'error' : 'ok', level: c.failed ? 'error' : 'info', frame: Math.floor(c.ts / 16.7) });
  }
  flush();
  return notices;
}

const anomaliesOf = (ns: EngineNotice[]): Anomaly[] => ns.flatMap((n) => (n.kind === 'anomaly' ? [n.anomaly] : []));

/** Calls of one method at `perSecond`, from `from` to `to` ms, with `dur(i)` and `failed(i)` for its i-th call. */
function method(agent: string, name: string, perSecond: number, from: number, to: number, dur: (i: number) => number, failed: (i: number) => boolean = () => false): Call[] {
  const out: Call[] = [];
  const step = 1000 / perSecond;
  let i = 0;
  for (let t = from; t < to; t += step) out.push({ ts: Math.round(t * 1000) / 1000, agent, method: name, dur: dur(i), failed: failed(i++) });
  return out;
}

const byTime = (...lists: Call[][]) => lists.flat().sort((a, b) => a.ts - b.ts);

describe('per-method baselines, counted in calls', () => {
  it('a method at ~1 ms, 150 calls a second, 40× slower for 12 calls inside the first 3 s: an anomaly of that method within a second', () => {
    const random = rng(1);
    const slowFrom = 200; // its 200th call, at ~1.33 s
    const calls = byTime(
      method('hero', 'think', 150, 3, 3_000, (i) => (i >= slowFrom && i < slowFrom + 12 ? 40 : 1) * (0.8 + 0.4 * random())),
      method('world', 'step', 60, 5, 3_000, () => 2 * (0.8 + 0.4 * random())),
    );
    const firstSlow = calls.filter((c) => c.method === 'think')[slowFrom]!.ts;
    const found = anomaliesOf(feed(new AnalyticsEngine(), calls));
    expect(found.length).toBe(1);
    const a = found[0]!;
    expect(a).toMatchObject({ metric: 'latency', agent: 'hero.think', kind: 'slow-calls', from: firstSlow });
    expect(a.at! - firstSlow).toBeLessThan(1_000);
    expect(a.expected).toBeGreaterThan(0.8);
    expect(a.expected).toBeLessThan(1.2);
    expect(a.value).toBeGreaterThan(30);
    expect(a.culprits![0]).toMatchObject({ name: 'hero.think' });
    expect(a.culprits![0]!.share).toBeGreaterThan(0.5);
    expect(a.reason).toMatch(/^hero\.think: 5 of its last 8 calls over/);
  });

  it('a method that succeeded 100 times then throws 40 times in a row, inside the first 3 s: an error anomaly of that method', () => {
    const random = rng(2);
    const calls = byTime(
      method('shop', 'buy', 50, 10, 2_800, () => 3 * (0.8 + 0.4 * random()), (i) => i >= 100 && i < 140),
      method('npc', 'decide', 40, 0, 2_800, () => 5 * (0.8 + 0.4 * random())),
    );
    const firstFail = calls.filter((c) => c.method === 'buy')[100]!.ts;
    const found = anomaliesOf(feed(new AnalyticsEngine(), calls));
    const mine = found.filter((a) => a.agent === 'shop.buy');
    expect(mine.length).toBe(1);
    expect(mine[0]).toMatchObject({ metric: 'errorRate', kind: 'failure-run', from: firstFail });
    expect(mine[0]!.at! - firstFail).toBeLessThan(1_000);
    expect(mine[0]!.culprits![0]).toMatchObject({ name: 'shop.buy', share: 1 });
    expect(mine[0]!.reason).toMatch(/^shop\.buy failed 4 times in a row after succeeding/);
    expect(found.filter((a) => a.agent !== undefined && a.agent !== 'shop.buy')).toEqual([]);
  });

  it('no false alarm in an hour of a slow-but-steady method, a jittery one and one that fails 5 % of the time', () => {
    const b = new MethodBaselines();
    const random = rng(3);
    // ~200 ms ± 20 %, twice a second; 1–30 ms log-uniform, 60 a second; 4 ms with 5 % failures, 30 a second.
    for (let s = 0; s < 3_600; s++) {
      for (let k = 0; k < 2; k++) b.observe(0, 200 * (0.8 + 0.4 * random()), false, s * 1000 + k * 500, 0);
      for (let k = 0; k < 60; k++) b.observe(1, Math.exp(Math.log(30) * random()), false, s * 1000 + k * 16, 0);
      for (let k = 0; k < 30; k++) b.observe(2, 4 * (0.8 + 0.4 * random()), random() < 0.05, s * 1000 + k * 33, 0);
    }
    expect(b.drain()).toEqual([]);
    // ... and the planner's usual ~200 ms is its own: 40× slower is still news for it.
    for (let i = 0; i < 8; i++) b.observe(0, 8_000, false, 3_600_000 + i * 500, 0);
    expect(b.drain().map((v) => [v.kind, v.id, Math.round(v.expected / 20)])).toEqual([['latency', 0, 10]]);
  });

  it('tiny absolute changes are not news: 0.1 ms → 0.3 ms', () => {
    const b = new MethodBaselines();
    const random = rng(4);
    for (let i = 0; i < 2_000; i++) b.observe(0, (i < 1_000 ? 0.1 : 0.3) * (0.9 + 0.2 * random()), false, i * 10, i);
    expect(b.drain()).toEqual([]);
    // The same tripling from 10 ms is news.
    for (let i = 0; i < 2_000; i++) b.observe(1, (i < 1_000 ? 10 : 30) * (0.9 + 0.2 * random()), false, i * 10, i);
    expect(b.drain().map((v) => [v.kind, v.id])).toEqual([['latency', 1]]);
  });

  it('needs a history first: a method slow from its first call is its normal', () => {
    const b = new MethodBaselines();
    for (let i = 0; i < 500; i++) b.observe(0, i < 5 ? 2 : 80, false, i * 10, i);
    // Its first 5 calls at 2 ms then 80 ms: slow against 20 calls of history, told once (not again while it stays slow).
    const vs = b.drain();
    expect(vs.length).toBeLessThanOrEqual(1);
    const c = new MethodBaselines();
    for (let i = 0; i < 500; i++) c.observe(0, 80, false, i * 10, i);
    expect(c.drain()).toEqual([]);
  });

  it('keeps bounded state for 1,000 methods and ignores ids beyond its bound', () => {
    const b = new MethodBaselines(1_001);
    for (let id = 0; id < 5_000; id++) b.observe(id, 1, false, id, id);
    expect(b.stateBytes).toBeLessThanOrEqual(1_001 * 200);
    // An id past the bound is ignored: no verdict however it behaves.
    for (let i = 0; i < 100; i++) b.observe(4_000, i < 50 ? 1 : 100, i >= 50, 10_000 + i, i);
    expect(b.drain()).toEqual([]);
  });

  it("5,000 distinct methods through the engine: at most 1,001 baselines in bounded bytes, the methods past 1,000 counted under '(other)', ids past the bound counted", () => {
    const engine = new AnalyticsEngine({ sessionId: 'S' });
    // Each of 5,000 methods called 3 times, round-robin, 1,000 calls a second.
    const calls: Call[] = [];
    for (let k = 0; k < 15_000; k++) calls.push({ ts: k, agent: `agent${k % 5_000}`, method: 'act', dur: 1 + (k % 7) * 0.1 });
    feed(engine, calls);
    const { methods, maxIds, callsBeyond } = engine.baselines.counts;
    expect(maxIds).toBe(1_001);
    expect(methods).toBe(1_001); // 1,000 named methods and '(other).(other)'
    expect(engine.baselines.stateBytes).toBeLessThanOrEqual(1_001 * 144);
    expect(callsBeyond).toBe(0);
    const stats = engine.generateStats().methods;
    expect(stats.length).toBe(1_001);
    const other = stats.find((m) => m.agent === '(other)' && m.method === '(other)');
    // Every call of the 4,000 methods past the bound is counted there: none is silent.
    expect(other?.calls).toBe(4_000 * 3);
    expect(stats.reduce((sum, m) => sum + m.calls, 0)).toBe(15_000);

    // A baseline table smaller than the ids it is given counts the calls it cannot judge.
    const small = new MethodBaselines(10);
    for (let id = 0; id < 50; id++) small.observe(id, 1, false, id, id);
    expect(small.counts).toEqual({ methods: 10, maxIds: 10, callsBeyond: 40 });
    expect(small.stateBytes).toBeLessThanOrEqual(10 * 144);
  }, 60_000); // 15,000 calls through the whole engine: ~1.5 s alone, several times that on a loaded machine

  it('the binomial tail it judges failure counts by', () => {
    expect(Math.exp(binomialLogTail(1, 1, 0.3))).toBeCloseTo(0.3, 10);
    // P(X ≥ 2 | n = 3, p = 0.5) = 4/8
    expect(Math.exp(binomialLogTail(2, 3, 0.5))).toBeCloseTo(0.5, 10);
    // P(X ≥ 4 | n = 32, p = 0.01) = 2.8747e-4 (1 − the sum of the terms for 0..3)
    expect(Math.exp(binomialLogTail(4, 32, 0.01))).toBeCloseTo(2.8747e-4, 7);
  });
});
