/**
 * `analyzePatterns(timeframe)`: the most frequent sequences of event types,
 * loops, the busiest agents, and transitions between story nodes.
 *
 * - Sequences: n-grams (n = 2..4) of consecutive entry types per session,
 *   counted with Space-Saving (Metwally et al. 2005): k counters, each count
 *   an overestimate by at most its `error`; an item whose true count exceeds
 *   N/k is always kept.
 * - Loops, each reported with what, the agent, its seq and ts range and a count:
 *   - `self-call`: a span whose parent span is the same source + method
 *     (spans end child first, so a bounded map of recent span ids and of
 *     children waiting for their parent matches them either way round);
 *   - `alternation`: one agent's consecutive actions alternate A-B-A-B for
 *     at least 6 steps (OpenHands' stuck detector), where an action is an
 *     agent call (method + arguments + result) or an event of kind state,
 *     custom or error (type + data): two calls are the same action only when
 *     their JSON is identical, so `update(dt)` with a changing dt is no loop;
 *   - `repeated-call`: one agent makes the same call with the same arguments
 *     (and result) at least 4 times in a row;
 *   - `repeated-error`: the same error (type + message) at least 3 times,
 *     no more than 60 s apart.
 * - Agents: spans per source, total and mean time, errors.
 * - Story: `story:transition` counts per from → to, and dwell time per node
 *   (the `dwellMs` of the transitions leaving it).
 *
 * Timeframes: figures are kept per 10 s bucket (the last hour) and for the
 * session; a timeframe merges the buckets it touches, so its edges are
 * rounded out to 10 s. Merging Space-Saving summaries is approximate: the
 * merged count of an item adds, for each bucket that did not keep it, that
 * bucket's smallest count, so counts stay upper bounds and `error` says by
 * how much at most (Agarwal et al., "Mergeable summaries", 2012).
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { BIT_ERROR, restLines, restOf, sourceOf, typeOf, type ColumnBatch } from '../store/columns';
import { roundFigure } from './sketch';
import { KIND_AGENT, KIND_CUSTOM, KIND_ERROR, KIND_STATE, LEVEL_ERROR, NO_SOURCE, localId } from './stats';
import { Interner, OTHER_NAME, SessionClock, hashString, parseTimeframe, timeframeLabel, type Timeframe } from './timeframe';

// ---- Space-Saving ----------------------------------------------------------------

export interface HeavyHitter {
  key: number;
  /** An upper bound of the true count. */
  count: number;
  /** count − error is a lower bound of the true count. */
  error: number;
}

/**
 * Space-Saving with k counters in a min-heap keyed by count: an increment
 * sifts down, a new item replaces the minimum (inheriting its count as error).
 * O(log k) per update, no allocation once full. Keys are numbers.
 */
export class SpaceSaving {
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly errs: Float64Array;
  private readonly pos = new Map<number, number>();
  private size = 0;
  /** Items counted. */
  total = 0;

  constructor(readonly k = 200) {
    this.keys = new Float64Array(k);
    this.counts = new Float64Array(k);
    this.errs = new Float64Array(k);
  }

  /** The smallest count kept (0 when not full: an item not kept was not seen). */
  get min(): number {
    return this.size >= this.k ? this.counts[0]! : 0;
  }

  add(key: number, w = 1): void {
    this.total += w;
    const at = this.pos.get(key);
    if (at !== undefined) {
      this.counts[at]! += w;
      this.down(at);
      return;
    }
    if (this.size < this.k) {
      const i = this.size++;
      this.keys[i] = key;
      this.counts[i] = w;
      this.errs[i] = 0;
      this.pos.set(key, i);
      this.up(i);
      return;
    }
    this.pos.delete(this.keys[0]!);
    this.keys[0] = key;
    this.errs[0] = this.counts[0]!;
    this.counts[0]! += w;
    this.pos.set(key, 0);
    this.down(0);
  }

