/**
 * A streaming contextual (sequence-memory) anomaly detector, after the idea of
 * CAD OSE (Contextual Anomaly Detector, open source edition, M. Smirnov, as run
 * in NAB): our own TypeScript, bounded.
 *
 * Each value is quantised over the range seen so far into 2^bits levels and
 * written as `bits` facts (one per binary digit: digit index and its value).
 * A context is a pair (left facts, right facts): the left side is what was
 * true at the previous step (its sensor facts plus the "neurons", the contexts
 * that were fully active then), the right side what followed. Contexts are
 * stored as two halves (semi-contexts) so that many contexts share a left or a
 * right half. At each step:
 * - the previous step's prediction (the right facts of the best-scoring fully
 *   matched left halves) is checked against the new facts: no miss, score 0;
 * - otherwise the score is (1 - share of the selected contexts whose right
 *   half came true + share of the potential new contexts that were really
 *   new) / 2: a step is anomalous when what usually follows did not follow
 *   and the memory had to learn something new;
 * - after a score at or above `baseThreshold`, scores stay 0 for `restPeriod`
 *   steps (one report per event).
 *
 * Memory is bounded: at most `maxContexts` contexts and as many left and
 * right halves (each new context creates at most one of each); a left half
 * holds at most bits + maxActiveNeurons facts, a right half at most bits.
 * Once the cap is reached the memory stops growing (no new context is
 * learned; the counts of the stored ones keep updating), so retained state is
 * O(maxContexts * (bits + maxActiveNeurons)) whatever the stream's length.
 * Deterministic: no randomness, ties broken by ids, iteration in insertion
 * order.
 *
 * The range differs from CAD OSE in NAB, which is given each file's minimum
 * and maximum in advance (look-ahead): here the range is what has been seen so
 * far, so a new extreme re-quantises later values (the memory relearns).
 */

export interface ContextualOptions {
  /** Binary digits of the quantised value (2^bits levels over the seen range). CAD OSE: 3. */
  bits?: number;
  /** A score at or above it starts a rest period. CAD OSE: 0.75. */
  baseThreshold?: number;
  /** Steps after a score >= baseThreshold during which the score is 0. CAD OSE: 30 (NAB ran it with probation / 5). */
  restPeriod?: number;
  /** Largest left half (facts) that can seed a new context by crossing. CAD OSE: 7. */
  maxLeftSemiContextLength?: number;
  /** Fully active contexts kept as facts of the next left half. CAD OSE: 15. */
  maxActiveNeurons?: number;
  /** Cap of the memory (contexts; halves are at most as many). */
  maxContexts?: number;
  /**
   * Range known in advance (CAD OSE in NAB is given each file's minimum and
   * maximum); the default (Infinity, -Infinity) starts from nothing and widens
   * to what has been seen. Used to check this port against NAB's own results.
   */
  min?: number;
  max?: number;
  /**
   * Points during which the range follows what has been seen (0: always).
   * After them it is frozen, widened by rangeMargin of its span on each side,
   * and later values are clamped to it: the quantisation stops moving, so the
   * memory keeps what it learned.
   */
  rangeWarmup?: number;
  rangeMargin?: number;
}

export const CONTEXTUAL_DEFAULTS: Readonly<Required<ContextualOptions>> = {
  bits: 3,
  baseThreshold: 0.75,
  restPeriod: 30,
  maxLeftSemiContextLength: 7,
  maxActiveNeurons: 15,
  maxContexts: 1 << 15,
  min: Infinity,
  max: -Infinity,
  rangeWarmup: 0,
  rangeMargin: 0,
};

/** Neuron facts are NEURON_BASE + context id; sensor facts are digit * 2 + value (< 2 * 16). */
const NEURON_BASE = 64;

interface LeftHalf {
  readonly facts: readonly number[];
  /** Facts of this half present at the crossing of step `stamp`. */
  crossed: number;
  stamp: number;
  /** right half id -> context id */
  readonly contexts: Map<number, number>;
}

interface Context {
  /** Facts predicted by it (its right half's size, each time its left half was fully matched). */
  predicted: number;
  /** Of them, facts that came true. */
  hits: number;
  /** Times its right half fully came true after its left half. */
  active: number;
  /** A context seen as such in the stream (not only made by crossing). */
  zero: boolean;
  readonly left: number;
  readonly right: number;
}

interface RightHalf {
  readonly facts: readonly number[];
  crossed: number;
  stamp: number;
}

export class ContextualDetector {
  readonly options: Readonly<Required<ContextualOptions>>;
  private min: number;
  private max: number;
  private n = 0;
  // memory
  private readonly leftIds = new Map<string, number>();
  private readonly rightIds = new Map<string, number>();
  private readonly lefts: LeftHalf[] = [];
  private readonly rights: RightHalf[] = [];
  private readonly leftByFact = new Map<number, LeftHalf[]>();
  private readonly rightByFact = new Map<number, RightHalf[]>();
  // contexts, index = id
  private readonly ctx: Context[] = [];
  // step state
  // left halves crossed at the last step (and a spare list, swapped each step)
  private crossedLefts: LeftHalf[] = [];
  private crossedSpare: LeftHalf[] = [];
  private leftGroup: number[] = [];
  private predicted = new Set<number>();
  private newZeroContext = -1;
  private readonly restFilter: RestPeriod;
  private lastRaw = 0;
  private dropped = 0;

