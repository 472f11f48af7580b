/** A fake OverlaySource and helpers for the panels' component tests (happy-dom). */
import { render, type ComponentChildren } from 'preact';
import { act } from 'preact/test-utils';
import { vi } from 'vitest';
import type { AlertRule, AlertStatus } from '../../../src/analytics/alerts';
import type { Anomaly, EngineStats } from '../../../src/analytics/engine';
import type { HealthReport } from '../../../src/analytics/health';
import type { PinReport } from '../../../src/store/pins';
import type { MethodStats } from '../../../src/analytics/stats';
import type { Trend, TrendReport } from '../../../src/analytics/trends';
import type { TraceEntry } from '../../../src/core/entry';
import { ChartFactoryContext, type ChartData, type ChartFactory, type ChartSpec } from '../../../src/overlay/charts';
import type { OverlayQuery, OverlaySnapshot, OverlaySource } from '../../../src/overlay/source';
import { createOverlayState, type OverlayState } from '../../../src/overlay/state';

export function snapshot(over: Partial<OverlaySnapshot> = {}): OverlaySnapshot {
  return {
    sessionId: 's1',
    elapsed: 90_000,
    counters: {
      logged: 5000,
      rejected: 0,
      truncated: 2,
      redacted: 0,
      dropped: 0,
      droppedByStore: 0,
      internalErrors: 0,
      acked: 4990,
      stored: 12_345,
      storedBytes: 3_145_728,
      evicted: 1000,
      deleted: 10,
      recovered: 0,
      lostOnUnload: 0,
      paused: 0,
    },
    pending: 10,
    fps: 60,
    frame: 5400,
    capacity: 100_000,
    store: { ready: true, thread: 'worker', backend: 'indexeddb', problems: [], totals: { stored: 12_345, bytes: 3_145_728, evicted: 1000, deleted: 10, appended: 13_355, quotaEvicted: 0, abandoned: 0 } },
    hookProblems: [],
    unsupported: [],
    paused: false,
    analytics: true,
    quota: { usage: 52_428_800, quota: 1_048_576_000 },
    ...over,
  };
}

export function method(agent: string, name: string, over: Partial<MethodStats> = {}): MethodStats {
  return {
    agent,
    method: name,
    calls: 10,
    errors: 0,
    errorRate: 0,
    p50: 1,
    p90: 2,
    p95: 3,
    p99: 4,
    max: 5,
    mean: 1.5,
    totalMs: 15,
    lastTs: 1000,
    last60s: { calls: 10, errors: 0, errorRate: 0, p95: 3 },
    ...over,
  };
}

const rate = (count: number, perSecondLast60s: number) => ({ count, perSecond: perSecondLast60s, last60s: count, perSecondLast60s });

export function stats(methods: MethodStats[] = []): EngineStats {
  return {
    sketchRelativeError: 0.01,
    sessionId: 's1',
    sessions: 1,
    now: 90_000,
    elapsedMs: 90_000,
    total: rate(5000, 55),
    errors: rate(12, 0.2),
    kinds: { state: rate(0, 0), player: rate(100, 1.5), system: rate(10, 0.1), agent: rate(3000, 33), perf: rate(90, 1), error: rate(12, 0.2), custom: rate(0, 0) },
    levels: {},
    types: {},
    sources: {},
    calls: { count: 3000, errors: 30, errorRate: 0.01, latency: { count: 3000, p50: 1.25, p90: 4, p95: 6.5, p99: 21.5, min: 0.1, max: 40, mean: 2 } },
    methods,
    frames: {
      frames: 5400,
      frameTime: { count: 5400, p50: 16.6, p90: 17, p95: 18, p99: 30, min: 8, max: 60, mean: 16.7 },
      avgFps: 59.8,
      low1Fps: 33,
      hitches: 2,
      hitchesPerMinute: 1.3,
      hitchEntries: 0,
      last60s: { frames: 3600, avgFps: 59.8, p95: 18, hitches: 1 },
    },
    truncated: 2,
    redacted: 0,
    player: {} as EngineStats['player'],
    engine: { entries: 5000, ms: 4.5, nsPerEntry: 900 },
  };
}