  private up(i: number): void {
    const key = this.keys[i]!;
    const c = this.counts[i]!;
    const e = this.errs[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.counts[p]! <= c) break;
      this.move(p, i);
      i = p;
    }
    this.place(i, key, c, e);
  }

  private down(i: number): void {
    const n = this.size;
    const key = this.keys[i]!;
    const c = this.counts[i]!;
    const e = this.errs[i]!;
    const start = i;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.counts[r]! < this.counts[l]! ? r : l;
      if (c <= this.counts[m]!) break;
      this.move(m, i);
      i = m;
    }
    if (i !== start) this.place(i, key, c, e);
  }

  /** Moves the item at `from` to `to` (sifting with a hole: one map write per moved item). */
  private move(from: number, to: number): void {
    const k = this.keys[from]!;
    this.keys[to] = k;
    this.counts[to] = this.counts[from]!;
    this.errs[to] = this.errs[from]!;
    this.pos.set(k, to);
  }

  private place(i: number, key: number, c: number, e: number): void {
    this.keys[i] = key;
    this.counts[i] = c;
    this.errs[i] = e;
    this.pos.set(key, i);
  }

  /** Kept items, highest count first. */
  top(limit = this.k): HeavyHitter[] {
    const out: HeavyHitter[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, count: this.counts[i]!, error: this.errs[i]! });
    return out.sort((a, b) => b.count - a.count || a.key - b.key).slice(0, limit);
  }

  clear(): void {
    this.pos.clear();
    this.size = 0;
    this.total = 0;
  }

  /**
   * The merge of summaries, top `k` kept: counts add, and a summary that is
   * full and did not keep an item adds its minimum to that item's count and
   * error (what it may have missed). Counts stay upper bounds.
   */
  static merge(parts: readonly SpaceSaving[], k: number): HeavyHitter[] {
    let sumMins = 0;
    const acc = new Map<number, { count: number; error: number; mins: number }>();
    for (const p of parts) {
      const min = p.min;
      sumMins += min;
      for (let i = 0; i < p.size; i++) {
        const key = p.keys[i]!;
        let a = acc.get(key);
        if (!a) acc.set(key, (a = { count: 0, error: 0, mins: 0 }));
        a.count += p.counts[i]!;
        a.error += p.errs[i]!;
        a.mins += min;
      }
    }
    const out: HeavyHitter[] = [];
    for (const [key, a] of acc) out.push({ key, count: a.count + sumMins - a.mins, error: a.error + sumMins - a.mins });
    return out.sort((a, b) => b.count - a.count || a.key - b.key).slice(0, k);
  }
}

/**
 * Counts of numeric keys in an open-addressing table (linear probing), to
 * add n-grams to the Space-Saving summaries once per distinct key per batch
 * (with its count as weight: weighted Space-Saving keeps its bounds) rather
 * than once per entry.
 */
class KeyTally {
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly used: Int32Array;
  private n = 0;
  private readonly mask: number;
  constructor(bits = 12) {
    const cap = 1 << bits;
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.counts = new Float64Array(cap);
    this.used = new Int32Array(cap);
  }
  /** Counts `key` (≥ 0); false when the table is half full and should be flushed first. */
  add(key: number): boolean {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 16) & this.mask;
    for (;;) {
      const k = this.keys[h]!;
      if (k === key) {
        this.counts[h]!++;
        return true;
      }
      if (k === -1) {
        if (this.n * 2 >= this.keys.length) return false;
        this.keys[h] = key;
        this.counts[h] = 1;
        this.used[this.n++] = h;
        return true;
      }
      h = (h + 1) & this.mask;
    }
  }
  flush(a: SpaceSaving, b: SpaceSaving | null): void {
    for (let i = 0; i < this.n; i++) {
      const h = this.used[i]!;
      const key = this.keys[h]!;
      const c = this.counts[h]!;
      a.add(key, c);
      b?.add(key, c);
      this.keys[h] = -1;
    }
    this.n = 0;
  }
}

/**
 * A map keyed by span id that remembers the last `cap` ids added: adding one
 * more forgets the oldest (spans come and go: memory stays bounded).
 */
class RecentIds<V> {
  private readonly map = new Map<number, V>();
  private readonly order: Float64Array;
  private at = 0;
  constructor(cap: number) {
    this.order = new Float64Array(cap);
  }
  get(id: number): V | undefined {
    return this.map.get(id);
  }
  /** Adds `id` as the newest, forgetting the oldest past the cap. */
  add(id: number, v: V): void {
    const old = this.order[this.at]!;
    if (old !== 0) this.map.delete(old);
    this.order[this.at] = id;
    this.at = (this.at + 1) % this.order.length;
    this.map.set(id, v);
  }
  /** Changes the value of an id already kept. */
  replace(id: number, v: V): void {
    this.map.set(id, v);
  }
  delete(id: number): void {
    this.map.delete(id);
  }
  clear(): void {
    this.map.clear();
    this.order.fill(0);
    this.at = 0;
  }
}

