/**
 * Loops an agent is stuck in, each reported with what, the agent, its seq and
 * ts range and a count:
 * - `self-call`: a span whose parent span is the same source + method
 *   (spans end child first, so a bounded map of recent span ids and of
 *   children waiting for their parent matches them either way round);
 * - `alternation`: one agent's consecutive actions alternate A-B-A-B for
 *   at least 6 steps (OpenHands' stuck detector), where an action is an
 *   agent call (method + arguments + result) or an event of kind state,
 *   custom or error (type + data): two calls are the same action only when
 *   their JSON is identical, so `update(dt)` with a changing dt is no loop;
 * - `repeated-call`: one agent makes the same call with the same arguments
 *   (and result) at least 4 times in a row;
 * - `repeated-error`: the same error (type + message) at least 3 times,
 *   no more than 60 s apart.
 * The pattern analyzer (patterns.ts) feeds it the entries it classifies.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { restOf, sourceOf, typeOf, type ColumnBatch } from '../core/columns';
import { Interner, hashString } from './timeframe';

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

/**
 * A map keyed by span id that remembers the last `cap` ids added: adding one
 * more forgets the oldest (spans come and go: memory stays bounded).
 *
 * Open addressing on a typed array rather than a Map: two of these take an
 * add, a get and a delete per span, and a Map's deletes cost more than the
 * rest of the span's loop checks. Same semantics as a Map keyed by number
 * (SameValueZero: NaN finds NaN, -0 finds 0).
 */
export class RecentIds<V> {
  private readonly order: Float64Array;
  private at = 0;
  /** Slots: a key, its value, and whether it is taken (linear probing, deletes shift back). */
  private readonly keys: Float64Array;
  private readonly values: (V | undefined)[];
  private readonly used: Uint8Array;
  private readonly mask: number;
  private readonly shift: number;
  constructor(cap: number) {
    this.order = new Float64Array(cap);
    let size = 16;
    let bits = 4;
    while (size < cap * 2) {
      size *= 2;
      bits++;
    }
    this.shift = 32 - bits;
    this.keys = new Float64Array(size);
    this.values = new Array<V | undefined>(size).fill(undefined);
    this.used = new Uint8Array(size);
    this.mask = size - 1;
  }
  private home(id: number): number {
    // Fibonacci hashing of the id's low and high 32 bits (ids are integers below 2^53; others still work, only slower).
    return Math.imul((id >>> 0) ^ ((id / 4294967296) >>> 0), 0x9e3779b1) >>> this.shift;
  }
  /** The slot holding `id`, or -1. */
  private find(id: number): number {
    const { keys, used, mask } = this;
    for (let j = this.home(id); used[j] === 1; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === id || (k !== k && id !== id)) return j;
    }
    return -1;
  }
  get(id: number): V | undefined {
    const j = this.find(id);
    return j < 0 ? undefined : this.values[j];
  }
  /** Adds `id` as the newest, forgetting the oldest past the cap. */
  add(id: number, v: V): void {
    const old = this.order[this.at]!;
    if (old !== 0) this.delete(old);
    this.order[this.at] = id;
    this.at = (this.at + 1) % this.order.length;
    this.replace(id, v);
  }
  /** Sets the value of `id` (adds it to the map, not to the order: `add` does). */
  replace(id: number, v: V): void {
    const { keys, used, mask } = this;
    let j = this.home(id);
    for (; used[j] === 1; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === id || (k !== k && id !== id)) break;
    }
    keys[j] = id === 0 ? 0 : id; // -0 is kept as 0, as a Map does
    this.values[j] = v;
    used[j] = 1;
  }
  delete(id: number): void {
    let j = this.find(id);
    if (j < 0) return;
    const { keys, used, values, mask } = this;
    // Backward-shift deletion: later keys of the run move up into the hole when their home allows it.
    for (let i = (j + 1) & mask; used[i] === 1; i = (i + 1) & mask) {
      const h = this.home(keys[i]!);
      // Key at i may move to j unless its home lies cyclically in (j, i].
      if (j <= i ? h <= j || h > i : h <= j && h > i) {
        keys[j] = keys[i]!;
        values[j] = values[i];
        j = i;
      }
    }
    used[j] = 0;
    values[j] = undefined;
    keys[j] = 0;
  }
  clear(): void {
    this.order.fill(0);
    this.at = 0;
    this.keys.fill(0);
    this.values.fill(undefined);
    this.used.fill(0);
  }
}