function trend(metric: string, t: number[], value: (number | null)[]): Trend {
  return { metric, unit: '', points: value.length, mean: null, last: value[value.length - 1] ?? null, slopePerSecond: null, change: null, t: null, direction: 'flat', series: { t, value, smoothed: value } };
}

export function trends(timeframe = '30s'): TrendReport {
  const t = [60_000, 61_000, 62_000];
  return {
    timeframe,
    windowMs: 30_000,
    from: 60_000,
    to: 63_000,
    bucketMs: 1000,
    rule: { flatFraction: 0.1, minT: 2, minPoints: 3 },
    metrics: [
      trend('eventRate', t, [100, 120, 110]),
      trend('errorsPerSecond', t, [0, 1, 0]),
      trend('errorRate', t, [0, 0.02, null]),
      trend('latencyP95', t, [5, 6, 7]),
      trend('frameTimeP95', t, [16, 17, 25]),
      trend('fps', t, [60, 59, 40]),
      trend('latencyP95:npc.decide', t, [8, 9, 10]),
    ],
  };
}

export function anomaly(over: Partial<Anomaly> = {}): Anomaly {
  return {
    id: 1,
    metric: 'frameTime',
    kind: 'spike',
    severity: 'warning',
    from: 75_000,
    to: 76_000,
    seqFrom: 4100,
    seqTo: 4180,
    value: 48.2,
    expected: 16.7,
    low: 14,
    high: 19.5,
    z: 9.1,
    score: 0.8,
    reason: 'frame time p95 jumped to 48.2 ms',
    ...over,
  } as Anomaly;
}

export const RULES: AlertRule[] = [
  { name: 'low-fps', metric: 'fps', op: '<', threshold: 30, clearAt: 35, forMs: 3_000, keepFiringForMs: 2_000, severity: 'warning' },
  { name: 'error-rate', metric: 'errorRate', op: '>', threshold: 0.05, clearAt: 0.02, forMs: 5_000, severity: 'critical' },
];

export function alertStatus(over: Partial<AlertStatus> = {}): AlertStatus {
  return { name: 'error-rate', state: 'firing', severity: 'critical', summary: 'errorRate > 0.05', value: 0.12, activeAt: 70_000, firedAt: 75_000, resolvedAt: null, fired: 1, origin: 'rule', ...over };
}

export function span(seq: number, over: Partial<TraceEntry> = {}): TraceEntry {
  return { seq, ts: 1000 + seq, sessionId: 's1', kind: 'agent', type: 'npc.decide', level: 'info', source: 'npc', method: 'decide', frame: 1, spanId: seq, dur: 1, status: 'ok', ...over };
}

export interface Fake {
  source: OverlaySource;
  snap: OverlaySnapshot;
  calls: Record<string, unknown[][]>;
}