  constructor(opts: ContextualOptions = {}) {
    const o = { ...CONTEXTUAL_DEFAULTS };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) (o as Record<string, number>)[k] = v as number;
    o.bits = Math.min(16, Math.max(1, o.bits | 0));
    this.options = o;
    this.min = o.min;
    this.max = o.max;
    this.restFilter = new RestPeriod(o.restPeriod, o.baseThreshold);
  }

  /** Points seen. */
  get count(): number {
    return this.n;
  }

  /** Contexts stored (at most options.maxContexts). */
  get contexts(): number {
    return this.ctx.length;
  }

  /** Left and right halves stored (each at most options.maxContexts). */
  get halves(): { left: number; right: number } {
    return { left: this.lefts.length, right: this.rights.length };
  }

  /** New contexts not learned because the memory was full. */
  get droppedContexts(): number {
    return this.dropped;
  }

  /** Feeds one value; returns the anomaly score in 0..1. Non-finite values score 0 and leave the state alone. */
  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.n++;
    const o = this.options;
    if (o.rangeWarmup <= 0 || this.n <= o.rangeWarmup) {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      if (this.n === o.rangeWarmup) {
        const pad = (this.max - this.min) * o.rangeMargin;
        this.min -= pad;
        this.max += pad;
      }
    }
    const facts = this.sensorFacts(value);
    // prediction error: is any fact of this value outside the previous prediction?
    let missed = false;
    for (const f of facts) if (!this.predicted.has(f)) missed = true;
    const { selectedActive, addedNew } = this.step(facts);
    const raw = missed ? (1 - selectedActive + addedNew) / 2 : 0;
    this.lastRaw = raw;
    return this.restFilter.next(raw);
  }

  /** The last score before the rest period. */
  get raw(): number {
    return this.lastRaw;
  }

  /** Sorted facts of a value: one per binary digit of its level over the seen range. */
  private sensorFacts(value: number): number[] {
    const bits = this.options.bits;
    const top = 2 ** bits - 1;
    const span = this.max - this.min;
    const level = span > 0 ? Math.max(0, Math.min(top, Math.floor(((value - this.min) / span) * top))) : 0;
    const out: number[] = [];
    for (let d = 0; d < bits; d++) out.push(d * 2 + ((level >> d) & 1));
    return out;
  }

  private step(sens: number[]): { selectedActive: number; addedNew: number } {
    const uniq = new Set<string>();
    let newZero = false;
    if (this.leftGroup.length > 0) {
      uniq.add(pairKey(this.leftGroup, sens));
      newZero = this.zeroLevelContext(this.leftGroup, sens);
    }
    // right crossing: the halves whose facts are present now
    const stamp = this.n;
    for (const f of sens) {
      for (const r of this.rightByFact.get(f) ?? []) {
        if (r.stamp !== stamp) {
          r.stamp = stamp;
          r.crossed = 0;
        }
        r.crossed++;
      }
    }
    const { active, selected, potential } = this.updateContexts(newZero, sens);
    for (const [l, r] of potential) uniq.add(pairKey(l, r));
    const selectedActive = selected > 0 ? active.length / selected : 0;
    // the most often active contexts become facts of the next left half
    const c = this.ctx;
    active.sort((a, b) => c[a]!.active - c[b]!.active || c[a]!.left - c[b]!.left || c[a]!.right - c[b]!.right);
    const group = sens.slice();
    for (const id of active.slice(-this.options.maxActiveNeurons)) group.push(NEURON_BASE + id);
    group.sort((a, b) => a - b);
    this.leftGroup = group;
    // learn the potential contexts, then cross the new left group and predict
    let added = 0;
    for (const [l, r] of potential) if (this.storeContext(l, r, false) === 1) added++;
    this.predicted = this.crossLeft(group);
    if (newZero) added++;
    return { selectedActive, addedNew: newZero && uniq.size > 0 ? added / uniq.size : 0 };
  }

  /** The context (previous left group, current facts): stores it if new; true when it was new. */
  private zeroLevelContext(left: number[], right: number[]): boolean {
    const r = this.storeContext(left, right, true);
    return r === 1;
  }

  /**
   * Stores the context (left, right) unless present. Returns 1 when it was
   * added, 0 when it existed (a zero-level one is then marked so), -1 when the
   * memory is full.
   */
  private storeContext(left: readonly number[], right: readonly number[], zero: boolean): number {
    const lk = left.join(',');
    const rk = right.join(',');
    const li = this.leftIds.get(lk);
    const ri = this.rightIds.get(rk);
    if (li !== undefined && ri !== undefined) {
      const c = this.lefts[li]!.contexts.get(ri);
      if (c !== undefined) {
        if (zero) this.ctx[c]!.zero = true;
        return 0;
      }
    }
    if (this.ctx.length >= this.options.maxContexts) {
      this.dropped++;
      return -1;
    }
    let lid = li;
    if (lid === undefined) {
      lid = this.lefts.length;
      const half: LeftHalf = { facts: left.slice(), crossed: 0, stamp: -1, contexts: new Map() };
      this.lefts.push(half);
      this.leftIds.set(lk, lid);
      for (const f of left) push(this.leftByFact, f, half);
    }
    let rid = ri;
    if (rid === undefined) {
      rid = this.rights.length;
      const half: RightHalf = { facts: right.slice(), crossed: 0, stamp: -1 };
      this.rights.push(half);
      this.rightIds.set(rk, rid);
      for (const f of right) push(this.rightByFact, f, half);
    }
    const id = this.ctx.length;
    this.lefts[lid]!.contexts.set(rid, id);
    this.ctx.push({ predicted: 0, hits: 0, active: 0, zero, left: lid, right: rid });
    if (zero) this.newZeroContext = id;
    return 1;
  }

  /**
   * Scores the contexts of the left halves crossed at the previous step
   * against the right halves crossed now: a fully matched left half selects
   * its contexts, whose counts are updated; those whose right half fully came
   * true are active. Partial matches of zero-level contexts are potential new
   * contexts (only at a step that brought a new zero-level context).
   */
  private updateContexts(newZero: boolean, sens: readonly number[]): { active: number[]; selected: number; potential: [number[], number[]][] } {
    const active: number[] = [];
    const potential: [number[], number[]][] = [];
    let selected = 0;
    const maxLeft = this.options.maxLeftSemiContextLength;
    const stamp = this.n;
    const prevGroup = this.leftGroup;
    for (const l of this.crossedLefts) {
      const full = l.crossed === l.facts.length;
      for (const [rid, id] of l.contexts) {
        if (id === this.newZeroContext) continue;
        const r = this.rights[rid]!;
        const c = this.ctx[id]!;
        const rc = r.stamp === stamp ? r.crossed : 0;
        if (full) {
          selected++;
          c.predicted += r.facts.length;
          if (rc > 0) {
            c.hits += rc;
            if (rc === r.facts.length) {
              c.active++;
              active.push(id);
              continue;
            }
          }
        }
        if (rc > 0 && c.zero && newZero && l.crossed <= maxLeft) potential.push([intersect(l.facts, prevGroup), intersect(r.facts, sens)]);
      }
    }
    this.newZeroContext = -1;
    return { active, selected, potential };
  }

  /** Crosses the left halves with the group; returns the right facts of the best fully matched contexts. */
  private crossLeft(group: number[]): Set<number> {
    const touched = this.crossedSpare;
    touched.length = 0;
    const stamp = this.n;
    for (const f of group) {
      for (const l of this.leftByFact.get(f) ?? []) {
        if (l.stamp !== stamp) {
          l.stamp = stamp;
          l.crossed = 0;
          touched.push(l);
        }
        l.crossed++;
      }
    }
    this.crossedSpare = this.crossedLefts;
    this.crossedLefts = touched;
    let best = 0;
    let bestIds: number[] = [];
    for (const l of touched) {
      if (l.crossed !== l.facts.length) continue;
      for (const id of l.contexts.values()) {
        const c = this.ctx[id]!;
        const w = c.predicted > 0 ? c.hits / c.predicted : 0;
        if (w > best) {
          best = w;
          bestIds = [id];
        } else if (w === best) bestIds.push(id);
      }
    }
    const out = new Set<number>();
    for (const id of bestIds) for (const f of this.rights[this.ctx[id]!.right]!.facts) out.add(f);
    return out;
  }
}

/**
 * CAD OSE's rest period: after a raw score >= baseThreshold (reported or not),
 * the next `period` scores are 0; the first `period` are 0 too (CAD OSE starts
 * its history with a full score).
 */
export class RestPeriod {
  private readonly period: number;
  private left: number;
  constructor(
    period: number,
    private readonly baseThreshold: number,
  ) {
    this.period = Math.max(0, Math.floor(period));
    this.left = this.period;
  }

  next(raw: number): number {
    let score = 0;
    if (this.left > 0) this.left--;
    else score = raw;
    if (raw >= this.baseThreshold) this.left = this.period;
    return score;
  }
}

/** The facts of a sorted list that are in another sorted list, in order. */
function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (const x of a) {
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) out.push(x);
  }
  return out;
}

function pairKey(l: readonly number[], r: readonly number[]): string {
  return `${l.join(',')}|${r.join(',')}`;
}

function push<T>(m: Map<number, T[]>, k: number, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Score at or above which a point is an anomaly on NAB: CAD OSE's NAB-tuned standard threshold, rounded. */
export const CONTEXTUAL_NAB_THRESHOLD = 0.77;
