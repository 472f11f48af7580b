/**
 * The story's flow: `story:transition` counts per from → to, and dwell time
 * per node (the `dwellMs` of the transitions leaving it), for the pattern
 * report.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { restOf, type ColumnBatch } from '../core/columns';
import type { StoryTransitionData } from '../core/event-types';
import { roundFigure } from './sketch';

export interface StoryReport {
  /** Most frequent first, at most 50. */
  transitions: { from: string; to: string; count: number }[];
  /** Most total time first, at most 50. */
  dwell: { node: string; count: number; totalMs: number; meanMs: number }[];
}

/** A transition as counted: its nodes' names and its dwell (ms; -1 when not given). */
export interface Transition {
  from: string;
  to: string;
  dwell: number;
}

/** The transition a `story:transition` entry holds, or null when its data is not one. */
export function transitionOf(b: ColumnBatch, i: number, line: string): Transition | null {
  const data = restOf(b, i, line)?.data as Partial<Record<keyof StoryTransitionData, unknown>> | undefined;
  if (!data || typeof data !== 'object') return null;
  return {
    from: String(data.from ?? '(start)'),
    to: String(data.to ?? '(none)'),
    dwell: typeof data.dwellMs === 'number' ? data.dwellMs : -1,
  };
}

export class StoryTotals {
  transitions = new Map<string, number>();
  dwell = new Map<string, { count: number; ms: number }>();
  add(from: string, to: string, dwellMs: number): void {
    const k = `${from}\u0000${to}`;
    this.transitions.set(k, (this.transitions.get(k) ?? 0) + 1);
    let d = this.dwell.get(from);
    if (!d) this.dwell.set(from, (d = { count: 0, ms: 0 }));
    d.count++;
    if (dwellMs >= 0) d.ms += dwellMs;
  }
  merge(o: StoryTotals): void {
    for (const [k, v] of o.transitions) this.transitions.set(k, (this.transitions.get(k) ?? 0) + v);
    for (const [k, v] of o.dwell) {
      const d = this.dwell.get(k);
      if (d) {
        d.count += v.count;
        d.ms += v.ms;
      } else this.dwell.set(k, { ...v });
    }
  }

  report(): StoryReport {
    const transitions = [...this.transitions]
      .map(([k, count]) => {
        const [f, t] = k.split('\u0000') as [string, string];
        return { from: f, to: t, count };
      })
      .sort((a, b) => b.count - a.count)
      .slice(0, 50);
    const dwell = [...this.dwell]
      .map(([node, d]) => ({ node, count: d.count, totalMs: roundFigure(d.ms), meanMs: roundFigure(d.ms / d.count) }))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, 50);
    return { transitions, dwell };
  }
}