/** A source whose analytics answer with the given values (a function that throws: the promise rejects). */
export function fakeSource(o: {
  snap?: OverlaySnapshot;
  stats?: EngineStats | Error;
  trends?: TrendReport | Error;
  anomalies?: { anomalies: Anomaly[]; total: number } | Error;
  alerts?: { statuses: AlertStatus[]; rules: AlertRule[] } | Error;
  health?: HealthReport | Error;
  query?: (q: OverlayQuery) => TraceEntry[];
  /** The store's pins: pin() adds one over the last `lastMs` of snap.elapsed, unpin() removes one. */
  pins?: PinReport;
} = {}): Fake {
  const pins: PinReport = o.pins ?? { pins: [], released: 0, pinnedEntries: 0 };
  const snap = o.snap ?? snapshot();
  const calls: Record<string, unknown[][]> = {};
  const answer = <T,>(name: string, v: T | Error | undefined, fallback: () => T) =>
    vi.fn((...args: unknown[]) => {
      (calls[name] ??= []).push(args);
      if (v instanceof Error) return Promise.reject(v);
      return Promise.resolve(v ?? fallback());
    });
  const source: OverlaySource = {
    snapshot: () => snap,
    tail: async () => [],
    query: vi.fn(async (q: OverlayQuery) => {
      (calls.query ??= []).push([q]);
      return { entries: o.query ? o.query(q) : [], next: null, blocksRead: 0 };
    }),
    stats: answer('stats', o.stats, () => stats()),
    trends: answer('trends', o.trends, () => trends()),
    patterns: answer('patterns', undefined, () => ({}) as never),
    anomalies: answer('anomalies', o.anomalies, () => ({ anomalies: [], total: 0 })),
    alerts: answer('alerts', o.alerts, () => ({ statuses: [], rules: RULES })),
    health: answer('health', o.health, () => ({ status: 'ok', reasons: [], at: 90_000 }) as HealthReport),
    pins: answer('pins', undefined, () => ({ ...pins, pins: pins.pins.map((p) => ({ ...p })) })),
    pin: vi.fn(async (lastMs: number) => {
      (calls.pin ??= []).push([lastMs]);
      const pin = { id: pins.pins.reduce((m, p) => Math.max(m, p.id), 0) + 1, sessionId: snap.sessionId, fromTs: snap.elapsed - lastMs, toTs: snap.elapsed, reason: 'user' as const, label: 'the last 30 s' };
      pins.pins.push({ ...pin, entries: 0, blocks: 0 });
      return pin;
    }),
    unpin: vi.fn(async (id: number) => {
      (calls.unpin ??= []).push([id]);
      const n = pins.pins.length;
      pins.pins = pins.pins.filter((p) => p.id !== id);
      return pins.pins.length < n;
    }),
    download: async () => {},
    downloadChromeTrace: async () => {},
    openTraceFile: async () => ({}) as never,
    setPaused: () => {},
    clear: async () => {},
  };
  return { source, snap, calls };
}

/** A chart factory that records what each chart was made with and fed. */
export function recordingCharts() {
  const charts: { spec: ChartSpec; data: ChartData[]; destroyed: boolean; el: HTMLElement }[] = [];
  const factory: ChartFactory = (el, spec) => {
    const rec = { spec, data: [] as ChartData[], destroyed: false, el };
    charts.push(rec);
    return {
      setData: (d) => void rec.data.push(d),
      resize: () => {},
      destroy: () => void (rec.destroyed = true),
    };
  };
  const byLabel = (part: string) => charts.find((c) => c.spec.label.includes(part));
  return { charts, factory, byLabel };
}

export interface Mounted {
  root: HTMLElement;
  state: OverlayState;
  text(): string;
  unmount(): void;
}

/** Renders `ui(state)` into a fresh element, with the chart factory given (if any), and waits for the first fetches. */
export async function mount(source: OverlaySource, ui: (state: OverlayState) => ComponentChildren, factory?: ChartFactory): Promise<Mounted> {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const state = createOverlayState(source, true);
  const tree = factory ? <ChartFactoryContext.Provider value={factory}>{ui(state)}</ChartFactoryContext.Provider> : ui(state);
  await act(() => {
    render(tree, root);
  });
  await settle();
  return {
    root,
    state,
    text: () => root.textContent ?? '',
    unmount: () => {
      // Preact runs effect cleanups of an unmount after paint; act flushes them.
      act(() => {
        render(null, root);
      });
      root.remove();
    },
  };
}

/** Lets pending promises resolve and Preact re-render. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
  }
}

export async function click(el: Element | null | undefined): Promise<void> {
  if (!el) throw new Error('nothing to click');
  await act(() => {
    (el as HTMLElement).click();
  });
  await settle();
}

export function buttonByText(root: ParentNode, text: string | RegExp): HTMLButtonElement | undefined {
  return [...root.querySelectorAll('button')].find((b) => (typeof text === 'string' ? b.textContent?.trim() === text : text.test(b.textContent ?? ''))) as HTMLButtonElement | undefined;
}
