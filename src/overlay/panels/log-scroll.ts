/**
 * The event log's scroll math: rows of a fixed height, so the rows under any
 * scroll position are arithmetic, and a scroll height capped where browsers
 * cap an element's height (beyond it the position is scaled).
 */

/** Row height in px: fixed, so the row under any scroll position is arithmetic. */
export const ROW_H = 20;
/** Rows rendered above and below the visible ones. */
export const OVERSCAN = 8;
/** Browsers cap an element's height (Firefox near 17.9M px): beyond this the scroll position is scaled. */
export const MAX_SCROLL_PX = 8_000_000;

export interface RowWindow {
  /** The first row rendered and how many. */
  first: number;
  count: number;
  /** Where the first row rendered sits, in px from the top of the scroll content. */
  top: number;
  /** The scroll content's height. */
  height: number;
}

/** Height of the scroll content for `size` rows (capped: see MAX_SCROLL_PX). */
export function scrollHeight(size: number): number {
  return Math.min(size * ROW_H, MAX_SCROLL_PX);
}

/** The row at the top of the viewport, as a fraction (scaled when the content is capped). */
function rowAtTop(scrollTop: number, viewH: number, size: number): number {
  const full = size * ROW_H;
  const height = scrollHeight(size);
  if (full <= height) return scrollTop / ROW_H;
  const room = Math.max(1, height - viewH);
  return (Math.min(scrollTop, room) / room) * Math.max(0, size - viewH / ROW_H);
}

/** The rows to render at a scroll position, with `overscan` rows above and below the visible ones. */
export function rowWindow(scrollTop: number, viewH: number, size: number, overscan = OVERSCAN): RowWindow {
  const height = scrollHeight(size);
  if (size === 0) return { first: 0, count: 0, top: 0, height };
  const at = rowAtTop(scrollTop, viewH, size);
  const topRow = Math.floor(at);
  const first = Math.max(0, topRow - overscan);
  const last = Math.min(size, Math.ceil(at + viewH / ROW_H) + overscan);
  // The first rendered row sits where the row at the top is, less the rows above it and its own offset.
  const top = scrollTop - (at - first) * ROW_H;
  return { first, count: Math.max(0, last - first), top: Math.max(0, top), height };
}

/** The scrollTop that brings row i into view (as little scrolling as needed). */
export function scrollTopFor(i: number, scrollTop: number, viewH: number, size: number): number {
  const full = size * ROW_H;
  const height = scrollHeight(size);
  if (full <= height) {
    const y = i * ROW_H;
    if (y < scrollTop) return y;
    if (y + ROW_H > scrollTop + viewH) return y + ROW_H - viewH;
    return scrollTop;
  }
  const rowsInView = viewH / ROW_H;
  const at = rowAtTop(scrollTop, viewH, size);
  if (i >= at && i + 1 <= at + rowsInView) return scrollTop;
  const wantAt = i < at ? i : i + 1 - rowsInView;
  const room = Math.max(1, height - viewH);
  return (Math.max(0, wantAt) / Math.max(1, size - rowsInView)) * room;
}