export interface LoopOptions {
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

const MAX_EPISODES = 1_000;

export class LoopDetector {
  private readonly minAlt: number;
  private readonly minRep: number;
  private readonly minErr: number;
  private readonly errorGapMs: number;
  private readonly selfGapMs: number;
  /** `agent.method` names by id. */
  private methods = new Interner();
  private streams = new Map<string, Stream>();
  /** Method of each recent span, by span id. */
  private readonly recent: RecentIds<number>;
  /** Methods of the children logged before their parent, by the parent's span id. */
  private readonly waiting: RecentIds<number | number[]>;
  // Episodes.
  private closed: Episode[] = [];
  private selfOpen = new Map<number, Episode>();
  private errorOpen = new Map<string, Episode>();
  // Per batch (its string ids are its own): method ids by source and method, and the streams of each source.
  private mult = 1;
  private methodIds = new Map<number, number>();
  private callStreams: (Stream | null | undefined)[] = [];
  private methodStreams = new Map<number, Stream | null>();
  private eventStreams: (Stream | null | undefined)[] = [];

  constructor(options: LoopOptions = {}) {
    this.minAlt = options.minAlternation ?? 6;
    this.minRep = options.minRepeatedCalls ?? 4;
    this.minErr = options.minRepeatedErrors ?? 3;
    this.errorGapMs = options.errorGapMs ?? 60_000;
    this.selfGapMs = options.selfCallGapMs ?? 10_000;
    this.recent = new RecentIds(options.spanMemory ?? 4096);
    this.waiting = new RecentIds(options.spanMemory ?? 4096);
  }

  reset(): void {
    this.methods = new Interner();
    this.closed = [];
    this.selfOpen = new Map();
    this.errorOpen = new Map();
    this.newSession();
  }

  /** A new session: action streams and span maps start afresh. */
  newSession(): void {
    for (const s of this.streams.values()) this.closeStream(s);
    this.streams = new Map();
    this.recent.clear();
    this.waiting.clear();
  }

  /** Before the entries of batch `b`. */
  beginBatch(b: ColumnBatch): void {
    this.mult = b.strings.length + 1;
    this.methodIds = new Map();
    this.callStreams = new Array<Stream | null | undefined>(this.mult);
    this.methodStreams = new Map();
    this.eventStreams = new Array<Stream | null | undefined>(this.mult);
  }

  /**
   * Entry `i`, an agent span of `agent` (its rest text `line`, at clock `t`):
   * its parent link, and an action in the agent's stream and in its method's.
   */
  call(b: ColumnBatch, i: number, agent: string, line: string, t: number): void {
    const strings = b.strings;
    const so = b.source[i]!;
    const me = b.method[i]!;
    const mkey = so * this.mult + me;
    let m = this.methodIds.get(mkey);
    if (m === undefined) {
      m = this.methods.id(`${agent}.${me === 0 ? strings[b.type[i]!]! : strings[me - 1]!}`);
      this.methodIds.set(mkey, m);
    }
    const seq = b.seq[i]!;
    const ts = b.ts[i]!;
    this.spanLinks(b.spanId[i]!, b.parentId[i]!, m, seq, ts, t);
    let st = this.callStreams[so];
    if (st === undefined) st = this.callStreams[so] = this.stream(true, agent);
    const name = this.methods.names[m]!;
    const code = hashString(line, 0x9e3779b1 ^ m);
    this.action(st, true, name, code, seq, ts, t);
    // And the method's own stream: the same call again and again, or its
    // results flipping A-B-A-B, even when other calls of the agent come between.
    let ms = this.methodStreams.get(m);
    if (ms === undefined) this.methodStreams.set(m, (ms = this.stream(true, agent, name)));
    this.action(ms, true, name, code, seq, ts, t);
  }

  /** Entry `i`, an event of kind state, custom or error: an action in its source's stream; `typeKey` tells its type apart. */
  event(b: ColumnBatch, i: number, typeKey: number, line: string, t: number): void {
    const strings = b.strings;
    const so = b.source[i]!;
    let st = this.eventStreams[so];
    if (st === undefined) st = this.eventStreams[so] = this.stream(false, so === 0 ? null : strings[so - 1]!);
    this.action(st, false, strings[b.type[i]!]!, hashString(line, 0x85ebca6b ^ typeKey), b.seq[i]!, b.ts[i]!, t);
  }

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

  /** Entry `i`, an error entry: the same error again extends its episode. */
  error(b: ColumnBatch, i: number, line: string, t: number): void {
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

  /** Loops whose last entry is at or after clock `from`, closed and ongoing, newest first. */
  loops(from: number): Loop[] {
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
}
