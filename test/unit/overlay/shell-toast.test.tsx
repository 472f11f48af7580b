// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertStatus } from '../../../src/analytics/alerts';
import type { Anomaly } from '../../../src/analytics/engine';
import type { OverlaySnapshot } from '../../../src/overlay/source';
import {
  countWarnings,
  Toaster,
  ToastLimiter,
  TOAST_INTERVAL_MS,
  TOAST_SHOW_MS,
  WarningTracker,
  type ToastMessage,
  type Warning,
} from '../../../src/overlay/toast';

const w = (key: string, severity: Warning['severity'] = 'warning'): Warning => ({ key, text: `warning ${key}`, severity });

function anomaly(id: number, to: number, extra: Partial<Anomaly> = {}): Anomaly {
  return { id, metric: 'frameTime', kind: 'spike', severity: 'warning', from: to - 1000, to, seqFrom: 1, seqTo: 2, value: 50, expected: 16, low: 10, high: 20, z: 9, score: 1, reason: 'spike', ...extra };
}
function alert(name: string, state: AlertStatus['state'], firedAt: number | null = null): AlertStatus {
  return { name, state, severity: 'critical', summary: `${name} is high`, value: 1, activeAt: firedAt, firedAt, resolvedAt: null, fired: firedAt === null ? 0 : 1, origin: 'rule' };
}
const snap = (elapsed: number, extra: Partial<OverlaySnapshot> = {}) =>
  ({
    elapsed,
    counters: { dropped: 0, droppedByStore: 0 },
    store: { problems: [] },
    ...extra,
  }) as unknown as OverlaySnapshot;

describe('the warning count (the badge)', () => {
  it('counts firing alerts and anomalies of the last minute', () => {
    const engine = {
      alerts: [alert('fps-low', 'firing', 1000), alert('error-rate', 'pending'), alert('memory', 'resolved', 500), alert('game', 'firing', 2000)],
      anomalies: [anomaly(1, 10_000), anomaly(2, 100_000), anomaly(3, 150_000)],
    };
    expect(countWarnings(snap(160_000), engine)).toBe(2 + 2); // anomaly 1 is older than a minute
    expect(countWarnings(snap(400_000), engine)).toBe(2);
  });

  it('with analytics off, counts what the snapshot knows: store problems and drops', () => {
    expect(countWarnings(snap(0), null)).toBe(0);
    expect(countWarnings(snap(0, { store: { problems: ['no worker', 'no IndexedDB'] } as never }), null)).toBe(2);
    expect(countWarnings(snap(0, { counters: { dropped: 5, droppedByStore: 0 } as never }), null)).toBe(1);
    expect(countWarnings(snap(0, { counters: { dropped: 5, droppedByStore: 3 } as never, store: { problems: ['x'] } as never }), null)).toBe(2);
  });
});

describe('new warnings', () => {
  it('the first look is the baseline; later, new anomalies and newly firing alerts are new', () => {
    const t = new WarningTracker();
    expect(t.update({ alerts: [alert('fps-low', 'firing', 1000)], anomalies: [anomaly(1, 5000)] }, 6000)).toEqual([]);
    expect(t.update({ alerts: [alert('fps-low', 'firing', 1000)], anomalies: [anomaly(1, 5000)] }, 8000)).toEqual([]);
    const fresh = t.update({ alerts: [alert('fps-low', 'firing', 1000), alert('errors', 'firing', 9000)], anomalies: [anomaly(1, 5000), anomaly(2, 9000, { agent: 'npc.decide', metric: 'latency' })] }, 10_000);
    expect(fresh.map((x) => x.key)).toEqual(['alert:errors:9000', 'anomaly:2']);
    expect(fresh[0]!.text).toBe('alert errors: errors is high');
    expect(fresh[1]!.text).toBe('anomaly: npc.decide spike');
    // Resolved, then firing again: new again.
    expect(t.update({ alerts: [], anomalies: [] }, 12_000)).toEqual([]);
    expect(t.update({ alerts: [alert('fps-low', 'firing', 13_000)], anomalies: [] }, 14_000).map((x) => x.key)).toEqual(['alert:fps-low:13000']);
  });
});

describe('toast rate limit', () => {
  it('shows the first at once, then at most one per 5 s, coalescing what came between', () => {
    const l = new ToastLimiter();
    l.add([w('a')]);
    expect(l.take(0)).toMatchObject({ text: 'warning a', count: 1 });
    l.add([w('b')]);
    expect(l.take(1000)).toBeNull();
    expect(l.wait(1000)).toBe(TOAST_INTERVAL_MS - 1000);
    l.add([w('c', 'critical'), w('d')]);
    expect(l.take(4999)).toBeNull();
    expect(l.take(5000)).toMatchObject({ text: '3 new warnings', count: 3, severity: 'critical' });
    expect(l.wait(5000)).toBeNull();
    expect(l.take(20_000)).toBeNull();
  });

  describe('the toaster', () => {
    beforeEach(() => vi.useFakeTimers({ now: 100_000 }));
    afterEach(() => vi.useRealTimers());

    it('shows one toast per 5 s, coalesces, hides itself, and can be dismissed', () => {
      const out = signal<ToastMessage | null>(null);
      const toaster = new Toaster(out);
      const shown: string[] = [];
      out.subscribe((m) => m && shown.push(m.text));
      toaster.push([w('a')]);
      expect(out.value?.text).toBe('warning a');
      vi.advanceTimersByTime(1000);
      toaster.push([w('b')]);
      toaster.push([w('c')]);
      vi.advanceTimersByTime(1000);
      toaster.push([w('d')]);
      expect(shown).toEqual(['warning a']);
      vi.advanceTimersByTime(3000); // 5 s after the first
      expect(shown).toEqual(['warning a', '3 new warnings']);
      vi.advanceTimersByTime(TOAST_SHOW_MS);
      expect(out.value).toBeNull();
      toaster.push([w('e')]);
      expect(out.value?.text).toBe('warning e');
      toaster.dismiss();
      expect(out.value).toBeNull();
    });

    it('stays while held (focus, hover); stop() drops what is pending and shows nothing', () => {
      const out = signal<ToastMessage | null>(null);
      const toaster = new Toaster(out);
      toaster.push([w('a')]);
      toaster.hold(true);
      vi.advanceTimersByTime(TOAST_SHOW_MS * 3);
      expect(out.value?.text).toBe('warning a');
      toaster.hold(false);
      vi.advanceTimersByTime(TOAST_SHOW_MS);
      expect(out.value).toBeNull();
      toaster.push([w('b')]); // within 5 s of 'a'? no: 18 s later, shown at once
      expect(out.value?.text).toBe('warning b');
      toaster.push([w('c')]);
      toaster.stop();
      expect(out.value).toBeNull();
      vi.advanceTimersByTime(TOAST_INTERVAL_MS * 2);
      expect(out.value).toBeNull();
    });
  });
});
