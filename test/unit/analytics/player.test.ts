import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { PlayerCollector, parseProgressionType, progressionId } from '../../../src/analytics/player';
import { batchOf } from '../store/helpers';

let seq = 0;
function e(ts: number, over: Partial<TraceEntry>): TraceEntry {
  return { seq: ++seq, ts, sessionId: 's1', kind: 'custom', type: 'tick', level: 'info', frame: 0, ...over };
}
const key = (ts: number, down = true) => e(ts, { kind: 'player', type: down ? 'input:keydown' : 'input:keyup', source: 'player', data: { key: 'a' } });
const vis = (ts: number, state: 'hidden' | 'visible') => e(ts, { kind: 'system', type: 'page:visibility', source: 'page', data: { state } });
function feed(c: PlayerCollector, entries: TraceEntry[], size = 100): void {
  entries.sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < entries.length; i += size) c.consume(batchOf(entries.slice(i, i + size)).cols, entries[i]!.sessionId);
}

describe('progression convention', () => {
  it('parses category and phase, and finds the id', () => {
    expect(parseProgressionType('quest:start')).toEqual({ category: 'quest', phase: 'start' });
    expect(parseProgressionType('level.completed')).toEqual({ category: 'level', phase: 'complete' });
    expect(parseProgressionType('mission:fail')).toEqual({ category: 'mission', phase: 'fail' });
    expect(parseProgressionType('frame:stats')).toBeNull();
    expect(parseProgressionType('npc.decide')).toBeNull();
    expect(progressionId({ id: 'a', quest: 'b' }, 'quest')).toBe('a');
    expect(progressionId({ quest: 'b' }, 'quest')).toBe('b');
    expect(progressionId({ level: 3 }, 'level')).toBe('3');
    expect(progressionId({}, 'level')).toBe('');
  });
});

describe('PlayerCollector', () => {
  it('measures session, active time without hidden spans and idle gaps, APM and the mix', () => {
    const entries: TraceEntry[] = [];
    // 0-60 s: a key press and release every second (60 actions, 120 entries).
    for (let t = 0; t < 60_000; t += 1_000) entries.push(key(t + 10), key(t + 60, false));
    // 60-100 s: nothing (a 40 s idle gap from 59.06 s to 100 s).
    // 100-130 s: hidden.
    entries.push(key(100_000), vis(100_500, 'hidden'), vis(130_500, 'visible'));
    // 130.5-160 s: presses every 2 s; then the session ends at 160 s.
    for (let t = 131_000; t <= 160_000; t += 2_000) entries.push(key(t));
    const p = new PlayerCollector();
    feed(p, entries, 17);
    const s = p.snapshot();
    expect(s.sessionMs).toBe(159_000);
    expect(s.hiddenMs).toBe(30_000);
    expect(s.idle.gaps).toBe(1);
    expect(s.idle.longestMs).toBeCloseTo(100_000 - 59_060, 6);
    expect(s.idleMs).toBeCloseTo(40_940, 6);
    expect(s.activeMs).toBeCloseTo(159_000 - 30_000 - 40_940, 6);
    expect(s.actions).toBe(60 + 1 + 15);
    expect(s.playerEntries).toBe(120 + 1 + 15);
    expect(s.actionsPerMinute).toBeCloseTo(76 / (s.activeMs / 60_000), 3);
    expect(s.mix).toEqual({ 'input:keydown': 76, 'input:keyup': 60 });
    expect(s.visibility).toEqual({ hidden: false, hiddenSpans: 1 });
    expect(s.idle.idleNow).toBe(false);
    // A minute later with no input: idle now.
    const later = p.snapshot(219_000);
    expect(later.idle.idleNow).toBe(true);
    expect(later.idle.gaps).toBe(2);
    expect(later.activeMs).toBe(s.activeMs);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('counts attempts, completions, fails and time to complete per category and id', () => {
    const entries: TraceEntry[] = [];
    const q = (ts: number, phase: string, id: string) => e(ts, { type: `quest:${phase}`, data: { id } });
    const l = (ts: number, phase: string, level: number) => e(ts, { type: `level:${phase}`, data: { level } });
    entries.push(q(0, 'start', 'dragon'), q(10_000, 'fail', 'dragon'), q(20_000, 'start', 'dragon'), q(50_000, 'complete', 'dragon'));
    entries.push(q(1_000, 'start', 'herbs'), q(21_000, 'complete', 'herbs'));
    entries.push(q(60_000, 'start', 'bandits'));
    for (let i = 0; i < 5; i++) entries.push(l(100_000 + i * 10_000, 'start', 1), l(100_000 + i * 10_000 + 1_000 * (i + 1), i < 3 ? 'complete' : 'fail', 1));
    const p = new PlayerCollector();
    feed(p, entries, 3);
    const s = p.snapshot();
    const quest = s.progression.categories['quest']!;
    expect(quest).toMatchObject({ attempts: 4, completions: 2, fails: 1, inProgress: 1, completionRate: 0.5, failRate: 0.25 });
    expect(quest.timeToComplete.count).toBe(2);
    expect(quest.timeToComplete.minMs).toBe(20_000);
    expect(quest.timeToComplete.maxMs).toBe(30_000);
    expect(quest.ids['dragon']).toMatchObject({ attempts: 2, completions: 1, fails: 1, inProgress: 0 });
    expect(quest.ids['dragon']!.timeToComplete.medianMs).toBe(30_000);
    expect(quest.ids['bandits']).toMatchObject({ attempts: 1, inProgress: 1 });
    const level = s.progression.categories['level']!;
    expect(level).toMatchObject({ attempts: 5, completions: 3, fails: 2, completionRate: 0.6, failRate: 0.4 });
    expect(level.ids['1']!.timeToComplete.medianMs).toBe(2_000);
    expect(Math.abs(level.timeToComplete.medianMs! - 2_000)).toBeLessThanOrEqual(20);
    expect(s.progression.total).toMatchObject({ attempts: 9, completions: 5, fails: 3, inProgress: 1 });
  });

  it('counts an outcome without a start as an attempt', () => {
    const p = new PlayerCollector();
    feed(p, [e(5, { type: 'level:complete', data: { id: 'x' } })]);
    expect(p.snapshot().progression.categories['level']).toMatchObject({ attempts: 1, completions: 1, completionRate: 1 });
  });
});
