/**
 * The flame chart's viewport and what moves it: the time range on x and the
 * first level shown on y, zoom around a point, pan, fit, the span under a
 * point, and the keyboard's selection between spans and levels. Pure: the
 * canvas controller (flame-chart.ts) holds the state and draws it.
 */
import { firstEndingAfter, nearestAt, type FlameLayout, type FlameSpan } from './flame-layout';

/** CSS pixels. */
export const ROW_H = 16;
export const AXIS_H = 16;
/** Levels shown at once; more scroll (drag up and down, or the arrow keys). */
export const MAX_ROWS = 12;
/** The narrowest time range a zoom reaches (ms): 1 µs. */
export const MIN_SPAN = 0.001;
/** A span narrower than this still takes this much to hover or click (CSS pixels). */
export const HIT_PX = 3;

export interface Viewport {
  /** The time range shown (ms, session time). */
  from: number;
  to: number;
  /** The first level shown. */
  top: number;
}

export interface Size {
  width: number;
  /** Levels shown. */
  rows: number;
}

export function rowsShown(layout: FlameLayout): number {
  return Math.max(1, Math.min(MAX_ROWS, layout.levels.length));
}

/** The whole trace in view, from the first level. */
export function fit(layout: FlameLayout): Viewport {
  return { from: layout.from, to: layout.to, top: 0 };
}

/** Inside the data: the range no wider than the data nor narrower than MIN_SPAN, the levels from 0 to the last screenful. */
export function clampView(v: Viewport, layout: FlameLayout, rows: number): Viewport {
  const full = layout.to - layout.from;
  const span = Math.min(full, Math.max(MIN_SPAN, v.to - v.from));
  const from = Math.min(layout.to - span, Math.max(layout.from, v.from));
  const top = Math.max(0, Math.min(layout.levels.length - rows, Math.round(v.top)));
  return { from, to: from + span, top };
}

export const xOf = (v: Viewport, t: number, width: number): number => ((t - v.from) / (v.to - v.from)) * width;
export const timeAt = (v: Viewport, x: number, width: number): number => v.from + (x / width) * (v.to - v.from);

/** Zoomed by `factor` (< 1 in, > 1 out) around time `t`, which stays where it is on screen. */
export function zoomAt(v: Viewport, t: number, factor: number, layout: FlameLayout, rows: number): Viewport {
  return clampView({ from: t - (t - v.from) * factor, to: t + (v.to - t) * factor, top: v.top }, layout, rows);
}

/** Moved by `dx` CSS pixels of time (positive: earlier comes into view) and `dLevels` levels. */
export function panBy(v: Viewport, dx: number, dLevels: number, width: number, layout: FlameLayout, rows: number): Viewport {
  const dt = (dx / width) * (v.to - v.from);
  return clampView({ from: v.from - dt, to: v.to - dt, top: v.top + dLevels }, layout, rows);
}

/** Zoom factor of one wheel event: a notch (about 100 px) zooms by 1.25, a trackpad's small deltas by a little. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.pow(1.25, Math.max(-5, Math.min(5, px / 100)));
}

/** The span under (x, y) in CSS pixels of the canvas, or null. */
export function hitTest(layout: FlameLayout, v: Viewport, x: number, y: number, size: Size): FlameSpan | null {
  if (y < AXIS_H) return null;
  const row = Math.floor((y - AXIS_H) / ROW_H);
  if (row >= size.rows) return null;
  const level = layout.levels[v.top + row];
  if (!level) return null;
  const t = timeAt(v, x, size.width);
  const slack = (HIT_PX / size.width) * (v.to - v.from);
  let best: FlameSpan | null = null;
  let bestGap = Infinity;
  for (let i = firstEndingAfter(level, t - slack); i < level.length; i++) {
    const s = level[i]!;
    if (s.row.start > t + slack) break;
    // Inside beats near; among near ones, the closest.
    const gap = t < s.row.start ? s.row.start - t : t > s.row.end ? t - s.row.end : 0;
    if (gap < bestGap) {
      best = s;
      bestGap = gap;
      if (gap === 0) break;
    }
  }
  return best;
}

export type NavKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End';

/**
 * The selection after a key: left and right step through the level by time,
 * up goes to the span above (the parent, or what is nearest in time), down to
 * the first span below that starts inside it (a child), else the nearest;
 * Home and End go to the first and last span of the level. With nothing
 * selected, any key selects the first span in view on the top level shown.
 */
export function moveSelection(layout: FlameLayout, sel: FlameSpan | null, key: NavKey, v: Viewport): FlameSpan | null {
  if (!sel) {
    const level = layout.levels[v.top] ?? layout.levels[0];
    if (!level || level.length === 0) return null;
    return level[Math.min(level.length - 1, firstEndingAfter(level, v.from))]!;
  }
  const level = layout.levels[sel.level]!;
  switch (key) {
    case 'ArrowLeft':
      return level[Math.max(0, sel.index - 1)]!;
    case 'ArrowRight':
      return level[Math.min(level.length - 1, sel.index + 1)]!;
    case 'Home':
      return level[0]!;
    case 'End':
      return level[level.length - 1]!;
    case 'ArrowUp': {
      const above = layout.levels[sel.level - 1];
      return above ? (nearestAt(above, sel.row.start) ?? sel) : sel;
    }
    case 'ArrowDown': {
      const below = layout.levels[sel.level + 1];
      if (!below || below.length === 0) return sel;
      const i = firstEndingAfter(below, sel.row.start);
      const child = below[i];
      if (child && child.row.start >= sel.row.start && child.row.start <= sel.row.end) return child;
      return nearestAt(below, sel.row.start) ?? sel;
    }
  }
}

/** The view moved as little as it takes to show `s` (its time range centred when it was out of view; its level in the rows shown). */
export function reveal(v: Viewport, s: FlameSpan, layout: FlameLayout, rows: number): Viewport {
  let { from, to, top } = v;
  const span = to - from;
  if (s.row.end < from || s.row.start > to) {
    const mid = (s.row.start + s.row.end) / 2;
    from = mid - span / 2;
    to = mid + span / 2;
  }
  if (s.level < top) top = s.level;
  else if (s.level >= top + rows) top = s.level - rows + 1;
  return clampView({ from, to, top }, layout, rows);
}
