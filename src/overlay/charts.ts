/**
 * A small uPlot wrapper for the overlay's panels, and the polling they share.
 *
 * A chart is created once when its panel mounts, fed with `setData` (never
 * re-created per refresh), resized from its container (ResizeObserver where
 * the browser has it) and destroyed on unmount. Its data comes through a
 * signal, so a refresh reaches the canvas without re-rendering the panel.
 * Canvas colours are read from the overlay's CSS variables (dark and light
 * themes) when a chart is made and again when the theme changes (the shell's
 * class), never per draw: a style read in a refresh forces a style recalc.
 * Charts are drawn one per animation frame (see chartFeed).
 *
 * The factory is injectable (ChartFactoryContext) so component tests run
 * without a canvas.
 */
import type { ReadonlySignal } from '@preact/signals';
import { createContext, createElement, type JSX } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { timers } from './timers';
import { objectPrototypePolluted } from '../core/builtins';

/**
 * Charts fetch their data at most 4 times a second, as the text does
 * (REFRESH_MS): their points are buckets of a second or more, each redraw
 * of a uPlot chart is a whole canvas, and the metrics tab has five or six.
 */
export const CHART_MS = 250;
export const CHART_HEIGHT = 110;

/** Colours by the name of a CSS variable of the overlay (without `--`). */
export type ChartColor = 'accent' | 'ok' | 'warn' | 'err' | 'dim' | 'c1' | 'c2' | 'c3' | 'c4';

export interface ChartLine {
  label: string;
  color: ChartColor;
  dash?: number[];
  width?: number;
}

/** A horizontal reference line (the frame budget). */
export interface ChartMark {
  value: number;
  label: string;
  color: ChartColor;
}

export interface ChartSpec {
  /** What the chart shows (its accessible name). */
  label: string;
  series: ChartLine[];
  /** Reference lines; a function is read at every draw (the budget may change). */
  marks?: ChartMark[] | (() => ChartMark[]);
  /** The y axis always starts here (default 0)... */
  yMin?: number;
  /** ...and reaches at least this far (besides the marks, which it always includes). */
  yAtLeast?: number;
  /** y-axis values as text. */
  format?: (v: number) => string;
  /** x-axis values as text (default: seconds of session time). */
  xFormat?: (v: number) => string;
  height?: number;
}

/** x (seconds of session time), then one array per series (null: no value). */
export type ChartData = [number[], ...(number | null)[][]];

export interface ChartHandle {
  setData(data: ChartData): void;
  resize(width: number, height: number): void;
  destroy(): void;
}

export type ChartFactory = (el: HTMLElement, spec: ChartSpec, size: { width: number; height: number }) => ChartHandle;

const FALLBACK: Record<ChartColor | 'fg' | 'line', string> = {
  accent: '#6cb6ff',
  ok: '#4cc38a',
  warn: '#f0b541',
  err: '#ff6b6b',
  dim: '#8b93a1',
  c1: '#6cb6ff',
  c2: '#c297ff',
  c3: '#4cc38a',
  c4: '#f0b541',
  fg: '#e3e6eb',
  line: '#2a2f39',
};

type Palette = Record<ChartColor | 'fg' | 'line', string>;

/** The overlay's CSS variables named by `fallback`'s keys (without `--`), read once; the fallback where one is unset or unreadable. */
export function cssVars<K extends string>(el: Element, fallback: Readonly<Record<K, string>>): Record<K, string> {
  const out = { ...fallback } as Record<K, string>;
  let css: CSSStyleDeclaration | null = null;
  try {
    css = getComputedStyle(el);
  } catch {
    return out;
  }
  for (const k of Object.keys(fallback) as K[]) {
    const v = css.getPropertyValue(`--${k}`).trim();
    if (v) out[k] = v;
  }
  return out;
}

const readPalette = (el: HTMLElement): Palette => cssVars(el, FALLBACK);

export function marksOf(spec: ChartSpec): ChartMark[] {
  const m = spec.marks;
  return typeof m === 'function' ? m() : (m ?? []);
}

/** The y range: from yMin, up to the data, yAtLeast and every mark, with a little headroom. */
export function yRange(spec: ChartSpec, dataMax: number | null): [number, number] {
  const lo = spec.yMin ?? 0;
  let hi = dataMax !== null && Number.isFinite(dataMax) ? dataMax : lo;
  if (spec.yAtLeast !== undefined) hi = Math.max(hi, spec.yAtLeast);
  for (const m of marksOf(spec)) hi = Math.max(hi, m.value * 1.15);
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi * 1.08];
}

/** Per document: whether it gives a canvas a 2D context (asked once). */
const drawable = new WeakMap<Document, boolean>();

