/**
 * Draws the flame chart on its canvas: a time axis, then one row per level
 * shown, each span a rectangle coloured by what it says (ok, slow, failed)
 * with its name where it fits. The work is bounded by the canvas, not the
 * trace: spans outside the view are skipped by binary search, and spans
 * narrower than a pixel that touch are drawn as one dim rectangle (as
 * Chrome DevTools and speedscope merge sub-pixel frames), so a level costs
 * at most about one rectangle per pixel of width.
 */
import { formatDuration } from '../format';
import { BUDGET_60HZ } from './metrics';
import { firstEndingAfter, fitText, spanName, type FlameLayout, type FlameSpan } from './flame-layout';
import { AXIS_H, ROW_H, xOf, type Size, type Viewport } from './flame-view';

/** The overlay's CSS variables the chart uses (dark theme fallbacks). */
export const FLAME_COLORS = {
  bg: '#111318',
  bg2: '#1a1d24',
  fg: '#e3e6eb',
  dim: '#8b93a1',
  line: '#2a2f39',
  accent: '#6cb6ff',
  warn: '#f0b541',
  err: '#ff6b6b',
};
export type FlamePalette = typeof FLAME_COLORS;

export const FONT = '10px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
/** Spans narrower than this (CSS pixels) merge with their touching neighbours. */
const MERGE_PX = 1;
/** A label needs room for this many characters. */
const MIN_LABEL_CHARS = 3;

export interface FlameMarks {
  selected: FlameSpan | null;
  hovered: FlameSpan | null;
}

/** A span's fill: failed, slower than a 60 Hz frame, or fine. */
export function fillOf(s: FlameSpan, p: FlamePalette): string {
  const e = s.row.e;
  return e.status === 'error' ? p.err : (e.dur ?? 0) > BUDGET_60HZ ? p.warn : p.accent;
}

/** Axis ticks: a step of 1, 2 or 5 × 10^k ms that puts them at least `minPx` apart. */
export function ticks(v: Viewport, width: number, minPx = 80): { step: number; times: number[] } {
  const span = v.to - v.from;
  const raw = (span * minPx) / Math.max(1, width);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const times: number[] = [];
  for (let t = Math.ceil(v.from / step) * step; t <= v.to && times.length < 100; t += step) times.push(t);
  return { step, times };
}

/** A tick's label: seconds of session time with as many decimals as the step needs. */
export function tickLabel(t: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / 1000))));
  return `${(t / 1000).toFixed(decimals)}s`;
}

/**
 * Draws `layout` in view `v` on `ctx`, whose canvas is `size` CSS pixels at
 * `dpr` device pixels each. `charW` is the width of one character of FONT
 * (the font is monospaced). Returns the rectangles drawn (for the tests'
 * bound on the work).
 */
export function drawFlame(ctx: CanvasRenderingContext2D, layout: FlameLayout, v: Viewport, size: Size, dpr: number, p: FlamePalette, charW: number, marks: FlameMarks): number {
  const w = size.width;
  const h = AXIS_H + size.rows * ROW_H;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, w, h);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  // The axis: ticks and their lines down the rows.
  const { step, times } = ticks(v, w);
  ctx.fillStyle = p.bg2;
  ctx.fillRect(0, 0, w, AXIS_H);
  ctx.fillStyle = p.line;
  for (const t of times) ctx.fillRect(Math.round(xOf(v, t, w)), AXIS_H, 1, h - AXIS_H);
  ctx.fillRect(0, AXIS_H - 1, w, 1);
  ctx.fillStyle = p.dim;
  ctx.textAlign = 'left';
  for (const t of times) {
    const x = Math.round(xOf(v, t, w));
    if (x + 3 + 8 * charW <= w) ctx.fillText(tickLabel(t, step), x + 3, AXIS_H / 2);
  }

  let rects = 0;
  for (let row = 0; row < size.rows; row++) {
    const level = layout.levels[v.top + row];
    if (!level) break;
    const y = AXIS_H + row * ROW_H;
    // A run of merged sub-pixel spans: [runX0, runX1) in CSS pixels.
    let runX0 = 0;
    let runX1 = -Infinity;
    const flush = () => {
      if (runX1 === -Infinity) return;
      ctx.fillStyle = p.dim;
      ctx.fillRect(runX0, y + 3, Math.max(1, runX1 - runX0), ROW_H - 6);
      rects++;
      runX1 = -Infinity;
    };
    for (let i = firstEndingAfter(level, v.from); i < level.length; i++) {
      const s = level[i]!;
      if (s.row.start > v.to) break;
      const x0 = xOf(v, s.row.start, w);
      const x1 = xOf(v, s.row.end, w);
      if (x1 - x0 < MERGE_PX) {
        if (runX1 !== -Infinity && x0 - runX1 > MERGE_PX) flush();
        if (runX1 === -Infinity) runX0 = x0;
        runX1 = Math.max(runX1, x1, x0 + MERGE_PX);
        continue;
      }
      flush();
      // Clipped to the canvas, so a deep zoom draws no rectangle millions of pixels wide.
      const left = Math.max(-2, x0);
      const right = Math.min(w + 2, x1);
      ctx.fillStyle = fillOf(s, p);
      ctx.fillRect(left, y + 1, Math.max(1, right - left - 1), ROW_H - 2);
      rects++;
      const chars = Math.floor((right - Math.max(0, left) - 6) / charW);
      if (chars >= MIN_LABEL_CHARS) {
        ctx.fillStyle = p.bg;
        ctx.fillText(fitText(label(s), chars), Math.max(0, left) + 3, y + ROW_H / 2 + 0.5);
      }
    }
    flush();
  }

  // Hover and selection on top: outlines, so the fill still tells the status.
  for (const [s, lw] of [
    [marks.hovered, 1],
    [marks.selected, 2],
  ] as const) {
    if (!s || s.level < v.top || s.level >= v.top + size.rows) continue;
    const x0 = Math.max(-2, xOf(v, s.row.start, w));
    const x1 = Math.min(w + 2, Math.max(x0 + 2, xOf(v, s.row.end, w)));
    ctx.strokeStyle = p.fg;
    ctx.lineWidth = lw;
    ctx.strokeRect(x0 + lw / 2, AXIS_H + (s.level - v.top) * ROW_H + lw / 2, Math.max(1, x1 - x0 - lw), ROW_H - lw);
  }
  return rects;
}

function label(s: FlameSpan): string {
  const dur = s.row.e.dur;
  return dur !== undefined ? `${spanName(s.row)} ${formatDuration(dur)}` : spanName(s.row);
}