// ---- the report -----------------------------------------------------------------

export type LoopRule = 'self-call' | 'alternation' | 'repeated-call' | 'repeated-error';

export interface Loop {
  rule: LoopRule;
  /** What repeats: `agent.method`, `A ⇄ B`, the error message. */
  what: string;
  /** The agent (source) it happens in; null for entries without one. */
  agent: string | null;
  /** Self-calls, steps of the alternation, identical calls, identical errors. */
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** `ts` (ms since its session started) of the first and last entry. */
  firstTs: number;
  lastTs: number;
  /** Still going at the newest entry (no different action since). */
  ongoing: boolean;
}

export interface Sequence {
  /** Consecutive entry types. */
  types: string[];
  /** Upper bound of the occurrences in the timeframe. */
  count: number;
  /** count − error is a lower bound. */
  error: number;
}

export interface AgentActivity {
  agent: string;
  calls: number;
  errors: number;
  totalMs: number;
  meanMs: number;
}

export interface PatternReport {
  /** The timeframe asked for, its length (ms; null for the session) and the clock range covered. */
  timeframe: string;
  windowMs: number | null;
  from: number;
  to: number;
  /** Buckets are 10 s: the range is rounded out to them. */
  bucketMs: number;
  /** Entries in the range. */
  events: number;
  /** Most frequent n-grams per n (2, 3, 4). */
  sequences: Record<'2' | '3' | '4', Sequence[]>;
  /** True when sequences come from merged summaries (counts are upper bounds, see `error`). */
  sequencesApproximate: boolean;
  loops: Loop[];
  /** Most calls first. */
  busiestAgents: AgentActivity[];
  /** Most total time first. */
  slowestAgents: AgentActivity[];
  story: {
    transitions: { from: string; to: string; count: number }[];
    dwell: { node: string; count: number; totalMs: number; meanMs: number }[];
  };
}

// ---- internals ------------------------------------------------------------------

const TYPE_BITS = 8192; // 13 bits per type in an n-gram key: 4 × 13 = 52 < 53
const MAX_TYPE = TYPE_BITS - 1;
const B2 = TYPE_BITS;
const B3 = TYPE_BITS * TYPE_BITS;
const B4 = TYPE_BITS * TYPE_BITS * TYPE_BITS;

/** A loop as it is being counted: a Loop without `ongoing`, plus the clock of its ends (for timeframes). */
interface Episode extends Omit<Loop, 'ongoing'> {
  firstClock: number;
  lastClock: number;
}

/** One agent's stream of actions, for alternation and repetition. */
interface Stream {
  agent: string | null;
  p1: number;
  p2: number;
  /** Names (type or method) of the last two actions. */
  n1: string;
  n2: string;
  alt: number;
  altSeq: number;
  altTs: number;
  altClock: number;
  rep: number;
  repSeq: number;
  repTs: number;
  repClock: number;
  lastSeq: number;
  lastTs: number;
  lastClock: number;
}

class AgentTotals {
  calls: number[] = [];
  errors: number[] = [];
  ms: number[] = [];
  add(id: number, dur: number, failed: boolean): void {
    this.calls[id] = (this.calls[id] ?? 0) + 1;
    this.ms[id] = (this.ms[id] ?? 0) + dur;
    if (failed) this.errors[id] = (this.errors[id] ?? 0) + 1;
  }
  merge(o: AgentTotals): void {
    for (let i = 0; i < o.calls.length; i++) {
      if (!o.calls[i]) continue;
      this.calls[i] = (this.calls[i] ?? 0) + o.calls[i]!;
      this.ms[i] = (this.ms[i] ?? 0) + (o.ms[i] ?? 0);
      this.errors[i] = (this.errors[i] ?? 0) + (o.errors[i] ?? 0);
    }
  }
}

class StoryTotals {
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
}

class PatternBucket {
  start = -1;
  events = 0;
  readonly grams: SpaceSaving;
  agents = new AgentTotals();
  story = new StoryTotals();
  constructor(k: number) {
    this.grams = new SpaceSaving(k);
  }
  clear(start: number): void {
    this.start = start;
    this.events = 0;
    this.grams.clear();
    this.agents = new AgentTotals();
    this.story = new StoryTotals();
  }
}

