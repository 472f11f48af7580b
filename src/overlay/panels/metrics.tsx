/**
 * Metrics: live charts of frame time (with the frame budget), FPS, events/s,
 * agent-call latency, error rate and memory, over a window (30 s, 5 min,
 * session). Charts come from the analytics engine's trends (once per bucket,
 * fetched at most 4 times a second, drawn one chart a frame); the text beside
 * them from its stats (4 times a second). When analytics are off, the panel
 * says why and charts what the snapshot has (FPS, events/s).
 */
import { signal, type Signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import type { EngineStats } from '../../analytics/engine';
import type { Trend, TrendReport } from '../../analytics/trends';
import { errorMessage } from '../../core/errors';
import { CHART_MS, Chart, usePolling, type ChartColor, type ChartData, type ChartMark, type ChartSpec } from '../charts';
import { formatCount, formatDuration, formatPercent } from '../format';
import type { OverlaySnapshot, OverlaySource } from '../source';
import { REFRESH_MS, type OverlayState } from '../state';
import { chain } from '../../core/builtins';

export const WINDOWS = [
  { id: '30s', label: '30 s', ms: 30_000 },
  { id: '5m', label: '5 min', ms: 300_000 },
  { id: 'session', label: 'session', ms: Infinity },
] as const;
export type WindowId = (typeof WINDOWS)[number]['id'];

/** The window last chosen, kept while the overlay lives (tabs unmount when left). */
let lastWindow: WindowId = '30s';

/** The 60 Hz frame budget; faster displays get their own line too. */
export const BUDGET_60HZ = 1000 / 60;
const DISPLAY_RATES = [75, 90, 100, 120, 144, 165, 240];
/** Samples of the snapshot kept for its own charts (analytics off, memory): 10 min at 4/s. */
const MAX_SAMPLES = 2_400;
/** Per-method latency lines on the latency chart. */
const METHOD_LINES = 3;
/** The JS heap is read at most this often (its figure moves slowly; Chromium quantises it anyway). */
const MEMORY_MS = 1_000;

/** The JS heap in MB, where the browser reports it (Chromium's performance.memory); null elsewhere. */
export function pageMemoryMb(): number | null {
  const m = (globalThis.performance as (Performance & { memory?: { usedJSHeapSize?: number } }) | undefined)?.memory;
  return m && typeof m.usedJSHeapSize === 'number' && m.usedJSHeapSize > 0 ? Math.round(m.usedJSHeapSize / 1e5) / 10 : null;
}

/** The display's refresh rate guessed from the frame rate: the standard rate it runs at (60 at most ~65 fps). */
export function displayHz(fps: number | null): number {
  if (fps === null || !(fps > 65)) return 60;
  let hz = 60;
  for (const r of DISPLAY_RATES) if (fps >= r * 0.92) hz = r;
  return hz;
}

/** Why analytics give nothing, from the snapshot (null: they should run). */
export function analyticsOffReason(snap: OverlaySnapshot): string | null {
  if (snap.analytics) return null;
  if (!snap.store.ready) return 'the store has not started yet';
  if (snap.store.thread === 'main') return 'the store runs on the main thread here (no worker), and analytics run only in the worker';
  return 'analytics are turned off in the agent\'s options';
}

interface Sample {
  t: number;
  fps: number;
  rate: number;
}

interface ChartSignals {
  frame: Signal<ChartData | null>;
  fps: Signal<ChartData | null>;
  events: Signal<ChartData | null>;
  latency: Signal<ChartData | null>;
  errors: Signal<ChartData | null>;
  memory: Signal<ChartData | null>;
  snapFps: Signal<ChartData | null>;
  snapEvents: Signal<ChartData | null>;
}

const ms = (v: number) => (Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const num = (v: number) => (v >= 100 ? formatCount(v) : Number.isInteger(v) ? String(v) : v.toFixed(v >= 10 ? 0 : 1));
const orDash = (v: number | null | undefined, f: (v: number) => string) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : f(v));

function series(report: TrendReport, metric: string): Trend | undefined {
  return report.metrics.find((m) => m.metric === metric);
}

/** A trend report as chart data: x in seconds, one array per metric (missing metrics: nulls). */
export function trendData(report: TrendReport, metrics: readonly string[], scale = 1): ChartData {
  const base = report.metrics[0]?.series.t ?? [];
  const x = base.map((t) => t / 1000);
  const ys = metrics.map((name) => {
    const s = series(report, name);
    if (!s) return x.map(() => null);
    return s.series.value.map((v) => (v === null ? null : v * scale));
  });
  return [x, ...ys];
}

/** The busiest methods with a latency trend in the report. */
export function methodTrends(report: TrendReport, n = METHOD_LINES): string[] {
  return report.metrics.filter((m) => m.metric.startsWith('latencyP95:')).slice(0, n).map((m) => m.metric);
}

export function MetricsTab({ source, state }: { source: OverlaySource; state: OverlayState }) {
  return <MetricsPanel source={source} state={state} />;
}

export function MetricsPanel({ source, state, readMemory = pageMemoryMb }: { source: OverlaySource; state: OverlayState; readMemory?: () => number | null }) {
  const [win, setWin] = useState<WindowId>(lastWindow);
  const [stats, setStats] = useState<EngineStats | null>(null);
  const [report, setReport] = useState<TrendReport | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [memoryNow, setMemoryNow] = useState<number | null>(null);
  /** The snapshot and rate as of the last text refresh: read here, not from the signals, so their refresh does not render the tab a second time. */
  const [live, setLive] = useState(() => ({ snap: state.snap.peek(), rate: state.rate.peek() }));
  /** The last memory reading and when it was taken (read at most once a second). */
  const memory = useRef<{ at: number; mb: number | null; windowMs: number }>({ at: -Infinity, mb: null, windowMs: Infinity });
  /** The memory readings charted (one a second at most). */
  const memSamples = useRef<{ t: number; mb: number | null }[]>([]);
  const reportRef = useRef<TrendReport | null>(null);
  /** When the text last changed (the text refreshes at most 4 times a second). */
  const textAt = useRef(-Infinity);
  const samples = useRef<Sample[]>([]);
  const charts = useMemo<ChartSignals>(
    () => ({
      frame: signal(null),
      fps: signal(null),
      events: signal(null),
      latency: signal(null),
      errors: signal(null),
      memory: signal(null),
      snapFps: signal(null),
      snapEvents: signal(null),
    }),
    [],
  );
  const hz = useRef(60);

  const snap = live.snap;
  const offReason = analyticsOffReason(snap) ?? failure;
  const analyticsOn = snap.analytics && failure === null;
  const windowMs = WINDOWS.find((w) => w.id === win)!.ms;

  // Charts: the engine's trends, at most 4 times a second (CHART_MS).
  usePolling(
    () => {
      if (!state.snap.peek().analytics) return;
      return chain(
        source.trends(win),
        (r) => {
          const first = reportRef.current === null;
          reportRef.current = r;
          const now = Date.now();
          // The text's own refresh commits the newest report with the stats; here only the first
          // one, or when that refresh is held up (a slow stats answer), so that the tab renders once a refresh.
          if (first || now - textAt.current >= 2 * REFRESH_MS) {
            textAt.current = now;
            setReport(r);
          }
          const methods = methodTrends(r);
          charts.frame.value = trendData(r, ['frameTimeP95']);
          charts.fps.value = trendData(r, ['fps']);
          charts.events.value = trendData(r, ['eventRate', 'errorsPerSecond']);
          charts.latency.value = trendData(r, ['latencyP95', ...methods, ...Array(METHOD_LINES - methods.length).fill('')]);
          charts.errors.value = trendData(r, ['errorRate'], 100);
          if (failure !== null) setFailure(null);
        },
        (err) => setFailure(errorMessage(err)),
      );
    },
    failure === null ? CHART_MS : 2_000,
    [win, failure === null],
  );

  // Text: the engine's stats and the page's own samples, 4 times a second,
  // committed together once the stats are in: one render a refresh.
  usePolling(
    () => {
      const s = state.snap.peek();
      const now = Date.now();
      const t = s.elapsed / 1000;
      const inWindow = <X extends { t: number }>(xs: X[]) => (Number.isFinite(windowMs) ? xs.filter((x) => x.t >= t - windowMs / 1000) : xs);
      // The heap: read, and its chart fed, once a second at most (and at once for a new window).
      const mem = memory.current;
      const fresh = now - mem.at >= MEMORY_MS;
      if (fresh) {
        mem.at = now;
        mem.mb = readMemory();
        const mems = memSamples.current;
        if (mems.length === 0 || mems[mems.length - 1]!.t !== t) mems.push({ t, mb: mem.mb });
        if (mems.length > MAX_SAMPLES) mems.splice(0, mems.length - MAX_SAMPLES);
      }
      if (fresh || mem.windowMs !== windowMs) {
        mem.windowMs = windowMs;
        const shownMem = inWindow(memSamples.current);
        charts.memory.value = [shownMem.map((x) => x.t), shownMem.map((x) => x.mb)];
      }
      const mb = memory.current.mb;
      const list = samples.current;
      if (list.length === 0 || list[list.length - 1]!.t !== t) list.push({ t, fps: s.fps, rate: state.rate.peek() });
      if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
      const shown = inWindow(list);
      const xs = shown.map((x) => x.t);
      charts.snapFps.value = [xs, shown.map((x) => (x.fps > 0 ? x.fps : null))];
      charts.snapEvents.value = [xs, shown.map((x) => x.rate)];
      const commit = () => {
        setMemoryNow(mb);
        setLive({ snap: state.snap.peek(), rate: state.rate.peek() });
        textAt.current = Date.now();
        setReport(reportRef.current);
      };
      if (!s.analytics) return commit();
      return chain(
        source.stats(),
        (st) => {
          setStats(st);
          hz.current = displayHz(st.frames.last60s.avgFps ?? (s.fps > 0 ? s.fps : null));
          commit();
        },
        (err) => {
          setFailure(errorMessage(err));
          commit();
        },
      );
    },
    REFRESH_MS,
    [win],
  );

  const choose = (id: WindowId) => {
    lastWindow = id;
    setWin(id);
  };

  const specs = useMemo(() => makeSpecs(() => hz.current), []);
  const methods = report ? methodTrends(report) : [];

  return (
    <div class="metrics">
      <div class="windows" role="group" aria-label="time window">
        <span class="dim">window</span>
        {WINDOWS.map((w) => (
          <button type="button" class={`win${w.id === win ? ' on' : ''}`} aria-pressed={w.id === win} onClick={() => choose(w.id)}>
            {w.label}
          </button>
        ))}
        {report && analyticsOn && <span class="dim bucket">{report.bucketMs >= 1000 ? `${report.bucketMs / 1000} s` : `${report.bucketMs} ms`} per point</span>}
      </div>

      {!analyticsOn && (
        <div class="analytics-off" role="status">
          Analytics are off: {offReason ?? 'no figures from the engine'}. Showing what the page itself counts (FPS, events/s).
        </div>
      )}

      {analyticsOn ? (
        <div class="figures" key="engine">
          <Figure
            title="frame time p95"
            value={orDash(series0(report, 'frameTimeP95')?.last, (v) => `${ms(v)} ms`)}
            note={budgetNote(hz.current)}
            legend={[{ label: 'p95 per point', color: 'accent' }, { label: 'budget', color: 'warn', dashed: true }]}
          >
            <Chart spec={specs.frame} data={charts.frame} />
          </Figure>
          <Figure
            title="FPS"
            value={orDash(snap.fps > 0 ? snap.fps : null, (v) => v.toFixed(0))}
            note={stats ? `avg ${orDash(stats.frames.avgFps, (v) => v.toFixed(0))} · 1% low ${orDash(stats.frames.low1Fps, (v) => v.toFixed(0))} · hitches ${stats.frames.hitches}` : ''}
            legend={[{ label: 'fps per point', color: 'ok' }]}
          >
            <Chart spec={specs.fps} data={charts.fps} />
          </Figure>
          <Figure
            title="events/s"
            value={formatCount(live.rate)}
            note={stats ? `errors ${num(stats.errors.perSecondLast60s)}/s (60 s)` : ''}
            legend={[{ label: 'all', color: 'accent' }, { label: 'errors', color: 'err' }]}
          >
            <Chart spec={specs.events} data={charts.events} />
            {stats && <Kinds stats={stats} />}
          </Figure>
          <Figure
            title="agent-call latency"
            value={stats ? orDash(stats.calls.latency.p95, (v) => `p95 ${formatDuration(v)}`) : '–'}
            note={
              stats
                ? `session p50 ${orDash(stats.calls.latency.p50, formatDuration)} · p95 ${orDash(stats.calls.latency.p95, formatDuration)} · p99 ${orDash(stats.calls.latency.p99, formatDuration)} · ${formatCount(stats.calls.count)} calls`
                : ''
            }
            legend={[
              { label: 'p95, all methods', color: 'accent' },
              ...methods.map((m, i) => ({ label: `p95 ${m.slice('latencyP95:'.length)}`, color: (['c2', 'c3', 'c4'] as const)[i]!, dashed: true })),
            ]}
          >
            <Chart spec={specs.latency} data={charts.latency} />
          </Figure>
          <Figure
            title="error rate"
            value={orDash(series0(report, 'errorRate')?.last, formatPercent)}
            note={stats ? `session ${formatPercent(stats.calls.errorRate)} of ${formatCount(stats.calls.count)} agent calls failed` : ''}
            legend={[{ label: 'share of agent calls failed', color: 'err' }]}
          >
            <Chart spec={specs.errors} data={charts.errors} />
          </Figure>
        </div>
      ) : (
        <div class="figures" key="page">
          <Figure title="FPS" value={orDash(snap.fps > 0 ? snap.fps : null, (v) => v.toFixed(0))} note="sampled from the page 4 times a second" legend={[{ label: 'fps', color: 'ok' }]}>
            <Chart spec={specs.fps} data={charts.snapFps} />
          </Figure>
          <Figure title="events/s" value={formatCount(live.rate)} note="entries logged per second, counted by the page" legend={[{ label: 'all', color: 'accent' }]}>
            <Chart spec={specs.snapEvents} data={charts.snapEvents} />
          </Figure>
        </div>
      )}

      {memoryNow === null ? (
        <Figure title="memory" value="not reported" note="this browser does not report the JS heap (performance.memory is Chromium-only)" legend={[]} />
      ) : (
        <Figure title="memory" value={`${memoryNow.toFixed(1)} MB`} note="JS heap used, sampled from the page" legend={[{ label: 'MB', color: 'c2' }]}>
          <Chart spec={specs.memory} data={charts.memory} />
        </Figure>
      )}
    </div>
  );
}

function series0(report: TrendReport | null, metric: string): Trend | undefined {
  return report ? series(report, metric) : undefined;
}

function budgetNote(hz: number): string {
  const base = `budget ${BUDGET_60HZ.toFixed(1)} ms a frame at 60 Hz`;
  return hz > 60 ? `${base}; this display runs at ~${hz} Hz: ${(1000 / hz).toFixed(1)} ms` : base;
}

function makeSpecs(hz: () => number): Record<'frame' | 'fps' | 'events' | 'latency' | 'errors' | 'memory' | 'snapEvents', ChartSpec> {
  const line = (label: string, color: ChartColor, dash?: number[]) => (dash ? { label, color, dash } : { label, color });
  const budgetMarks = (): ChartMark[] => {
    const marks: ChartMark[] = [{ value: BUDGET_60HZ, label: '16.7 ms · 60 Hz', color: 'warn' }];
    const h = hz();
    if (h > 60) marks.push({ value: 1000 / h, label: `${(1000 / h).toFixed(1)} ms · ${h} Hz`, color: 'dim' });
    return marks;
  };
  return {
    frame: { label: 'frame time p95 in ms, with the frame budget', series: [line('frame time p95', 'accent')], marks: budgetMarks, format: (v) => `${ms(v)}ms` },
    fps: { label: 'frames per second', series: [line('fps', 'ok')], yAtLeast: 60, format: (v) => v.toFixed(0) },
    events: { label: 'events per second, all and errors', series: [line('events/s', 'accent'), line('errors/s', 'err')], format: num },
    latency: {
      label: 'agent-call latency p95 in ms, all methods and the busiest',
      series: [line('p95 all', 'accent'), line('m1', 'c2', [4, 3]), line('m2', 'c3', [4, 3]), line('m3', 'c4', [4, 3])],
      format: (v) => `${ms(v)}ms`,
    },
    errors: { label: 'error rate in percent of agent calls', series: [line('error rate', 'err')], yAtLeast: 1, format: (v) => `${v.toFixed(v < 10 ? 1 : 0)}%` },
    memory: { label: 'JS heap in MB', series: [line('heap MB', 'c2')], format: (v) => v.toFixed(0) },
    snapEvents: { label: 'events per second', series: [line('events/s', 'accent')], format: num },
  };
}

function Figure({ title, value, note, legend, children }: { title: string; value: string; note: string; legend: { label: string; color: ChartColor; dashed?: boolean }[]; children?: ComponentChildren }) {
  return (
    <section class="figure" aria-label={title}>
      <div class="fig-head">
        <span class="fig-title">{title}</span>
        <span class="fig-value">{value}</span>
      </div>
      {legend.length > 0 && (
        <div class="legend">
          {legend.map((l) => (
            <span class="lg">
              <i class={`sw sw-${l.color}${l.dashed ? ' dashed' : ''}`} aria-hidden="true" />
              {l.label}
            </span>
          ))}
        </div>
      )}
      {children}
      {note && <div class="fig-note">{note}</div>}
    </section>
  );
}

/** Events per second by kind over the last minute (the stats collector's counters). */
function Kinds({ stats }: { stats: EngineStats }) {
  const rows = Object.entries(stats.kinds).filter(([, c]) => c.count > 0);
  if (rows.length === 0) return null;
  return (
    <div class="kinds" aria-label="events per second by kind, last 60 s">
      {rows.map(([k, c]) => (
        <span class="kind-rate">
          <span class={`k-${k}`}>{k}</span> {num(c.perSecondLast60s)}/s
        </span>
      ))}
    </div>
  );
}
