import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { PatternAnalyzer } from '../../../src/analytics/patterns';
import { SpaceSaving } from '../../../src/analytics/space-saving';
import { batchOf } from '../store/helpers';

let seq = 0;
let spanIds = 0;
function e(ts: number, over: Partial<TraceEntry>): TraceEntry {
  return { seq: ++seq, ts, sessionId: 's1', kind: 'custom', type: 'tick', level: 'info', frame: 0, ...over };
}
function span(ts: number, agent: string, method: string, args: unknown[], over: Partial<TraceEntry> = {}): TraceEntry {
  return e(ts, { kind: 'agent', type: `${agent}.${method}`, source: agent, method, args, dur: 1 + (seq % 7), status: 'ok', spanId: ++spanIds, ...over });
}
function feed(p: PatternAnalyzer, entries: TraceEntry[], size = 250): void {
  for (let i = 0; i < entries.length; i += size) p.consume(batchOf(entries.slice(i, i + size)).cols, entries[i]!.sessionId);
}

/** A clean game: agents with changing arguments, input, frame stats, story, custom events; 10 minutes. */
function cleanStream(t0 = 0, minutes = 10): TraceEntry[] {
  const out: TraceEntry[] = [];
  let node = 0;
  for (let t = t0; t < t0 + minutes * 60_000; t += 50) {
    const i = t / 50;
    out.push(span(t, 'npc', 'decide', [{ tick: i, hp: i % 13 }]));
    if (i % 3 === 0) out.push(span(t + 1, 'physics', 'step', [i * 0.016]));
    if (i % 5 === 0) out.push(e(t + 2, { kind: 'player', type: i % 10 === 0 ? 'input:keydown' : 'input:keyup', source: 'player', data: { key: 'w', n: i } }));
    if (i % 20 === 0) out.push(e(t + 3, { kind: 'perf', type: 'frame:stats', source: 'trace-agent', data: { frames: 60, times: [16.6], from: i } }));
    if (i % 7 === 0) out.push(e(t + 4, { type: 'score', source: 'game', data: { score: i } }));
    if (i % 200 === 0) {
      out.push(e(t + 5, { kind: 'state', type: 'story:transition', source: 'story', data: { from: `n${node}`, to: `n${(node + 1) % 4}`, via: 'choose', dwellMs: 10_000 } }));
      node = (node + 1) % 4;
    }
  }
  return out;
}