export interface PatternOptions {
  /** Space-Saving counters for the session (default 200) and per 10 s bucket (default 100). */
  k?: number;
  bucketK?: number;
  /** Thresholds (defaults: OpenHands' stuck detector). */
  minAlternation?: number;
  minRepeatedCalls?: number;
  minRepeatedErrors?: number;
  /** Same-error occurrences further apart than this start a new episode (default 60 s). */
  errorGapMs?: number;
  /** Self-calls of a method further apart than this start a new episode (default 10 s). */
  selfCallGapMs?: number;
  /** Recent spans remembered to match parents and children (default 4096). */
  spanMemory?: number;
}

const BUCKET_MS = 10_000;
const BUCKETS = 360;
const MAX_EPISODES = 1_000;

export class PatternAnalyzer {
  readonly clock = new SessionClock();
  private readonly k: number;
  private readonly bucketK: number;
  private readonly minAlt: number;
  private readonly minRep: number;
  private readonly minErr: number;
  private readonly errorGapMs: number;
  private readonly selfGapMs: number;
  private types = new Interner();
  private agents = new Interner();
  private methods = new Interner();
  private grams: SpaceSaving;
  private tally = new KeyTally();
  private buckets: PatternBucket[] = [];
  private head: PatternBucket | null = null;
  private headEnd = -Infinity;
  private events = 0;
  private agentTotals = new AgentTotals();
  private story = new StoryTotals();
  // Sequence context (per session).
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;
  private streams = new Map<string, Stream>();
  /** Method of each recent span, by span id. */
  private readonly recent: RecentIds<number>;
  /** Methods of the children logged before their parent, by the parent's span id. */
  private readonly waiting: RecentIds<number | number[]>;
  // Episodes.
  private closed: Episode[] = [];
  private selfOpen = new Map<number, Episode>();
  private errorOpen = new Map<string, Episode>();

  constructor(options: PatternOptions = {}) {
    this.k = options.k ?? 200;
    this.bucketK = options.bucketK ?? 100;
    this.minAlt = options.minAlternation ?? 6;
    this.minRep = options.minRepeatedCalls ?? 4;
    this.minErr = options.minRepeatedErrors ?? 3;
    this.errorGapMs = options.errorGapMs ?? 60_000;
    this.selfGapMs = options.selfCallGapMs ?? 10_000;
    this.grams = new SpaceSaving(this.k);
    this.recent = new RecentIds(options.spanMemory ?? 4096);
    this.waiting = new RecentIds(options.spanMemory ?? 4096);
  }

  reset(): void {
    this.clock.reset();
    this.types = new Interner();
    this.agents = new Interner();
    this.methods = new Interner();
    this.grams = new SpaceSaving(this.k);
    this.tally = new KeyTally();
    this.buckets = [];
    this.head = null;
    this.headEnd = -Infinity;
    this.events = 0;
    this.agentTotals = new AgentTotals();
    this.story = new StoryTotals();
    this.closed = [];
    this.selfOpen = new Map();
    this.errorOpen = new Map();
    this.resetContext();
  }

  /** A new session: sequences, action streams and span maps start afresh. */
  private resetContext(): void {
    this.h1 = this.h2 = this.h3 = 0;
    for (const s of this.streams.values()) this.closeStream(s);
    this.streams = new Map();
    this.recent.clear();
    this.waiting.clear();
  }

  private bucket(t: number): PatternBucket {
    if (t < this.headEnd && this.head) return this.head;
    const start = Math.floor(t / BUCKET_MS) * BUCKET_MS;
    if (this.head && start <= this.head.start) return this.head;
    this.flushGrams();
    const slot = Math.floor(start / BUCKET_MS) % BUCKETS;
    let b = this.buckets[slot];
    if (!b) this.buckets[slot] = b = new PatternBucket(this.bucketK);
    b.clear(start);
    this.head = b;
    this.headEnd = start + BUCKET_MS;
    return b;
  }

  /** Adds the n-grams tallied so far to the session's and the current bucket's summaries. */
  private flushGrams(): void {
    this.tally.flush(this.grams, this.head ? this.head.grams : null);
  }

