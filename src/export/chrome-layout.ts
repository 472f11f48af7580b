/**
 * Where each span of one session goes in a Chrome trace, so that consumers
 * that nest complete events by time (DevTools' engine, Perfetto, tracerbench)
 * nest them as their `parentId` says.
 *
 * A page without cross-origin isolation reads a 100 µs clock: a child's start
 * or end can fall on or past its parent's edge, and DevTools then takes the
 * child for a root, or drops it when it ends after the parent. The trace knows
 * each span's parent, so a synchronous tree is laid out here: a child's
 * interval is clamped into its parent's, and ties are broken in call order by
 * 1 ns steps, so that every child is strictly inside its parent and siblings
 * follow one another. A span moved by half a µs or more says so in its args.
 *
 * Spans arrive as they ended (a child before its parent), so a child waits for
 * its parent; a tree is placed when its root arrives. An async span is not
 * nested by time (it becomes an async event pair); its synchronous children
 * become roots of trees of their own. A tree goes on its root agent's first
 * lane whose last span ended by the tree's start (another lane when trees
 * arrive out of time order), so trees of one track never overlap.
 */
import { push } from '../core/builtins';
import type { TraceEntry } from '../core/entry';

export interface SpanNode {
  e: TraceEntry;
  children: SpanNode[];
}

/** A synchronous span, placed: its interval in integer ns since the session's start. */
export interface PlacedSpan {
  e: TraceEntry;
  startNs: number;
  endNs: number;
  /** The lane of its root's agent. */
  agent: string;
  lane: number;
  /** The interval it recorded, when it was moved by 1 µs or more. */
  moved?: { startNs: number; endNs: number };
}

export interface LayoutSink {
  sync(p: PlacedSpan): void;
  async(e: TraceEntry): void;
}

/** Children waiting for a parent past this many: the oldest group is placed as roots. */
const MAX_WAITING = 50_000;
/** Spans remembered as placed (so that a late child knows its parent came), most recent. */
const MAX_KNOWN = 100_000;
/** Moved this far, a span says so (its recorded times, to the µs, are then in its args; nearer, they round back). */
const MOVED_NS = 500;

export function agentOf(e: TraceEntry): string {
  return e.source ?? e.type.split(/[.:]/)[0] ?? e.type;
}

export class SpanLayout {
  private readonly waiting = new Map<number, SpanNode[]>();
  private waitingCount = 0;
  private readonly known = new Set<number>();
  /** Per agent, the end (ns) of the last tree of each lane. */
  private readonly lanes = new Map<string, number[]>();

  /** `clamp: false` writes the recorded times as they are (what consumers then misread; for the tests that show it). */
  constructor(
    private readonly sink: LayoutSink,
    private readonly clamp = true,
  ) {}

  /** A span entry (one with `dur`), in the order of the file. */
  add(e: TraceEntry): void {
    const node: SpanNode = { e, children: this.take(e.spanId) };
    const parent = e.parentId;
    if (parent === undefined || this.known.has(parent)) {
      this.resolve(node);
      return;
    }
    let list = this.waiting.get(parent);
    if (!list) this.waiting.set(parent, (list = []));
    push(list, node);
    this.waitingCount++;
    while (this.waitingCount > MAX_WAITING) {
      const [key, group] = this.waiting.entries().next().value as [number, SpanNode[]];
      this.waiting.delete(key);
      this.waitingCount -= group.length;
      for (const n of group) this.resolve(n);
    }
  }

  /** The end of the session: children whose parent never came (evicted, or still running) are placed as roots. */
  finish(): void {
    const groups = [...this.waiting.values()];
    this.waiting.clear();
    this.waitingCount = 0;
    const orphans = groups.flat().sort((a, b) => a.e.seq - b.e.seq);
    for (const n of orphans) this.resolve(n);
  }

  private take(spanId: number | undefined): SpanNode[] {
    if (spanId === undefined) return [];
    const list = this.waiting.get(spanId);
    if (!list) return [];
    this.waiting.delete(spanId);
    this.waitingCount -= list.length;
    return list;
  }

  private remember(e: TraceEntry): void {
    if (e.spanId === undefined) return;
    this.known.add(e.spanId);
    if (this.known.size > MAX_KNOWN) this.known.delete(this.known.values().next().value as number);
  }

