import { describe, expect, it } from 'vitest';
import { AlertManager, parseThresholds, type AlertRule } from '../../../src/analytics/alerts';
import { assessHealth, type HealthInputs } from '../../../src/analytics/health';

const lowFps: AlertRule = { name: 'low-fps', metric: 'fps', op: '<', threshold: 30, clearAt: 35, forMs: 3_000, keepFiringForMs: 2_000, severity: 'warning' };

/** Feeds one value a second; returns the transitions with the second they happened at. */
function run(m: AlertManager, values: number[]): string[] {
  const out: string[] = [];
  values.forEach((v, s) => {
    for (const t of m.evaluate({ fps: v }, s * 1_000)) out.push(`${s}:${t.name}:${t.to}`);
  });
  return out;
}

describe('alert rules', () => {
  it('fire only after the condition held for forMs (pending first), and a short dip never fires', () => {
    const m = new AlertManager([lowFps]);
    expect(run(m, [60, 25, 25, 60, 60])).toEqual([]); // pending for 2 s, then cleared
    expect(m.statuses()[0]!.state).toBe('inactive');
    const m2 = new AlertManager([lowFps]);
    expect(run(m2, [60, 25, 25, 25, 25])).toEqual(['4:low-fps:firing']); // held 25 from s=1: fires at s=4
  });

  it('keep firing while the metric hovers between threshold and clearAt (hysteresis), then for keepFiringForMs', () => {
    const m = new AlertManager([lowFps]);
    const seq = [25, 25, 25, 25, 31, 33, 29, 34, 36, 36, 36, 36];
    expect(run(m, seq)).toEqual(['3:low-fps:firing', '10:low-fps:resolved']);
    const s = m.statuses()[0]!;
    expect(s).toMatchObject({ state: 'resolved', fired: 1, firedAt: 3_000, resolvedAt: 10_000 });
  });

  it('a gap in the data ends a pending alert, and clears a firing one after keepFiringForMs (as a vanished series does)', () => {
    const m = new AlertManager([lowFps]);
    m.evaluate({ fps: 10 }, 0);
    expect(m.evaluate({ fps: null }, 1_000)).toEqual([]);
    expect(m.statuses()[0]!.state).toBe('inactive');
    expect(m.evaluate({ fps: 25 }, 600_000)).toEqual([]); // after the gap, pending starts again
    const f = new AlertManager([lowFps]);
    run(f, [10, 10, 10, 10]); // firing at 3 s
    expect(f.evaluate({ fps: null }, 4_000)).toEqual([]);
    expect(f.evaluate({ fps: null }, 6_000)).toMatchObject([{ name: 'low-fps', to: 'resolved' }]);
  });

  it('thresholds change by metric or rule name, keeping the hysteresis band in proportion', () => {
    const m = new AlertManager([lowFps]);
    m.setThresholds(parseThresholds('fps<20'));
    expect(m.rules()[0]).toMatchObject({ threshold: 20 });
    expect(m.rules()[0]!.clearAt).toBeCloseTo(20 * (35 / 30));
    expect(run(m, [25, 25, 25, 25, 25])).toEqual([]);
    expect(parseThresholds('fps<25, errorRate > 0.1, slow-agents=800, nonsense')).toEqual({ fps: 25, errorRate: 0.1, 'slow-agents': 800 });
  });

  it('refuse a rule on an unknown metric, saying which exist', () => {
    expect(() => new AlertManager([{ name: 'x', metric: 'nope', op: '>', threshold: 1 }])).toThrow(/unknown metric "nope".*fps/);
  });

  it("the game's own alerts fire at once, resolve on request or by themselves", () => {
    const m = new AlertManager([]);
    expect(m.trigger({ name: 'boss-stuck', severity: 'critical', message: 'the boss has not moved for 10 s', durationMs: 5_000 }, 1_000)).toMatchObject([
      { name: 'boss-stuck', to: 'firing', severity: 'critical' },
    ]);
    expect(m.trigger({ name: 'boss-stuck', durationMs: 5_000 }, 2_000)).toEqual([]); // already firing: extended to 7 s
    expect(m.evaluate({}, 6_500)).toEqual([]);
    expect(m.evaluate({}, 7_000)).toMatchObject([{ name: 'boss-stuck', to: 'resolved' }]);
    m.trigger({ name: 'door' }, 8_000);
    expect(m.trigger({ name: 'door', resolve: true }, 9_000)).toMatchObject([{ to: 'resolved' }]);
    expect(() => m.trigger({ name: '' }, 0)).toThrow(/name/);
  });
});

describe('checkHealth', () => {
  const base: HealthInputs = {
    at: 0,
    storage: { thread: 'worker', backend: 'indexeddb', ready: true, problems: [] },
    store: { pending: 0, stalledMs: 0, behind: false, deadStores: 0, quotaEvicted: 0, quotaRefused: 0, quotaNotices: 0, emergencyWritable: true },
    counters: { dropped: 0, droppedByStore: 0, lostOnUnload: 0, internalErrors: 0, badInput: 0 },
    fps: 60,
    errorRate: 0,
    alerts: [],
    recentAnomalies: 0,
  };

  it('is ok when all is well, and says why when it is not', () => {
    expect(assessHealth(base)).toEqual({ status: 'ok', reasons: [], at: 0 });
    const memory = assessHealth({ ...base, storage: { ...base.storage, backend: 'memory' }, counters: { ...base.counters, dropped: 3 } });
    expect(memory.status).toBe('degraded');
    expect(memory.reasons.map((r) => r.what)).toEqual(['storage', 'drops']);
    expect(assessHealth({ ...base, fps: 12 }).status).toBe('critical');
    expect(assessHealth({ ...base, errorRate: 0.3 }).reasons[0]!.message).toBe('30% of agent calls failing');
    expect(assessHealth({ ...base, storage: { ...base.storage, ready: false } }).status).toBe('critical');
  });
});