  private gram(key: number): void {
    if (!this.tally.add(key)) {
      this.flushGrams();
      this.tally.add(key);
    }
  }

  consume(b: ColumnBatch, sessionId: string): void {
    const n = b.count;
    if (n === 0) return;
    if (this.clock.enter(sessionId, b.ts[0]!) && this.clock.sessions > 1) this.resetContext();
    const base = this.clock.base;
    const strings = b.strings;
    const typeTable = this.types.map(b);
    const agentTable = new Int32Array(strings.length + 1).fill(-1);
    const methodIds = new Map<number, number>();
    const callStreams = new Array<Stream | null | undefined>(strings.length + 1);
    const methodStreams = new Map<number, Stream | null>();
    const eventStreams = new Array<Stream | null | undefined>(strings.length + 1);
    const mult = strings.length + 1;
    const storyId = localId(b, 'story:transition');
    let lines: string[] | null = null;
    const { ts, kind, level, type, source, seq, dur, bits, spanId, parentId } = b;
    for (let i = 0; i < n; i++) {
      const t = base + ts[i]!;
      const bucket = this.bucket(t);
      const k = kind[i]!;
      const ty = type[i]!;
      this.events++;
      bucket.events++;
      // n-grams of types
      let g = this.types.get(typeTable, b, ty) + 1;
      if (g > MAX_TYPE) g = MAX_TYPE;
      const h1 = this.h1;
      if (h1 !== 0) {
        const k2 = h1 * B2 + g;
        this.gram(k2);
        const h2 = this.h2;
        if (h2 !== 0) {
          const k3 = h2 * B3 + k2;
          this.gram(k3);
          const h3 = this.h3;
          if (h3 !== 0) this.gram(h3 * B4 + k3);
        }
      }
      this.h3 = this.h2;
      this.h2 = h1;
      this.h1 = g;

      const isSpan = k === KIND_AGENT && dur[i] === dur[i];
      const isError = k === KIND_ERROR || level[i]! >= LEVEL_ERROR;
      if (isSpan) {
        const so = source[i]!;
        let a = agentTable[so]!;
        if (a < 0) a = agentTable[so] = this.agents.id(so === 0 ? NO_SOURCE : strings[so - 1]!);
        const failed = (bits[i]! & BIT_ERROR) !== 0;
        const d = dur[i]!;
        this.agentTotals.add(a, d, failed);
        bucket.agents.add(a, d, failed);
        const mkey = so * mult + b.method[i]!;
        let m = methodIds.get(mkey);
        if (m === undefined) {
          const me = b.method[i]!;
          m = this.methods.id(`${this.agents.names[a]}.${me === 0 ? strings[ty]! : strings[me - 1]!}`);
          methodIds.set(mkey, m);
        }
        this.spanLinks(spanId[i]!, parentId[i]!, m, seq[i]!, ts[i]!, t);
        lines ??= restLines(b);
        let st = callStreams[so];
        if (st === undefined) st = callStreams[so] = this.stream(true, this.agents.names[a]!);
        const code = hashString(lines[i]!, 0x9e3779b1 ^ m);
        this.action(st, true, this.methods.names[m]!, code, seq[i]!, ts[i]!, t);
        // And the method's own stream: the same call again and again, or its
        // results flipping A-B-A-B, even when other calls of the agent come between.
        let ms = methodStreams.get(m);
        if (ms === undefined) methodStreams.set(m, (ms = this.stream(true, this.agents.names[a]!, this.methods.names[m]!)));
        this.action(ms, true, this.methods.names[m]!, code, seq[i]!, ts[i]!, t);
      } else if (k === KIND_STATE || k === KIND_CUSTOM || k === KIND_ERROR) {
        if (ty === storyId) {
          lines ??= restLines(b);
          this.transition(bucket, b, i, lines[i]!);
        } else {
          lines ??= restLines(b);
          const so = source[i]!;
          let st = eventStreams[so];
          if (st === undefined) st = eventStreams[so] = this.stream(false, so === 0 ? null : strings[so - 1]!);
          this.action(st, false, strings[ty]!, hashString(lines[i]!, 0x85ebca6b ^ g), seq[i]!, ts[i]!, t);
        }
      }
      if (isError) {
        lines ??= restLines(b);
        this.error(b, i, lines[i]!, t);
      }
    }
    // The tally is flushed when the bucket changes, when it is half full and before a report, not per batch:
    // small batches would otherwise add nearly every n-gram one by one.
    this.clock.leave(ts[n - 1]!);
  }

