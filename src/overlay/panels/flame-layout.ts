/**
 * The flame chart's model: the waterfall's spans (parents before children)
 * packed into levels. A span goes on the first level below its parent's
 * where it overlaps nothing already there, so siblings that overlap in time
 * (async calls under Promise.all) take levels of their own and nothing is
 * drawn over anything. Placed only after everything already on its level
 * ends, each level is sorted by start and by end alike: the drawing and the
 * hit-test find what is in view by binary search.
 */
import type { TraceEntry } from '../../core/entry';
import { formatDuration, formatSeconds, preview } from '../format';
import type { WaterfallRow } from './agents';

export interface FlameSpan {
  row: WaterfallRow;
  level: number;
  /** Index in its level. */
  index: number;
}

export interface FlameLayout {
  levels: FlameSpan[][];
  /** The data's time range (ms, session time). */
  from: number;
  to: number;
  /** A span by the seq of its entry (a selection survives a refresh). */
  bySeq: Map<number, FlameSpan>;
}

export function layoutFlame(rows: readonly WaterfallRow[], from: number, to: number): FlameLayout {
  const levels: FlameSpan[][] = [];
  const levelEnd: number[] = [];
  const levelOfSpan = new Map<number, number>();
  const bySeq = new Map<number, FlameSpan>();
  for (const row of rows) {
    const parent = row.e.parentId !== undefined ? levelOfSpan.get(row.e.parentId) : undefined;
    let level = parent === undefined ? 0 : parent + 1;
    while (level < levelEnd.length && levelEnd[level]! > row.start) level++;
    if (level === levels.length) {
      levels.push([]);
      levelEnd.push(-Infinity);
    }
    const list = levels[level]!;
    const span: FlameSpan = { row, level, index: list.length };
    list.push(span);
    levelEnd[level] = Math.max(levelEnd[level]!, row.end);
    if (row.e.spanId !== undefined) levelOfSpan.set(row.e.spanId, level);
    bySeq.set(row.e.seq, span);
  }
  return { levels, from, to, bySeq };
}

/** The index of the first span of `level` that ends at or after `t` (level.length when none). */
export function firstEndingAfter(level: readonly FlameSpan[], t: number): number {
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (level[mid]!.row.end < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Whether `a` and `b` draw the same in the view from `from` to `to`, levels
 * `top` to `top + rows`: the same spans (by seq, with the same start, end and
 * status) on each of those levels, and as many levels in all (the canvas's
 * height). A refresh that brings nothing new there need not be drawn.
 */
export function sameInView(a: FlameLayout, b: FlameLayout, from: number, to: number, top: number, rows: number): boolean {
  if (a.levels.length !== b.levels.length) return false;
  for (let l = top; l < top + rows && l < a.levels.length; l++) {
    const la = a.levels[l]!;
    const lb = b.levels[l]!;
    let i = firstEndingAfter(la, from);
    let j = firstEndingAfter(lb, from);
    for (;;) {
      const sa = i < la.length && la[i]!.row.start <= to ? la[i]!.row : null;
      const sb = j < lb.length && lb[j]!.row.start <= to ? lb[j]!.row : null;
      if (!sa || !sb) {
        if (sa || sb) return false;
        break;
      }
      if (sa.e.seq !== sb.e.seq || sa.start !== sb.start || sa.end !== sb.end || sa.e.status !== sb.e.status) return false;
      i++;
      j++;
    }
  }
  return true;
}

/** The span of `level` nearest to `t`: the one around it, else the closest edge. */
export function nearestAt(level: readonly FlameSpan[], t: number): FlameSpan | null {
  if (level.length === 0) return null;
  const i = firstEndingAfter(level, t);
  const after = level[i];
  if (after && after.row.start <= t) return after;
  const before = level[i - 1];
  if (!after) return before ?? null;
  if (!before) return after;
  return t - before.row.end <= after.row.start - t ? before : after;
}

/** The span's label: `agent.method`, else its type. */
export function spanName(row: WaterfallRow): string {
  const e = row.e;
  return e.method ? `${e.source ? `${e.source}.` : ''}${e.method}` : e.type;
}

/** One line about a span, for the live region and the log's link: name, duration, status, seq, end, error. */
export function describeSpan(e: TraceEntry): string {
  const parts = [e.type, e.dur !== undefined ? formatDuration(e.dur) : 'no duration', e.status ?? 'ok'];
  if (e.async) parts.push('async');
  parts.push(`#${e.seq}`, `ended ${formatSeconds(e.ts)}`);
  if (e.status === 'error' && e.error) parts.push(`${e.error.name}: ${e.error.message}`);
  return parts.join(' · ');
}

/** The hover tooltip's lines: name, duration and status, its arguments in short, the error, where it is in the trace. */
export function spanTooltip(row: WaterfallRow): string {
  const e = row.e;
  const lines = [spanName(row), `${e.dur !== undefined ? formatDuration(e.dur) : 'no duration'} · ${e.status ?? 'ok'}${e.async ? ' · async' : ''}`];
  if (e.args !== undefined) lines.push(`args ${preview(e.args, 80)}`);
  if (e.status === 'error' && e.error) lines.push(fitText(`${e.error.name}: ${e.error.message}`, 100));
  lines.push(`#${e.seq} · ended ${formatSeconds(e.ts)} · click: its entries in the log`);
  return lines.join('\n');
}

/** `text` cut to `chars` characters, with an ellipsis when cut. */
export function fitText(text: string, chars: number): string {
  if (text.length <= chars) return text;
  return chars <= 1 ? '' : `${text.slice(0, chars - 1)}…`;
}