describe('SpaceSaving', () => {
  it('keeps every item above N/k with counts that bound the truth', () => {
    const ss = new SpaceSaving(50);
    const truth = new Map<number, number>();
    let x = 12345;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      // Zipf-like: small keys are frequent.
      const key = Math.floor(1 / (0.002 + (x / 2147483648) * 0.998));
      ss.add(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    const top = ss.top();
    for (const h of top) {
      const t = truth.get(h.key) ?? 0;
      expect(h.count).toBeGreaterThanOrEqual(t);
      expect(h.count - h.error).toBeLessThanOrEqual(t);
    }
    for (const [key, t] of truth) if (t > 100_000 / 50) expect(top.some((h) => h.key === key)).toBe(true);
  });

  it('merges with upper bounds', () => {
    const parts = [new SpaceSaving(10), new SpaceSaving(10)];
    const truth = new Map<number, number>();
    for (let i = 0; i < 5_000; i++) {
      const key = i % 3 === 0 ? 1 : i % 5 === 0 ? 2 : 100 + (i % 97);
      parts[i % 2]!.add(key);
      truth.set(key, (truth.get(key) ?? 0) + 1);
    }
    const merged = SpaceSaving.merge(parts, 10);
    expect(merged[0]!.key).toBe(1);
    for (const h of merged) {
      expect(h.count).toBeGreaterThanOrEqual(truth.get(h.key)!);
      expect(h.count - h.error).toBeLessThanOrEqual(truth.get(h.key)!);
    }
  });
});

describe('PatternAnalyzer', () => {
  it('flags nothing on a clean stream, and counts sequences, agents and story', () => {
    const p = new PatternAnalyzer();
    const entries = cleanStream();
    feed(p, entries);
    const r = p.analyze('session');
    expect(r.loops).toEqual([]);
    expect(r.events).toBe(entries.length);
    const top2 = r.sequences['2'][0]!;
    expect(top2.types).toEqual(['npc.decide', 'npc.decide']);
    expect(r.sequences['3'].length).toBeGreaterThan(0);
    expect(r.sequences['4'].length).toBeGreaterThan(0);
    expect(r.busiestAgents[0]).toMatchObject({ agent: 'npc', calls: 12_000 });
    expect(r.busiestAgents[1]).toMatchObject({ agent: 'physics', calls: 4_000 });
    expect(r.story.transitions).toContainEqual({ from: 'n0', to: 'n1', count: 15 });
    expect(r.story.dwell.find((d) => d.node === 'n0')).toMatchObject({ count: 15, totalMs: 150_000, meanMs: 10_000 });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('finds an agent calling itself, A-B-A-B, repeated calls and repeated errors in a stream with injected loops', () => {
    const p = new PatternAnalyzer();
    const entries = cleanStream(0, 2);
    const t = 130_000;
    // Recursion: solver.search(3) → search(2) → search(1); children end (and are logged) first.
    const [a, b, c] = [++spanIds, ++spanIds, ++spanIds];
    entries.push(span(t, 'solver', 'search', [1], { spanId: c, parentId: b }));
    entries.push(span(t + 1, 'solver', 'search', [2], { spanId: b, parentId: a }));
    entries.push(span(t + 2, 'solver', 'search', [3], { spanId: a }));
    // A-B-A-B: the pathfinder alternates two identical calls, 8 steps.
    for (let i = 0; i < 8; i++) entries.push(span(t + 100 + i, 'path', i % 2 ? 'left' : 'right', [{ x: 1 }]));
    // The same call, same arguments, 5 times.
    for (let i = 0; i < 5; i++) entries.push(span(t + 200 + i, 'shop', 'buy', ['sword', 1], { result: false }));
    // The same error, 3 times.
    for (let i = 0; i < 3; i++) entries.push(e(t + 300 + i * 1000, { kind: 'error', type: 'page:error', level: 'error', source: 'page', data: { message: 'x is undefined' } }));
    entries.push(...cleanStream(t + 10_000, 1).map((x) => ({ ...x, seq: ++seq })));
    entries.sort((x, y) => x.seq - y.seq);
    feed(p, entries, 97);
    const loops = p.analyze('session').loops;
    const by = (rule: string) => loops.filter((l) => l.rule === rule);
    expect(by('self-call')).toHaveLength(1);
    expect(by('self-call')[0]).toMatchObject({ what: 'solver.search', agent: 'solver', count: 2 });
    expect(by('alternation')).toHaveLength(1);
    expect(by('alternation')[0]).toMatchObject({ agent: 'path', count: 8 });
    expect(by('alternation')[0]!.what).toMatch(/path\.(right|left) ⇄ path\.(left|right)/);
    expect(by('repeated-call')).toHaveLength(1);
    expect(by('repeated-call')[0]).toMatchObject({ what: 'shop.buy', agent: 'shop', count: 5 });
    const rc = by('repeated-call')[0]!;
    expect(rc.lastSeq - rc.firstSeq).toBe(4);
    expect(rc.firstTs).toBe(t + 200);
    expect(rc.lastTs).toBe(t + 204);
    expect(by('repeated-error')).toHaveLength(1);
    expect(by('repeated-error')[0]).toMatchObject({ what: 'page:error: x is undefined', agent: 'page', count: 3, firstTs: t + 300, lastTs: t + 2300 });
    expect(loops).toHaveLength(4);
  });

  it('below the thresholds is no loop', () => {
    const p = new PatternAnalyzer();
    const entries: TraceEntry[] = [];
    for (let i = 0; i < 5; i++) entries.push(span(i, 'path', i % 2 ? 'left' : 'right', [1])); // 5 steps
    for (let i = 0; i < 3; i++) entries.push(span(10 + i, 'shop', 'buy', ['x'])); // 3 identical
    for (let i = 0; i < 2; i++) entries.push(e(20 + i, { kind: 'error', type: 'oops', level: 'error', data: { message: 'm' } }));
    // The same error, but more than a minute apart each time.
    for (let i = 0; i < 3; i++) entries.push(e(100_000 + i * 70_000, { kind: 'error', type: 'rare', level: 'error', data: { message: 'r' } }));
    feed(p, entries);
    expect(p.analyze().loops).toEqual([]);
  });

  it('limits figures to the timeframe', () => {
    const p = new PatternAnalyzer();
    const entries: TraceEntry[] = [];
    // 0-300 s: agent 'early'; 300-330 s: agent 'late'.
    for (let t = 0; t < 300_000; t += 100) entries.push(span(t, 'early', 'run', [t]));
    for (let t = 300_000; t < 330_000; t += 100) entries.push(span(t, 'late', 'run', [t]));
    for (let i = 0; i < 4; i++) entries.push(span(1_000 + i, 'old', 'same', [0]));
    entries.sort((a, b) => a.ts - b.ts);
    entries.forEach((x, i) => (x.seq = i + 1));
    feed(p, entries);
    // Buckets are 10 s: a window from 300 s to 330 s covers three of them exactly.
    const r30 = p.analyze('30s', 330_000);
    expect(r30.windowMs).toBe(30_000);
    expect(r30.busiestAgents.map((a) => a.agent)).toEqual(['late']);
    expect(r30.busiestAgents[0]!.calls).toBe(300);
    expect(r30.loops).toEqual([]);
    expect(r30.sequences['2'][0]!.types).toEqual(['late.run', 'late.run']);
    const r5 = p.analyze('5m');
    expect(r5.busiestAgents.map((a) => a.agent)).toEqual(['early', 'late']);
    const all = p.analyze('session');
    expect(all.timeframe).toBe('session');
    expect(all.loops.map((l) => l.rule)).toEqual(['repeated-call']);
    expect(() => p.analyze('5 parsecs')).toThrow(RangeError);
  });

  it('matches a self-call when the parent span ended first (async), and keeps sessions apart', () => {
    const p = new PatternAnalyzer();
    const parent = ++spanIds;
    const entries = [span(0, 'net', 'poll', [1], { spanId: parent, async: true }), span(5, 'net', 'poll', [2], { spanId: ++spanIds, parentId: parent, async: true })];
    feed(p, entries);
    feed(p, [e(10, { sessionId: 's2', type: 'boot' }), e(11, { sessionId: 's2', type: 'menu' })]);
    const r = p.analyze();
    expect(r.loops).toMatchObject([{ rule: 'self-call', what: 'net.poll', count: 1 }]);
    const pairs = r.sequences['2'].map((x) => x.types.join(' '));
    expect(pairs).toContain('boot menu');
    expect(pairs).not.toContain('net.poll boot');
  });
});

describe('span memory', () => {
  it('matches a child with a parent logged later only while the child is among the last spanMemory waiting', () => {
    const selfCalls = (spanMemory: number) => {
      const p = new PatternAnalyzer({ spanMemory });
      const parent = ++spanIds;
      const entries = [span(0, 'solver', 'search', [1], { parentId: parent })];
      // Three other children whose parents never come, then the parent.
      for (let i = 0; i < 3; i++) entries.push(span(1 + i, 'other', `m${i}`, [i], { parentId: 1e9 + spanIds + i }));
      entries.push(span(10, 'solver', 'search', [2], { spanId: parent }));
      feed(p, entries);
      return p.analyze().loops.filter((l) => l.rule === 'self-call').length;
    };
    expect(selfCalls(8)).toBe(1);
    expect(selfCalls(2)).toBe(0);
  });
});

describe('loops hidden between other calls (the demo\'s stuck NPC)', () => {
  it('finds the same call repeated although other calls of the agent come between', () => {
    const p = new PatternAnalyzer();
    const entries = cleanStream(0, 2);
    const t = 130_000;
    for (let i = 0; i < 12; i++) {
      entries.push(span(t + i * 10, 'pip', 'decide', [], { result: i % 2 ? 'A' : 'B' }));
      entries.push(span(t + i * 10 + 5, 'pip', 'replan', ['home'], { result: 'home' }));
    }
    entries.sort((x, y) => x.seq - y.seq);
    feed(p, entries, 50);
    const loops = p.analyze('session').loops.filter((l) => l.agent === 'pip');
    expect(loops.some((l) => l.rule === 'repeated-call' && l.what === 'pip.replan' && l.count === 12)).toBe(true);
    expect(loops.some((l) => l.rule === 'alternation' && /pip\.decide/.test(l.what))).toBe(true);
  });
});