  // ---- loops --------------------------------------------------------------------

  private spanLinks(id: number, parent: number, m: number, seq: number, ts: number, t: number): void {
    if (parent !== 0) {
      const pm = this.recent.get(parent);
      if (pm !== undefined) {
        if (pm === m) this.selfCall(m, seq, ts, t, 1);
      } else {
        const w = this.waiting.get(parent);
        if (w === undefined) this.waiting.add(parent, m);
        else if (typeof w === 'number') {
          if (w !== m) this.waiting.replace(parent, [w, m]);
        } else if (!w.includes(m) && w.length < 16) w.push(m);
      }
    }
    if (id === 0) return;
    const w = this.waiting.get(id);
    if (w !== undefined) {
      if (w === m || (typeof w !== 'number' && w.includes(m))) this.selfCall(m, seq, ts, t, 1);
      this.waiting.delete(id);
    }
    this.recent.add(id, m);
  }

  private selfCall(m: number, seq: number, ts: number, t: number, w: number): void {
    let e = this.selfOpen.get(m);
    if (e && t - e.lastClock > this.selfGapMs) {
      this.pushEpisode(e);
      e = undefined;
    }
    if (!e) {
      const name = this.methods.names[m]!;
      const dot = name.indexOf('.');
      e = { rule: 'self-call', what: name, agent: dot > 0 ? name.slice(0, dot) : null, count: 0, firstSeq: seq, lastSeq: seq, firstTs: ts, lastTs: ts, firstClock: t, lastClock: t };
      this.selfOpen.set(m, e);
    }
    e.count += w;
    if (seq < e.firstSeq) e.firstSeq = seq;
    if (seq > e.lastSeq) {
      e.lastSeq = seq;
      e.lastTs = ts;
      e.lastClock = t;
    }
  }

  /** The action stream of an agent's calls or events, or of one method's calls (null past 1000 streams). */
  private stream(isCall: boolean, agent: string | null, method?: string): Stream | null {
    const key = `${isCall ? 'c' : 'e'}\u0000${agent ?? ''}\u0000${method ?? ''}`;
    let s = this.streams.get(key);
    if (!s) {
      if (this.streams.size >= 1_000) return null;
      s = { agent, p1: -1, p2: -1, n1: '', n2: '', alt: 0, altSeq: 0, altTs: 0, altClock: 0, rep: 0, repSeq: 0, repTs: 0, repClock: 0, lastSeq: 0, lastTs: 0, lastClock: 0 };
      this.streams.set(key, s);
    }
    return s;
  }

  private action(s: Stream | null, isCall: boolean, name: string, code: number, seq: number, ts: number, t: number): void {
    if (!s) return;
    // Identical calls in a row (agent calls only).
    if (isCall) {
      if (code === s.p1) s.rep++;
      else {
        this.closeRepeat(s);
        s.rep = 1;
        s.repSeq = seq;
        s.repTs = ts;
        s.repClock = t;
      }
    }
    // A-B-A-B: this action equals the one before the last, and differs from the last.
    if (code === s.p2 && code !== s.p1) s.alt++;
    else {
      this.closeAlternation(s);
      if (s.p1 >= 0 && code !== s.p1) {
        s.alt = 2;
        s.altSeq = s.lastSeq;
        s.altTs = s.lastTs;
        s.altClock = s.lastClock;
      } else {
        s.alt = 1;
        s.altSeq = seq;
        s.altTs = ts;
        s.altClock = t;
      }
    }
    s.p2 = s.p1;
    s.p1 = code;
    s.n2 = s.n1;
    s.n1 = name;
    s.lastSeq = seq;
    s.lastTs = ts;
    s.lastClock = t;
  }

  private repeatEpisode(s: Stream): Episode | null {
    if (s.rep < this.minRep) return null;
    return { rule: 'repeated-call', what: s.n1, agent: s.agent, count: s.rep, firstSeq: s.repSeq, lastSeq: s.lastSeq, firstTs: s.repTs, lastTs: s.lastTs, firstClock: s.repClock, lastClock: s.lastClock };
  }