  /**
   * A node whose parent is placed, or is not coming: placed with its subtree.
   * An explicit stack, not recursion: a trace may nest spans deeper than the call stack goes.
   */
  private resolve(first: SpanNode): void {
    const todo: SpanNode[] = [first];
    while (todo.length > 0) {
      const n = todo.pop()!;
      // Its children (an async span's, or a tree's async ones) next, in order: pushed last first.
      let next: SpanNode[];
      if (n.e.async === true) {
        this.remember(n.e);
        this.sink.async(n.e);
        next = n.children;
      } else next = this.placeTree(n);
      for (let i = next.length - 1; i >= 0; i--) todo[todo.length] = next[i]!;
    }
  }

  /** Places a synchronous tree; gives back its async descendants (to be resolved after it, in order). */
  private placeTree(root: SpanNode): SpanNode[] {
    const agent = agentOf(root.e);
    // Clamp top-down in recorded ns; async children leave the tree (they are resolved after it).
    // Depth-first with an explicit stack: `seq` is the call order (a span, its children, 'end').
    const order: { n: SpanNode; s: number; e: number }[] = [];
    const asyncKids: SpanNode[] = [];
    const rs = startNs(root.e);
    const seq: (SpanNode | 'end')[] = [];
    const walk: { kids: SpanNode[]; next: number; s: number; e: number }[] = [];
    const enter = (n: SpanNode, ps: number, pe: number) => {
      push(seq, n);
      const s = clampTo(startNs(n.e), ps, pe);
      const en = clampTo(endNs(n.e), s, pe);
      push(order, { n, s, e: en });
      const kids = n.children.filter((c) => c.e.async !== true).sort((a, b) => a.e.seq - b.e.seq);
      for (const c of n.children) if (c.e.async === true) push(asyncKids, c);
      push(walk, { kids, next: 0, s, e: en });
    };
    enter(root, rs, endNs(root.e));
    while (walk.length > 0) {
      const top = walk[walk.length - 1]!;
      if (top.next < top.kids.length) enter(top.kids[top.next++]!, top.s, top.e);
      else {
        walk.pop();
        push(seq, 'end');
      }
    }
    const clamped = new Map(order.map((o) => [o.n, o]));

    // Lanes: the first whose last tree ended by this one's start.
    let lanes = this.lanes.get(agent);
    if (!lanes) this.lanes.set(agent, (lanes = []));
    let lane = lanes.findIndex((last) => last <= rs);
    if (lane < 0) {
      lane = lanes.length;
      lanes[lane] = -Infinity;
    }

    // One pass in call order (begin, children, end): each time at least 1 ns after the one before.
    let t = lanes[lane]! - 1;
    const stack: { n: SpanNode; s: number }[] = [];
    const placed: PlacedSpan[] = [];
    for (const step of seq) {
      if (!this.clamp) {
        if (step !== 'end') push(placed, { e: step.e, startNs: startNs(step.e), endNs: endNs(step.e), agent, lane });
        continue;
      }
      if (step !== 'end') {
        t = Math.max(clamped.get(step)!.s, t + 1);
        push(stack, { n: step, s: t });
        continue;
      }
      const open = stack.pop()!;
      t = Math.max(clamped.get(open.n)!.e, t + 1);
      const p: PlacedSpan = { e: open.n.e, startNs: open.s, endNs: t, agent, lane };
      const rec = { s: startNs(open.n.e), e: endNs(open.n.e) };
      if (Math.abs(open.s - rec.s) >= MOVED_NS || Math.abs(t - rec.e) >= MOVED_NS) p.moved = { startNs: rec.s, endNs: rec.e };
      push(placed, p);
    }
    lanes[lane] = this.clamp ? t : endNs(root.e);
    for (const p of placed) {
      this.remember(p.e);
      this.sink.sync(p);
    }
    return asyncKids;
  }
}

export function startNs(e: TraceEntry): number {
  return Math.round((e.ts - (e.dur ?? 0)) * 1e6);
}

export function endNs(e: TraceEntry): number {
  return Math.round(e.ts * 1e6);
}

function clampTo(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
