import { describe, expect, it } from 'vitest';
import { AnalyticsEngine, type EngineNotice } from '../../../src/analytics/engine';
import type { TraceEntry } from '../../../src/core/entry';
import { batchOf } from '../store/helpers';
import { rng } from './rng';

type Fault = (second: number) => { latencyMs?: number; failShare?: number; extraEvents?: number; frameMs?: number } | null;

/**
 * A synthetic game, second by second, in batches of 100 ms: 40 agent calls a
 * second (npc.decide ~8 ms, director.plan ~20 ms), 20 custom events, 60 frames
 * summed up in one frame:stats entry; `fault` changes a second.
 */
function play(engine: AnalyticsEngine, seconds: number, fault: Fault = () => null): EngineNotice[] {
  const random = rng(7);
  const notices: EngineNotice[] = [];
  let seq = 0;
  const entry = (ts: number, over: Partial<TraceEntry>): TraceEntry => ({ seq: ++seq, ts, sessionId: 'S', kind: 'custom', type: 'tick', level: 'info', frame: 0, ...over });
  for (let s = 0; s < seconds; s++) {
    const f = fault(s) ?? {};
    for (let tenth = 0; tenth < 10; tenth++) {
      const base = s * 1000 + tenth * 100;
      const batch: TraceEntry[] = [];
      for (let k = 0; k < 4; k++) {
        const failed = random() < (f.failShare ?? 0);
        const agent = k % 2 === 0 ? 'npc' : 'director';
        const usual = agent === 'npc' ? 8 : 20;
        const dur = (f.latencyMs && agent === 'npc' ? f.latencyMs : usual) * (0.8 + 0.4 * random());
        batch.push(entry(base + k * 20 + 1, { kind: 'agent', type: `${agent}.act`, source: agent, method: 'act', spanId: seq + 1, dur, status: failed ? 'error' : 'ok', level: failed ? 'error' : 'info' }));
      }
      for (let k = 0; k < 2 + Math.floor((f.extraEvents ?? 0) / 10); k++) batch.push(entry(base + 90 + k * 0.001, { data: { k } }));
      if (tenth === 9) {
        const times = Array.from({ length: 60 }, () => (f.frameMs ?? 16.7) * (0.95 + 0.1 * random()));
        batch.push(entry(base + 99, { kind: 'perf', type: 'frame:stats', source: 'trace-agent', data: { frames: 60, times, from: s * 60 } }));
      }
      notices.push(...engine.consume(batchOf(batch).cols, 'S', () => 0));
    }
  }
  return notices;
}

const anomalies = (ns: EngineNotice[]) => ns.flatMap((n) => (n.kind === 'anomaly' ? [n.anomaly] : []));
const alerts = (ns: EngineNotice[]) => ns.flatMap((n) => (n.kind === 'alert' ? [`${n.alert.name}:${n.alert.to}`] : []));

describe('the analytics engine on a synthetic game', () => {
  it('flags nothing on an hour of clean, steady play (0 false positives per hour)', () => {
    const engine = new AnalyticsEngine();
    const ns = play(engine, 3_600);
    expect(anomalies(ns)).toEqual([]);
    expect(alerts(ns)).toEqual([]);
    const stats = engine.generateStats();
    expect(stats.engine.entries).toBe(3_600 * 61); // 4 spans + 2 events a tenth, + 1 frame:stats a second
  }, 60_000);

  it('finds a latency spike of one agent, says where and how far from normal', () => {
    const engine = new AnalyticsEngine();
    const ns = play(engine, 240, (s) => (s >= 200 && s < 203 ? { latencyMs: 120 } : null));
    const found = anomalies(ns);
    expect(found.length).toBeGreaterThanOrEqual(1);
    const first = found[0]!;
    // npc.act is called at +1 and +41 ms of each tenth: its first slow call is at 200 001 ms, its fifth (the verdict) at 200 201.
    expect(first).toMatchObject({ metric: 'latency', agent: 'npc.act', kind: 'slow-calls', from: 200_001, to: 200_201, at: 200_201 });
    expect(first.value).toBeGreaterThan(100);
    expect(first.expected).toBeLessThan(12);
    // 61 entries a second (4 spans + 2 events a tenth, 1 frame:stats): the first slow call is seq 200·61+1, the fifth 200·61 + 2·6 + 1.
    expect([first.seqFrom, first.seqTo]).toEqual([200 * 61 + 1, 200 * 61 + 13]);
    expect(first.reason).toMatch(/^npc\.act: 5 of its last 8 calls over/);
    expect(first.culprits).toEqual([expect.objectContaining({ name: 'npc.act' })]);
    expect(found.every((a) => a.from >= 200_000 && a.from < 210_000)).toBe(true); // nothing before the fault
  });

  it('turns an error burst into an error-rate alert that fires after its "for" and resolves after the burst', () => {
    const engine = new AnalyticsEngine();
    const ns = play(engine, 240, (s) => (s >= 150 && s < 170 ? { failShare: 0.5 } : null));
    // The same error again and again is also a loop (issue 6's rule): agent-loop may fire beside it.
    expect(alerts(ns).filter((a) => a.startsWith('error-rate'))).toEqual(['error-rate:firing', 'error-rate:resolved']);
    expect(alerts(ns).filter((a) => !a.startsWith('error-rate') && !a.startsWith('agent-loop'))).toEqual([]);
    const fired = ns.find((n) => n.kind === 'alert' && n.alert.name === 'error-rate' && n.alert.to === 'firing')!;
    expect(fired.kind === 'alert' && fired.alert.at).toBeGreaterThanOrEqual(152_000); // held 2 s first
    expect(anomalies(ns).some((a) => a.metric === 'errorRate')).toBe(true);
    // Half the calls of both agents fail: each error anomaly names a method, and the global one names both with their shares.
    for (const a of anomalies(ns).filter((x) => x.metric === 'errorRate')) {
      expect(a.culprits!.length).toBeGreaterThanOrEqual(1);
      for (const c of a.culprits!) expect(['npc.act', 'director.act']).toContain(c.name);
    }
    // The normal band of a share that is usually 0 starts at 0, not below it.
    for (const a of anomalies(ns)) {
      expect(a.low).toBeGreaterThanOrEqual(0);
      expect(a.low).toBeLessThanOrEqual(a.expected);
      expect(a.high).toBeGreaterThanOrEqual(a.expected);
    }
  });

  it('sees a frame hitch storm in frame time and an event flood in the event rate', () => {
    const engine = new AnalyticsEngine();
    const ns = play(engine, 240, (s) => (s >= 180 && s < 190 ? { frameMs: 80, extraEvents: 10_000 } : null));
    const metrics = new Set(anomalies(ns).map((a) => a.metric));
    expect(metrics).toContain('frameTime');
    expect(metrics).toContain('eventRate');
    // A frame-time anomaly names the longest agent calls of its second (director.act, ~20 ms, is the longest of this game).
    const frame = anomalies(ns).find((a) => a.metric === 'frameTime')!;
    expect(frame.culprits!.length).toBe(3);
    expect(frame.culprits![0]!.name).toBe('director.act');
    expect(frame.culprits![0]!.ms).toBeGreaterThan(16);
    expect(frame.reason).toMatch(/longest agent calls of that second: director\.act /);
    expect(alerts(ns)).toEqual(expect.arrayContaining(['low-fps:firing', 'event-flood:firing']));
  });

  it("the game's own alert, and metrics for the rules", () => {
    const engine = new AnalyticsEngine({ thresholds: { fps: 10 } });
    play(engine, 10);
    const m = engine.metrics(9_000);
    expect(m['fps']).toBeGreaterThan(55);
    expect(m['fps']).toBeLessThan(65);
    expect(m['eventRate']).toBe(61);
    expect(m['errorRate']).toBe(0);
    expect(engine.trigger({ name: 'boss-stuck', severity: 'critical' }, 9_500)).toMatchObject([{ kind: 'alert', alert: { name: 'boss-stuck', to: 'firing' } }]);
    expect(engine.alertStatuses().find((a) => a.name === 'low-fps')!.summary).toMatch(/fps < 10/);
  });
});