  private alternationEpisode(s: Stream): Episode | null {
    if (s.alt < this.minAlt) return null;
    const [a, b] = s.alt % 2 === 0 ? [s.n2, s.n1] : [s.n1, s.n2];
    return { rule: 'alternation', what: `${a} ⇄ ${b}`, agent: s.agent, count: s.alt, firstSeq: s.altSeq, lastSeq: s.lastSeq, firstTs: s.altTs, lastTs: s.lastTs, firstClock: s.altClock, lastClock: s.lastClock };
  }

  private closeRepeat(s: Stream): void {
    const e = this.repeatEpisode(s);
    if (e) this.pushEpisode(e);
    s.rep = 0;
  }

  private closeAlternation(s: Stream): void {
    const e = this.alternationEpisode(s);
    if (e) this.pushEpisode(e);
    s.alt = 0;
  }

  private closeStream(s: Stream): void {
    this.closeRepeat(s);
    this.closeAlternation(s);
  }

  private error(b: ColumnBatch, i: number, line: string, t: number): void {
    const r = restOf(b, i, line);
    const data = r?.data as { message?: unknown; reason?: unknown } | string | undefined;
    const m = r?.error?.message ?? (typeof data === 'string' ? data : data && typeof data === 'object' ? (data.message ?? data.reason) : undefined);
    const message = typeof m === 'string' ? m : m === undefined ? '' : JSON.stringify(m);
    const agent = sourceOf(b, i) ?? null;
    const type = typeOf(b, i);
    const what = message ? `${type}: ${message.slice(0, 300)}` : type;
    const key = `${agent ?? ''}\u0000${what}`;
    let e = this.errorOpen.get(key);
    if (e && t - e.lastClock > this.errorGapMs) {
      this.closeError(key, e);
      e = undefined;
    }
    const seq = b.seq[i]!;
    const ts = b.ts[i]!;
    if (!e) {
      if (this.errorOpen.size >= 1_000) {
        // Close the stalest to make room.
        const [k0, e0] = this.errorOpen.entries().next().value!;
        this.closeError(k0, e0);
      }
      e = { rule: 'repeated-error', what, agent, count: 0, firstSeq: seq, lastSeq: seq, firstTs: ts, lastTs: ts, firstClock: t, lastClock: t };
    } else this.errorOpen.delete(key); // re-insert: the map stays in order of last occurrence
    e.count++;
    e.lastSeq = seq;
    e.lastTs = ts;
    e.lastClock = t;
    this.errorOpen.set(key, e);
  }

  private closeError(key: string, e: Episode): void {
    this.errorOpen.delete(key);
    if (e.count >= this.minErr) this.pushEpisode(e);
  }

  private pushEpisode(e: Episode): void {
    this.closed.push(e);
    if (this.closed.length > MAX_EPISODES * 2) this.closed.splice(0, this.closed.length - MAX_EPISODES);
  }

  private transition(bucket: PatternBucket, b: ColumnBatch, i: number, line: string): void {
    const data = restOf(b, i, line)?.data as { from?: unknown; to?: unknown; dwellMs?: unknown } | undefined;
    if (!data || typeof data !== 'object') return;
    const from = String(data.from ?? '(start)');
    const to = String(data.to ?? '(none)');
    const dwell = typeof data.dwellMs === 'number' ? data.dwellMs : -1;
    if (this.story.dwell.size < 10_000) this.story.add(from, to, dwell);
    bucket.story.add(from, to, dwell);
  }

  // ---- the report ---------------------------------------------------------------

