import { describe, expect, it } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import { BatchEncoder, decodeBatch } from '../../../src/core/columns';
import { FLAG_TRUNCATED, NO_DATA, type TraceEntry } from '../../../src/core/entry';
import { TraceError } from '../../../src/core/errors';
import { DEFAULT_LIMITS } from '../../../src/core/safe-copy';

function collect(options = {}) {
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: (e) => entries.push(e) }, options);
  return { core, entries };
}

describe('TraceCore.logEvent', () => {
  it('stamps seq, ts, session, frame, kind and level', () => {
    const { core, entries } = collect();
    core.frame = 7;
    core.logEvent('quest:start', { quest: 'q1' });
    core.logEvent('npc.decide', { npc: 'Mira' }, { tick: 3 }, { kind: 'agent', level: 'debug', source: 'Mira' });
    expect(entries).toHaveLength(2);
    const [a, b] = entries as [TraceEntry, TraceEntry];
    expect(a).toMatchObject({ seq: 1, sessionId: core.sessionId, kind: 'custom', level: 'info', type: 'quest:start', frame: 7, data: { quest: 'q1' } });
    expect(b).toMatchObject({ seq: 2, kind: 'agent', level: 'debug', source: 'Mira', metadata: { tick: 3 } });
    expect(a.ts).toBeGreaterThanOrEqual(0);
    expect(b.ts).toBeGreaterThanOrEqual(a.ts);
    expect(a.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata).toBeUndefined();
    expect(JSON.stringify(a)).not.toContain('metadata');
    expect(core.counters.logged).toBe(2);
  });

  it('snapshots data at the moment it is logged', () => {
    const { core, entries } = collect();
    const data = { hp: 10 };
    core.logEvent('hit', data);
    data.hp = 3;
    expect(entries[0]!.data).toEqual({ hp: 10 });
  });

  it('an event with a type only (or null data) carries the shared frozen NO_DATA, and is stored as {}', () => {
    const { core, entries } = collect();
    core.logEvent('tick');
    core.logEvent('tick', null as unknown as undefined);
    core.logEvent('tick', {});
    expect(entries[0]!.data).toBe(NO_DATA);
    expect(entries[1]!.data).toBe(NO_DATA);
    expect(Object.isFrozen(NO_DATA) && Object.keys(NO_DATA).length === 0).toBe(true);
    const enc = new BatchEncoder(3);
    for (const e of entries) enc.add(e);
    expect(decodeBatch(enc.take(), core.sessionId).map((e) => e.data)).toEqual([{}, {}, {}]);
  });

  it('by default counts and reports bad input without throwing', () => {
    const { core, entries } = collect();
    const bad: [unknown, unknown, unknown?][] = [
      ['', {}],
      [42, {}],
      ['x'.repeat(129), {}],
      ['ok', 'not an object'],
      ['ok', [1, 2]],
      ['ok', {}, 5],
    ];
    for (const [type, data, meta] of bad) {
      expect(() => core.logEvent(type as string, data as Record<string, unknown>, meta as Record<string, unknown>)).not.toThrow();
    }
    expect(() => core.logEvent('ok', {}, undefined, { kind: 'nope' as never })).not.toThrow();
    expect(core.counters.rejected).toBe(7);
    expect(entries.every((e) => e.type === 'trace:rejected' && e.level === 'warn' && e.kind === 'system')).toBe(true);
    expect(entries.map((e) => (e.data as { code: string }).code)).toEqual([
      'INVALID_TYPE',
      'INVALID_TYPE',
      'INVALID_TYPE',
      'INVALID_DATA',
      'INVALID_DATA',
      'INVALID_DATA',
      'INVALID_OPTION',
    ]);
  });

  it('reports only the first 20 rejections, then counts', () => {
    const { core, entries } = collect();
    for (let i = 0; i < 50; i++) core.logEvent('', {});
    expect(core.counters.rejected).toBe(50);
    expect(entries).toHaveLength(20);
  });

  it('throws a TraceError with a code in strict mode', () => {
    const { core } = collect({ strict: true });
    expect(() => core.logEvent('', {})).toThrow(TraceError);
    expect(() => core.logEvent('ok', 'x' as never)).toThrow(
      expect.objectContaining({ name: 'TraceError', code: 'INVALID_DATA', message: expect.stringContaining('data must be an object') }),
    );
  });

  it('an option set to undefined keeps its default', () => {
    const { core, entries } = collect({ limits: { redactKeys: undefined, maxBytes: undefined } });
    // Strings each within maxString but 40,000 characters together: only the byte budget cuts them.
    const parts = Array.from({ length: 20 }, () => 'x'.repeat(2_000));
    core.logEvent('login', { password: 'hunter2', parts });
    expect(entries[0]!.data).toMatchObject({ password: { $t: 'redacted' } });
    expect(entries[0]!.flags! & FLAG_TRUNCATED).toBe(FLAG_TRUNCATED);
    expect(JSON.stringify(entries[0]!.data).length).toBeLessThan(DEFAULT_LIMITS.maxBytes + 1_000);
  });

  it('accepts missing data as an empty object', () => {
    const { core, entries } = collect();
    core.logEvent('tick');
    expect(entries[0]!.data).toEqual({});
  });

  it('never throws into the game even when the sink throws', () => {
    const core = new TraceCore({
      write: () => {
        throw new Error('sink broke');
      },
    });
    expect(() => core.logEvent('x', {})).not.toThrow();
    expect(core.counters).toMatchObject({ internalErrors: 1, rejected: 0, logged: 0 });
  });

  it('counts truncated and redacted entries and flags them', () => {
    const { core, entries } = collect({ limits: { maxString: 4 } });
    core.logEvent('a', { s: 'abcdefgh' });
    core.logEvent('b', { password: 'x' });
    core.logEvent('c', { fine: true });
    expect(entries.map((e) => e.flags)).toEqual([1, 2, undefined]);
    expect(core.counters).toMatchObject({ truncated: 1, redacted: 1, logged: 3 });
  });

  it('a type-only event after a truncated one carries no flags of its own (none left over from the last copy)', () => {
    const { core, entries } = collect({ limits: { maxString: 4 } });
    core.logEvent('a', { s: 'abcdefgh' });
    core.logEvent('tick');
    core.logEvent('tock', null as unknown as undefined);
    expect(entries.map((e) => e.flags)).toEqual([1, undefined, undefined]);
    expect(core.counters).toMatchObject({ truncated: 1, logged: 3 });
  });
});