describe('the engine follows the live session only', () => {
  it('ignores a replayed earlier session that arrives first', () => {
    const engine = new AnalyticsEngine({ sessionId: 'live' });
    const old = batchOf([{ seq: 1, ts: 1, sessionId: 'old', kind: 'custom', type: 'x', level: 'info', frame: 0 }]);
    engine.consume(old.cols, 'old', () => 0);
    const live = batchOf([1, 2, 3].map((seq) => ({ seq, ts: seq, sessionId: 'live', kind: 'custom' as const, type: 'y', level: 'info' as const, frame: 0 })));
    engine.consume(live.cols, 'live', () => 0);
    expect(engine.generateStats().engine.entries).toBe(3);
    expect(engine.generateStats().total.count).toBe(3);
  });
});

describe('loops', () => {
  it("a game's own repetition from the start is its way; an agent that gets stuck later is a warning", () => {
    const engine = new AnalyticsEngine();
    const notices: EngineNotice[] = [];
    let seq = 0;
    for (let s = 0; s < 90; s++) {
      const batch: TraceEntry[] = [];
      for (let k = 0; k < 10; k++) {
        const ts = s * 1000 + k * 100 + 1;
        // Every tick, from the start: director.tick() with nothing in or out.
        batch.push({ seq: ++seq, ts, sessionId: 'S', kind: 'agent', type: 'director.tick', source: 'director', method: 'tick', spanId: seq, dur: 1, status: 'ok', level: 'info', frame: s * 10 + k });
        // pip plans once a tick, differently each time, until it gets stuck at 60 s: the same replan four times a tick.
        const stuck = s >= 60;
        for (let r = 0; r < (stuck ? 4 : 1); r++) {
          batch.push({ seq: ++seq, ts: ts + 1 + r, sessionId: 'S', kind: 'agent', type: 'pip.replan', source: 'pip', method: 'replan', spanId: seq, dur: 1, status: 'ok', level: 'info', frame: s * 10 + k, args: [stuck ? 'home' : `spot-${seq}`], result: stuck ? 'home' : seq });
        }
        // An idle NPC that decides "wait" once a tick from 45 s on: a game at rest, not a loop.
        if (s >= 45) batch.push({ seq: ++seq, ts: ts + 50, sessionId: 'S', kind: 'agent', type: 'ann.decide', source: 'ann', method: 'decide', spanId: seq, dur: 1, status: 'ok', level: 'info', frame: s * 10 + k, args: [], result: 'wait' });
      }
      notices.push(...engine.consume(batchOf(batch).cols, 'S', () => 0));
    }
    const loops = notices.flatMap((n) => (n.kind === 'loop' ? [n.loop] : []));
    expect(loops.length).toBeGreaterThanOrEqual(1);
    expect(loops.every((l) => l.agent === 'pip')).toBe(true);
    expect(loops[0]!.firstTs).toBeGreaterThanOrEqual(60_000);
    expect(alerts(notices)).toContain('agent-loop:firing');
  });
});