/**
 * Whether this document can draw on a canvas. uPlot draws in a microtask after
 * its constructor returns, so a missing 2D context (happy-dom, a browser with
 * canvas disabled, a hardened embed) would throw there, out of reach of any
 * catch: the factory checks first and throws where the Chart component can
 * catch it.
 */
function canDraw(el: HTMLElement): boolean {
  const doc = el.ownerDocument;
  let ok = drawable.get(doc);
  if (ok === undefined) {
    try {
      ok = doc.createElement('canvas').getContext('2d') !== null;
    } catch {
      ok = false;
    }
    drawable.set(doc, ok);
  }
  return ok;
}

/** The default factory: a uPlot line chart without its own legend (the panel writes one as text). */
export const uplotChart: ChartFactory = (el, spec, size) => {
  if (!canDraw(el)) throw new Error('no 2D canvas context');
  let palette = readPalette(el);
  const px = () => (typeof uPlot.pxRatio === 'number' ? uPlot.pxRatio : 1);
  const font = () => '10px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
  const axisStroke = () => palette.dim;
  const grid = { stroke: () => palette.line, width: 1 };
  const fmt = spec.format ?? ((v: number) => String(v));
  const opts: uPlot.Options = {
    width: size.width,
    height: size.height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 5 } },
    scales: {
      x: { time: false },
      y: { range: (_u, _min, max) => yRange(spec, max) },
    },
    axes: [
      // Ticks closer than a second apart (a young session) keep their tenths, so labels do not repeat.
      { stroke: axisStroke, grid, ticks: { show: false }, font: font(), size: 22, values: (_u, vals) => (spec.xFormat ? vals.map((v) => spec.xFormat!(v)) : vals.length > 1 && vals[1]! - vals[0]! < 1 ? vals.map((v) => `${v.toFixed(1)}s`) : vals.map((v) => sessionTime(v))) },
      { stroke: axisStroke, grid, ticks: { show: false }, font: font(), size: 44, space: 18, values: (_u, vals) => vals.map((v) => fmt(v)) },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.label,
        stroke: () => palette[s.color],
        width: s.width ?? 1.5,
        ...(s.dash ? { dash: s.dash } : {}),
        points: { show: false },
      })),
    ],
    hooks: {
      draw: [
        (u: uPlot) => {
          const marks = marksOf(spec);
          if (marks.length === 0) return;
          const ctx = u.ctx;
          const r = px();
          ctx.save();
          ctx.font = `${10 * r}px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace`;
          ctx.lineWidth = r;
          ctx.setLineDash([4 * r, 3 * r]);
          ctx.textAlign = 'left';
          ctx.textBaseline = 'bottom';
          for (const m of marks) {
            const y = Math.round(u.valToPos(m.value, 'y', true));
            if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) continue;
            ctx.strokeStyle = palette[m.color];
            ctx.fillStyle = palette[m.color];
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.fillText(m.label, u.bbox.left + 4 * r, y - 3 * r);
          }
          ctx.restore();
        },
      ],
    },
  };
  const empty: uPlot.AlignedData = [[], ...spec.series.map(() => [])];
  // uPlot walks its options with for...in, and fails in its own deferred redraws (which we cannot catch)
  // when the page gave Object.prototype enumerable properties: no chart then, the text says it all.
  if (objectPrototypePolluted()) throw new Error('Object.prototype has enumerable properties');
  const plot = new uPlot(opts, empty, el);
  // The theme changed (the system's or the overlay's own switch: the shell's class): colours read again, once.
  const shell = el.closest('.shell');
  const themes =
    shell && typeof MutationObserver === 'function'
      ? new MutationObserver(() => {
          palette = readPalette(el);
          if (!objectPrototypePolluted()) plot.redraw();
        })
      : null;
  if (shell) themes?.observe(shell, { attributes: true, attributeFilter: ['class'] });
  return {
    setData: (data) => {
      if (!objectPrototypePolluted()) plot.setData(data as uPlot.AlignedData, true);
    },
    resize: (width, height) => {
      if (!objectPrototypePolluted()) plot.setSize({ width, height });
    },
    destroy: () => {
      themes?.disconnect();
      plot.destroy();
    },
  };
};

/** Seconds of session time as text for an axis: `42s`, `3:05`, `1:02:03`. */
export function sessionTime(s: number): string {
  if (!Number.isFinite(s)) return '';
  const neg = s < 0;
  let t = Math.round(Math.abs(s));
  const h = Math.floor(t / 3600);
  t -= h * 3600;
  const m = Math.floor(t / 60);
  const sec = t - m * 60;
  const out = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : m > 0 ? `${m}:${String(sec).padStart(2, '0')}` : `${sec}s`;
  return neg ? `-${out}` : out;
}