  /**
   * Patterns over the last `timeframe` before `now` (ms on the session clock;
   * default the newest entry): "30s", "5m", "1h", "session".
   */
  analyze(timeframe: Timeframe = 'session', now?: number): PatternReport {
    const windowMs = parseTimeframe(timeframe);
    this.flushGrams();
    const to = this.clock.now(now);
    const session = !Number.isFinite(windowMs) || this.events === 0;
    const from = session ? (Number.isFinite(this.clock.first) ? this.clock.first : 0) : to - windowMs;
    const inRange = session ? [] : this.buckets.filter((bk) => bk.start >= 0 && bk.start + BUCKET_MS > from && bk.start <= to && bk.start > to - BUCKETS * BUCKET_MS);
    const hitters = session ? this.grams.top(this.k) : SpaceSaving.merge(inRange.map((bk) => bk.grams), this.k);
    const agents = session ? this.agentTotals : new AgentTotals();
    const story = session ? this.story : new StoryTotals();
    let events = session ? this.events : 0;
    if (!session) {
      for (const bk of inRange) {
        agents.merge(bk.agents);
        story.merge(bk.story);
        events += bk.events;
      }
    }
    const sequences: PatternReport['sequences'] = { '2': [], '3': [], '4': [] };
    for (const h of hitters) {
      const types = this.decodeGram(h.key);
      const list = sequences[String(types.length) as '2' | '3' | '4'];
      if (list && list.length < 10) list.push({ types, count: h.count, error: h.error });
    }
    const activity: AgentActivity[] = [];
    for (let a = 0; a < agents.calls.length; a++) {
      const calls = agents.calls[a];
      if (!calls) continue;
      const ms = agents.ms[a] ?? 0;
      activity.push({ agent: this.agents.names[a]!, calls, errors: agents.errors[a] ?? 0, totalMs: roundFigure(ms), meanMs: roundFigure(ms / calls) });
    }
    const transitions = [...story.transitions]
      .map(([k, count]) => {
        const [f, t] = k.split('\u0000') as [string, string];
        return { from: f, to: t, count };
      })
      .sort((a, b) => b.count - a.count)
      .slice(0, 50);
    const dwell = [...story.dwell]
      .map(([node, d]) => ({ node, count: d.count, totalMs: roundFigure(d.ms), meanMs: roundFigure(d.ms / d.count) }))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, 50);
    const lo = session ? -Infinity : from;
    return {
      timeframe: timeframeLabel(windowMs),
      windowMs: Number.isFinite(windowMs) ? windowMs : null,
      from: session ? from : Math.max(from, inRange.length ? Math.min(...inRange.map((bk) => bk.start)) : from),
      to,
      bucketMs: BUCKET_MS,
      events,
      sequences,
      sequencesApproximate: !session && inRange.length > 1,
      loops: this.loops(lo),
      busiestAgents: [...activity].sort((a, b) => b.calls - a.calls).slice(0, 20),
      slowestAgents: [...activity].sort((a, b) => b.totalMs - a.totalMs).slice(0, 20),
      story: { transitions, dwell },
    };
  }

  /** Loops whose last entry is at or after clock `from`, closed and ongoing, newest first. */
  private loops(from: number): Loop[] {
    const out: Loop[] = [];
    const add = (e: Episode, ongoing: boolean) => {
      if (e.lastClock < from) return;
      const { firstClock: _f, lastClock: _l, ...loop } = e;
      out.push({ ...loop, ongoing });
    };
    for (const e of this.closed) add(e, false);
    for (const e of this.selfOpen.values()) add(e, true);
    for (const e of this.errorOpen.values()) if (e.count >= this.minErr) add(e, true);
    for (const s of this.streams.values()) {
      const r = this.repeatEpisode(s);
      if (r) add(r, true);
      const a = this.alternationEpisode(s);
      if (a) add(a, true);
    }
    // An agent's stream and a method's stream can see the same episode: keep the fuller one.
    const kept = new Map<string, Loop>();
    for (const l of out) {
      const key = `${l.rule}\u0000${l.agent ?? ''}\u0000${l.what}\u0000${l.lastSeq}`;
      const k = kept.get(key);
      if (!k || l.count > k.count) kept.set(key, l);
    }
    // Calls repeated inside an agent's A-B-A-B are that alternation, told once.
    const alternations = [...kept.values()].filter((l) => l.rule === 'alternation');
    const within = (l: Loop) => alternations.some((a) => a.agent === l.agent && l.firstSeq >= a.firstSeq && l.lastSeq <= a.lastSeq && a !== l);
    return [...kept.values()]
      .filter((l) => l.rule !== 'repeated-call' || !within(l))
      .sort((a, b) => b.lastSeq - a.lastSeq)
      .slice(0, 200);
  }

  private decodeGram(key: number): string[] {
    const ids: number[] = [];
    while (key > 0) {
      ids.unshift(key % TYPE_BITS);
      key = Math.floor(key / TYPE_BITS);
    }
    return ids.map((g) => (g >= MAX_TYPE ? OTHER_NAME : (this.types.names[g - 1] ?? '?')));
  }
}
