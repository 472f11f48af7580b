import { describe, expect, it } from 'vitest';
import { compareTraces, digestTrace, DIGEST_LIMITS, droppedText, MAX_LISTED, TraceDigester } from '../../../src/analytics/compare';
import type { TraceEntry } from '../../../src/core/entry';
import { demoEntries } from '../../tools/demo-trace.mjs';
import { rng } from './rng';

const N = 30_000;
type Fault = NonNullable<Parameters<typeof demoEntries>[1]>['fault'];
const runs = new Map<string, TraceEntry[]>();
/** A demo-like run (the same arguments give the same entries: kept for the next test). */
const run = (seed: number, fault: Fault = null, storySeed = 9): TraceEntry[] => {
  const key = JSON.stringify([seed, fault, storySeed]);
  let r = runs.get(key);
  if (!r) runs.set(key, (r = [...demoEntries(N, { seed, fault, storySeed })]));
  return r;
};

describe('compareTraces on two demo-like runs', () => {
  it('finds nothing changed between two clean runs of different seeds', () => {
    const c = compareTraces(run(1), run(2));
    expect(c.methods.map((m) => m.name).sort()).toEqual(['director.plan', 'npc.decide', 'npc.move', 'pathfinder.findPath']);
    for (const m of c.methods) {
      expect(m.findings).toEqual([]);
      expect(m.score).toBe(0);
    }
    expect(c.types.onlyInA).toEqual([]);
    expect(c.types.onlyInB).toEqual([]);
    expect(c.story.divergence).toBeNull();
    expect(c.frames.curve.q).toHaveLength(c.frames.curve.a.length);
  });

  it('names a method made slow first, with its percentiles side by side and the bound', () => {
    const c = compareTraces(run(1), run(2, { method: 'npc.move', slow: 3, from: N / 2 }));
    const first = c.methods[0]!;
    expect(first.name).toBe('npc.move');
    expect(first.change.p95!).toBeGreaterThan(2);
    expect(first.b!.p95!).toBeGreaterThan(first.a!.p95!);
    expect(first.findings.join(' ')).toMatch(/p95 .* ms \(×[\d.]+; A [\d.]+–[\d.]+, B [\d.]+–[\d.]+ ms\)/);
    // The intervals are reported, and they are apart.
    const [ia, ib] = [first.a!.interval.p95!, first.b!.interval.p95!];
    expect(ia[0]).toBeLessThanOrEqual(first.a!.p95!);
    expect(ia[1]!).toBeGreaterThanOrEqual(first.a!.p95!);
    expect(ib[0]).toBeGreaterThan(ia[1]!);
    expect(c.ratioError).toBeCloseTo(0.0202, 4);
    // The others are within the sketches' error or chance.
    for (const m of c.methods.slice(1)) expect(m.score).toBe(0);
  });

  it('names a method made to fail first, by its error rate', () => {
    const c = compareTraces(run(3), run(4, { method: 'director.plan', failShare: 0.3, from: N / 3 }));
    const first = c.methods[0]!;
    expect(first.name).toBe('director.plan');
    expect(first.a!.errorRate).toBe(0);
    expect(first.b!.errorRate).toBeGreaterThan(0.1);
    expect(first.findings).toEqual([expect.stringMatching(/^errors 0% → [\d.]+% of calls$/)]);
    for (const m of c.methods.slice(1)) expect(m.score).toBe(0);
  });

  it('puts the faulty method first when the fault is in A (the change goes both ways)', () => {
    const c = compareTraces(run(5, { method: 'pathfinder.findPath', slow: 5 }), run(6));
    expect(c.methods[0]!.name).toBe('pathfinder.findPath');
    expect(c.methods[0]!.change.p95!).toBeLessThan(0.5);
  });

  it('finds where the two stories part', () => {
    const a = run(1, null, 9);
    const b = run(1, null, 10);
    const c = compareTraces(a, b);
    const d = c.story.divergence!;
    expect(d).not.toBeNull();
    const stepsOf = (es: TraceEntry[]) => es.filter((e) => e.type === 'story:transition').map((e) => e.data as { from: string; to: string });
    const sa = stepsOf(a);
    const sb = stepsOf(b);
    expect(sa.slice(0, d.index)).toEqual(sb.slice(0, d.index));
    expect(sa[d.index]).not.toEqual(sb[d.index]);
    expect([d.a!.from, d.a!.to]).toEqual([sa[d.index]!.from, sa[d.index]!.to]);
    // A story that stops early parts where it stops.
    const short = a.filter((e) => e.type !== 'story:transition' || e.seq < N / 2);
    const c2 = compareTraces(a, short);
    expect(c2.story.divergence).toEqual({ index: c2.story.b, a: expect.objectContaining({ from: sa[c2.story.b]!.from }), b: null });
  });

  it('lists the event types and methods of one trace only', () => {
    const a = run(1);
    const b = [...run(1), { seq: N + 1, ts: 20_000, sessionId: 's', kind: 'custom', type: 'boss:spawned', level: 'info', frame: 0 } as TraceEntry, { seq: N + 2, ts: 20_001, sessionId: 's', kind: 'agent', type: 'boss.think', source: 'boss', method: 'think', level: 'info', frame: 0, dur: 3, status: 'ok' } as TraceEntry];
    const c = compareTraces(a, b);
    expect(c.types.onlyInB).toEqual([
      { type: 'boss.think', count: 1 },
      { type: 'boss:spawned', count: 1 },
    ]);
    expect(c.types.onlyInA).toEqual([]);
    const boss = c.methods.find((m) => m.name === 'boss.think')!;
    expect(boss.a).toBeNull();
    expect(boss.findings).toEqual(['called 1 times in B, never in A']);
  });

  it('takes a digest, a trace file or entries alike', () => {
    const a = run(1);
    const d = new TraceDigester();
    for (const e of a) d.add(e);
    expect(compareTraces(d.digest(), { entries: a })).toEqual(compareTraces(a, digestTrace(a)));
  });

  it('compares latencies under the clock\'s 100 µs step as one reading', () => {
    const calls = (dur: number) => Array.from({ length: 400 }, (_, k) => ({ seq: k + 1, ts: k, sessionId: 's', kind: 'agent', type: 'p.tick', source: 'p', method: 'tick', level: 'info', frame: 0, dur: k % 2 ? dur : 0, status: 'ok' }) as TraceEntry);
    const c = compareTraces(calls(0.0992), calls(0));
    expect(c.methods[0]!.change.p95).toBe(1);
    expect(c.methods[0]!.findings).toEqual([]);
    // One clock step more is the clock's rounding, not a change...
    expect(compareTraces(calls(0.0992), calls(0.2)).methods[0]!.findings).toEqual([]);
    // ...two steps and more, beyond the sketches' error, is.
    expect(compareTraces(calls(0.2), calls(0.9)).methods[0]!.findings[0]).toMatch(/^p95 0\.\d+ → 0\.\d+ ms \(×4\.\d+; A 0\.\d+–0\.\d+, B 0\.\d+–0\.\d+ ms\)$/);
  });

  it('counts what does not fit its limits', () => {
    const many = Array.from({ length: DIGEST_LIMITS.types + 3 }, (_, k) => ({ seq: k + 1, ts: k, sessionId: 's', kind: 'custom', type: `t${k}`, level: 'info', frame: 0 }) as TraceEntry);
    const d = digestTrace(many);
    expect(d.types.size).toBe(DIGEST_LIMITS.types + 1);
    expect(d.dropped.typeEntries).toBe(3);
    expect(d.types.get('(other)')).toBe(3);
    // Compared, the types of one only past MAX_LISTED are counted, and the drops carried.
    const c = compareTraces([], many);
    expect(c.types.onlyInB).toHaveLength(MAX_LISTED);
    expect(c.unlisted.onlyInB).toBe(DIGEST_LIMITS.types - MAX_LISTED);
    expect(c.b.dropped.typeEntries).toBe(3);
    expect(droppedText(c.b.dropped)).toBe(`counted under '(other)' or not kept: 3 entries of types past ${DIGEST_LIMITS.types}`);
    const methods = Array.from({ length: MAX_LISTED + 7 }, (_, k) => ({ seq: k + 1, ts: k, sessionId: 's', kind: 'agent', type: `m${k}.go`, source: `m${k}`, method: 'go', level: 'info', frame: 0, dur: 1, status: 'ok' }) as TraceEntry);
    const cm = compareTraces(methods, methods);
    expect(cm.methods).toHaveLength(MAX_LISTED);
    expect(cm.unlisted.methods).toBe(7);
  });

  it('flags at most 1% of methods between two samples of the same distribution, whatever its shape and the count', () => {
    const r = rng(42);
    const exp = (mean: number) => -mean * Math.log(1 - r());
    const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const shapes: Record<string, () => number> = {
      exponential: () => exp(2),
      'log-normal': () => Math.exp(1 + 0.8 * normal()),
      bimodal: () => (r() < 0.7 ? 1 + 0.2 * normal() ** 2 : 8 + exp(1)),
    };
    const METHODS = 50;
    let methods = 0;
    let flagged = 0;
    const flaggedBy: string[] = [];
    for (const [shape, draw] of Object.entries(shapes)) {
      for (const n of [6, 20, 100, 1000]) {
        const trace = () => {
          const es: TraceEntry[] = [];
          let seq = 0;
          for (let k = 0; k < n; k++) for (let j = 0; j < METHODS; j++) es.push({ seq: ++seq, ts: k * 10, sessionId: 's', kind: 'agent', type: `m${j}.call`, source: `m${j}`, method: 'call', level: 'info', frame: 0, dur: Math.round(draw() * 1000) / 1000, status: 'ok' } as TraceEntry);
          return es;
        };
        const c = compareTraces(trace(), trace());
        methods += c.methods.length;
        for (const m of c.methods) if (m.score > 0) (flagged++, flaggedBy.push(`${shape} n=${n}: ${m.findings.join('; ')}`));
      }
    }
    expect(methods).toBe(3 * 4 * METHODS);
    expect(flagged, flaggedBy.join('\n')).toBeLessThanOrEqual(methods * 0.01);
  });

  it('rates calls by the sum of the sessions\' spans: an all-sessions file restarts its clock at each', () => {
    // Three sessions of 10 s each, one call a second; every session's ts from 0.
    const three: TraceEntry[] = [];
    let seq = 0;
    for (const sid of ['s1', 's2', 's3']) for (let k = 0; k <= 10; k++) three.push({ seq: ++seq, ts: k * 1000, sessionId: sid, kind: 'agent', type: 'p.tick', source: 'p', method: 'tick', level: 'info', frame: 0, dur: 1, status: 'ok' } as TraceEntry);
    const one = three.filter((e) => e.sessionId === 's1');
    const c = compareTraces(one, three);
    expect(c.a.durationMs).toBe(10_000);
    expect(c.b.durationMs).toBe(30_000);
    const m = c.methods[0]!;
    expect(m.a!.perSecond).toBe(1.1);
    expect(m.b!.perSecond).toBe(1.1);
    expect(m.change.perSecond).toBe(1);
    expect(digestTrace(three).sessions.size).toBe(3);
  });
});