export const ChartFactoryContext = createContext<ChartFactory>(uplotChart);

/**
 * One chart: created on mount, fed from `data` (setData, no re-render),
 * sized from its container, destroyed on unmount. Keep `spec` and `data`
 * stable (useMemo): a new one re-creates the chart.
 */
export function Chart({ spec, data, class: cls }: { spec: ChartSpec; data: ReadonlySignal<ChartData | null>; class?: string }): JSX.Element {
  const factory = useContext(ChartFactoryContext);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const height = spec.height ?? CHART_HEIGHT;
    const width = () => Math.max(120, Math.floor(el.clientWidth || 400));
    let w = width();
    let handle: ChartHandle | null = null;
    try {
      handle = factory(el, spec, { width: w, height });
    } catch {
      // No canvas here (a headless test, a locked-down browser): the text around the chart still says it all.
      el.classList.add('no-canvas');
      return;
    }
    const feed = chartFeed(handle);
    const unsubscribe = data.subscribe((d) => {
      if (d) feed.push(d);
    });
    let ro: ResizeObserver | null = null;
    if (typeof ResizeObserver === 'function') {
      ro = new ResizeObserver(() => {
        const nw = width();
        if (nw !== w) {
          w = nw;
          h.resize(w, height);
        }
      });
      ro.observe(el);
    }
    const h = handle;
    return () => {
      ro?.disconnect();
      unsubscribe();
      feed.stop();
      h.destroy();
    };
  }, [factory, spec, data]);
  return createElement('div', { ref: box, class: `plot${cls ? ` ${cls}` : ''}`, role: 'img', 'aria-label': spec.label });
}

/** The same points again: nothing to draw. */
export function sameChartData(a: ChartData | null, b: ChartData): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

interface Feed {
  handle: ChartHandle;
  next: ChartData | null;
  last: ChartData | null;
  live: boolean;
}

/**
 * uPlot redraws its whole canvas on every setData, so a panel that refreshes
 * five charts at once would draw five in one frame: charts are fed through
 * one queue, at most one chart drawn per animation frame (the newest data of
 * each, unchanged data not at all).
 */
const waiting: Feed[] = [];
let draining = false;

function drainOne(): void {
  let f: Feed | undefined;
  while ((f = waiting.shift()) && !f.live);
  try {
    if (f && f.next) {
      const d = f.next;
      f.next = null;
      f.last = d;
      f.handle.setData(d);
    }
  } catch {
    // One chart that fails to draw (its canvas gone, uPlot on odd data) neither throws into the page
    // from this frame callback nor stops the queue: the others, and its next data, are still drawn.
  } finally {
    draining = waiting.length > 0;
    if (draining) timers.requestFrame(drainOne);
  }
}

export function chartFeed(handle: ChartHandle): { push(d: ChartData): void; stop(): void } {
  const f: Feed = { handle, next: null, last: null, live: true };
  return {
    push(d) {
      if (f.next === null ? sameChartData(f.last, d) : sameChartData(f.next, d)) return;
      if (f.next === null) waiting.push(f);
      f.next = d;
      if (!draining) {
        draining = true;
        timers.requestFrame(drainOne);
      }
    },
    stop() {
      f.live = false;
    },
  };
}

/**
 * Runs `tick` now and every `ms` while the component is mounted and the page
 * is visible, never two at once; restarts when `ms` or `deps` change. A null
 * `ms` polls nothing (no timer at all). `phase` (ms, below `ms`) shifts the
 * ticks after the first: two polls of one panel with the same period, one of
 * them shifted, do their work (and their renders) in different frames.
 */
export function usePolling(tick: () => Promise<unknown> | unknown, ms: number | null, deps: readonly unknown[], phase = 0): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (ms === null) return;
    let busy = false;
    let alive = true;
    // async/await, not .then: `await` on a native promise does not look up the page's Promise.prototype.then.
    const run = async () => {
      if (busy || !alive) return;
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
      busy = true;
      try {
        await latest.current();
      } catch {
        /* a failed poll: the panel shows its own error, the next tick tries again */
      } finally {
        busy = false;
      }
    };
    run();
    let id: ReturnType<typeof timers.setInterval> | null = null;
    const start = () => {
      if (!alive) return;
      if (phase > 0) run();
      id = timers.setInterval(run, ms);
    };
    const delay = phase > 0 ? timers.setTimeout(start, phase) : null;
    if (delay === null) start();
    return () => {
      alive = false;
      timers.clearTimeout(delay);
      timers.clearInterval(id);
    };
  }, [ms, phase, ...deps]);
}
