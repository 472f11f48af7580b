/**
 * Two traces side by side: a good run and a bad one, a file and the live
 * session. Each trace is first digested entry by entry (digestTrace, or a
 * TraceDigester fed as a file streams): per agent method its calls, errors
 * and a latency sketch; the count of every event type; a sketch of frame
 * times; the story's path. compareTraces then says, per method, what changed
 * (the percentiles' ratio, and whether it is beyond what the sketches' error
 * could make), most changed first; which event types one has and the other
 * not; both frame-time distributions; and where the two stories part.
 *
 * Pure and DOM-free: runs in the overlay and in Node (the CLI).
 */
import type { TraceEntry } from '../core/entry';
import { FRAME_STATS, STORY_TRANSITION } from '../core/event-types';
import { DDSketch, DEFAULT_ALPHA, roundFigure, summarize, type QuantileSummary } from './sketch';
import { NO_SOURCE, OTHER_NAME } from './timeframe';

/** Methods, event types and story steps kept by a digest (the rest counted). */
export const DIGEST_LIMITS = { methods: 1_000, types: 5_000, storySteps: 10_000, sessions: 1_000 } as const;
/** A method needs this many calls on both sides before its percentiles are compared. */
export const MIN_CALLS = 5;
/**
 * A percentile's confidence interval is the order-statistic one, this many
 * binomial sigmas of rank either side: 3 ≈ 99.7% two-sided under the normal
 * approximation, chosen from that meaning (few false alarms), not fitted.
 */
export const QUANTILE_Z = 3;
/** A change of error rate counts when a two-proportion z-test puts it this many sigmas out. */
const ERROR_Z = 3;
/** A change of call rate counts beyond this factor (and 3 Poisson sigmas). */
const CALL_RATE_FACTOR = 1.5;
/** Methods and types listed, at most (the rest counted in `unlisted`). */
export const MAX_LISTED = 200;

interface MethodDigest {
  agent: string;
  method: string;
  calls: number;
  errors: number;
  sketch: DDSketch;
}

/** A step of the story: a `story:transition` entry. */
export interface StoryStep {
  from: string;
  to: string;
  /** The entry's trace time (ms). */
  ts: number;
  seq: number;
}

export interface TraceDigest {
  entries: number;
  /** First and last entry's trace time (ms); null without entries. */
  firstTs: number | null;
  lastTs: number | null;
  /** Each session's first and last trace time (ms): a file of several sessions restarts its clock at each. */
  sessions: Map<string, { firstTs: number; lastTs: number }>;
  methods: Map<string, MethodDigest>;
  types: Map<string, number>;
  frames: DDSketch;
  story: StoryStep[];
  /**
   * What did not fit the limits: calls of methods past the limit and entries
   * of types past it (counted under '(other)'), story steps after the limit,
   * entries of sessions past it (their time spans merged under '(other)').
   */
  dropped: { methodCalls: number; typeEntries: number; storySteps: number; sessionEntries: number };
}

/** Builds a digest one entry at a time (a file as it streams, pages of the live store). */
export class TraceDigester {
  private readonly d: TraceDigest = { entries: 0, firstTs: null, lastTs: null, sessions: new Map(), methods: new Map(), types: new Map(), frames: new DDSketch(), story: [], dropped: { methodCalls: 0, typeEntries: 0, storySteps: 0, sessionEntries: 0 } };

  add(e: TraceEntry): void {
    const d = this.d;
    d.entries++;
    if (typeof e.ts === 'number') {
      if (d.firstTs === null || e.ts < d.firstTs) d.firstTs = e.ts;
      if (d.lastTs === null || e.ts > d.lastTs) d.lastTs = e.ts;
      this.sessionTime(typeof e.sessionId === 'string' ? e.sessionId : '', e.ts);
    }
    let type = e.type;
    if (!d.types.has(type) && d.types.size >= DIGEST_LIMITS.types) {
      d.dropped.typeEntries++;
      type = OTHER_NAME;
    }
    d.types.set(type, (d.types.get(type) ?? 0) + 1);
    if (e.kind === 'agent' && typeof e.dur === 'number') this.call(e, e.dur);
    else if (e.type === FRAME_STATS) this.frameTimes(e.data);
    else if (e.type === STORY_TRANSITION) this.storyStep(e);
  }

  digest(): TraceDigest {
    return this.d;
  }

  private sessionTime(id: string, ts: number): void {
    let key = id;
    if (!this.d.sessions.has(key) && this.d.sessions.size >= DIGEST_LIMITS.sessions) {
      this.d.dropped.sessionEntries++;
      key = OTHER_NAME;
    }
    const s = this.d.sessions.get(key);
    if (!s) this.d.sessions.set(key, { firstTs: ts, lastTs: ts });
    else {
      if (ts < s.firstTs) s.firstTs = ts;
      if (ts > s.lastTs) s.lastTs = ts;
    }
  }

  private call(e: TraceEntry, dur: number): void {
    const agent = e.source ?? NO_SOURCE;
    const method = e.method ?? e.type;
    let key = `${agent}.${method}`;
    let m = this.d.methods.get(key);
    if (!m && this.d.methods.size >= DIGEST_LIMITS.methods) {
      this.d.dropped.methodCalls++;
      key = OTHER_NAME;
      m = this.d.methods.get(key);
    }
    if (!m) this.d.methods.set(key, (m = { agent: key === OTHER_NAME ? OTHER_NAME : agent, method: key === OTHER_NAME ? '' : method, calls: 0, errors: 0, sketch: new DDSketch() }));
    m.calls++;
    if (e.status === 'error') m.errors++;
    if (dur >= 0 && Number.isFinite(dur)) m.sketch.add(dur);
  }

  private frameTimes(data: unknown): void {
    const times = (data as { times?: unknown } | null | undefined)?.times;
    if (!Array.isArray(times)) return;
    for (const t of times) if (typeof t === 'number' && t >= 0 && Number.isFinite(t)) this.d.frames.add(t);
  }

  private storyStep(e: TraceEntry): void {
    if (this.d.story.length >= DIGEST_LIMITS.storySteps) {
      this.d.dropped.storySteps++;
      return;
    }
    const data = (e.data ?? {}) as { from?: unknown; to?: unknown };
    this.d.story.push({ from: String(data.from ?? '(start)'), to: String(data.to ?? '(none)'), ts: e.ts, seq: e.seq });
  }
}

/** The digest of a trace's entries. */
export function digestTrace(entries: Iterable<TraceEntry>): TraceDigest {
  const d = new TraceDigester();
  for (const e of entries) d.add(e);
  return d.digest();
}

/** One side of a method's comparison. */
export interface MethodSide {
  calls: number;
  /** Calls per second of the trace's span. */
  perSecond: number;
  errors: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /**
   * Each percentile's distribution-free confidence interval (ms): the values
   * at ranks p ± QUANTILE_Z·√(p(1−p)/n), widened by the sketch's relative
   * error; null where the side has no duration.
   */
  interval: { p50: Interval | null; p95: Interval | null; p99: Interval | null };
}

/** [low, high] (ms); high null: no upper bound (too few values past the percentile). */
export type Interval = readonly [number, number | null];

export interface MethodComparison {
  /** `agent.method` */
  name: string;
  agent: string;
  method: string;
  /** null where the trace has no call of it. */
  a: MethodSide | null;
  b: MethodSide | null;
  /** b / a of each percentile (both at least CLOCK_FLOOR_MS; null where one side has fewer than MIN_CALLS calls); errorRate is b − a. */
  change: { perSecond: number | null; errorRate: number | null; p50: number | null; p95: number | null; p99: number | null };
  /** What changed beyond the sketches' error and chance, in words; [] when nothing did. */
  findings: string[];
  /** How much it changed (0: within the error): methods are listed by it, highest first. */
  score: number;
}

export interface TraceSideSummary {
  entries: number;
  /** The sum of the sessions' spans. */
  durationMs: number;
  calls: number;
  errors: number;
  dropped: TraceDigest['dropped'];
}

export interface StoryDivergence {
  /** The index of the first step that differs (the steps before it are the same in both). */
  index: number;
  /** The step of each at that index; null where that story had ended. */
  a: StoryStep | null;
  b: StoryStep | null;
}

export interface TraceComparison {
  a: TraceSideSummary;
  b: TraceSideSummary;
  /** Every percentile is within this relative error (DDSketch α)... */
  relativeError: number;
  /** ...so a ratio of two is within this much of the true ratio: a change within it may be the sketches' alone. */
  ratioError: number;
  /** Most changed first (at most MAX_LISTED). */
  methods: MethodComparison[];
  /** What the lists leave out (past MAX_LISTED): methods, and types of one trace only. */
  unlisted: { methods: number; onlyInA: number; onlyInB: number };
  types: { onlyInA: { type: string; count: number }[]; onlyInB: { type: string; count: number }[]; inBoth: number; onlyInATotal: number; onlyInBTotal: number };
  frames: {
    a: QuantileSummary;
    b: QuantileSummary;
    /** Frame time (ms) at each percentile `q` (0..100) of each: the two distributions, overlaid. */
    curve: { q: number[]; a: (number | null)[]; b: (number | null)[] };
  };
  story: { a: number; b: number; divergence: StoryDivergence | null };
}

/** A trace to compare: its digest, or its entries (a TraceFile, the entries of a store). */
export type Comparable = TraceDigest | { entries: Iterable<TraceEntry> } | Iterable<TraceEntry>;

function isDigest(x: Comparable): x is TraceDigest {
  return typeof (x as TraceDigest).entries === 'number' && (x as TraceDigest).methods instanceof Map;
}

function digestOf(x: Comparable): TraceDigest {
  if (isDigest(x)) return x;
  if (Symbol.iterator in x) return digestTrace(x as Iterable<TraceEntry>);
  return digestTrace((x as { entries: Iterable<TraceEntry> }).entries);
}

/** Compares trace `a` (the reference: the good run) with trace `b`. */
export function compareTraces(a: Comparable, b: Comparable): TraceComparison {
  const da = digestOf(a);
  const db = digestOf(b);
  const alpha = DEFAULT_ALPHA;
  const ratioError = roundFigure((1 + alpha) / (1 - alpha) - 1);
  const secA = seconds(da);
  const secB = seconds(db);
  const names = new Set([...da.methods.keys(), ...db.methods.keys()]);
  const methods: MethodComparison[] = [];
  for (const name of names) methods.push(compareMethod(name, da.methods.get(name), db.methods.get(name), secA, secB, ratioError));
  methods.sort((x, y) => y.score - x.score || (y.b?.calls ?? 0) + (y.a?.calls ?? 0) - ((x.b?.calls ?? 0) + (x.a?.calls ?? 0)) || (x.name < y.name ? -1 : 1));
  const types = compareTypes(da.types, db.types);
  return {
    a: sideSummary(da),
    b: sideSummary(db),
    relativeError: alpha,
    ratioError,
    methods: methods.slice(0, MAX_LISTED),
    unlisted: { methods: Math.max(0, methods.length - MAX_LISTED), onlyInA: types.onlyInATotal - types.onlyInA.length, onlyInB: types.onlyInBTotal - types.onlyInB.length },
    types,
    frames: { a: summarize(da.frames), b: summarize(db.frames), curve: frameCurve(da.frames, db.frames) },
    story: { a: da.story.length, b: db.story.length, divergence: divergence(da.story, db.story) },
  };
}

/** The trace's time (ms): the sum of its sessions' spans (each session's clock starts at 0). */
function traceSpanMs(d: TraceDigest): number {
  let ms = 0;
  for (const s of d.sessions.values()) ms += s.lastTs - s.firstTs;
  return ms;
}

function seconds(d: TraceDigest): number {
  return Math.max(1, traceSpanMs(d) / 1000);
}

function sideSummary(d: TraceDigest): TraceSideSummary {
  let calls = 0;
  let errors = 0;
  for (const m of d.methods.values()) {
    calls += m.calls;
    errors += m.errors;
  }
  return { entries: d.entries, durationMs: roundFigure(traceSpanMs(d)), calls, errors, dropped: { ...d.dropped } };
}

/**
 * The confidence interval of percentile `p` of `s`: for n values, the true
 * p-quantile lies between the values of ranks n·(p ∓ z·√(p(1−p)/n)) (the
 * rank of a quantile is binomial), whatever the distribution. The ranks are
 * rounded outwards; an end past the sample is open (0 below; null, no bound,
 * above: the largest of few values is no bound on their p95). Each end is
 * widened by the sketch's relative error α.
 */
function quantileInterval(s: DDSketch, p: number, z = QUANTILE_Z, alpha = DEFAULT_ALPHA): Interval | null {
  const n = s.count;
  if (n === 0) return null;
  const h = z * Math.sqrt((p * (1 - p)) / n);
  const last = n - 1;
  const lo = p - h <= 0 || last === 0 ? 0 : s.quantile(Math.floor((p - h) * last) / last);
  const hi = p + h >= 1 || last === 0 ? null : s.quantile(Math.min(last, Math.ceil((p + h) * last)) / last);
  return [roundFigure(lo * (1 - alpha)), hi === null ? null : roundFigure(hi * (1 + alpha))];
}

function side(m: MethodDigest | undefined, secs: number): MethodSide | null {
  if (!m) return null;
  const q = (p: number) => (m.sketch.count > 0 ? roundFigure(m.sketch.quantile(p)) : null);
  const ci = (p: number) => quantileInterval(m.sketch, p);
  return {
    calls: m.calls,
    perSecond: roundFigure(m.calls / secs),
    errors: m.errors,
    errorRate: roundFigure(m.errors / Math.max(1, m.calls)),
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    interval: { p50: ci(0.5), p95: ci(0.95), p99: ci(0.99) },
  };
}

/** Whether two intervals are apart (neither reaches the other). */
const apart = (x: Interval, y: Interval) => (x[1] !== null && x[1] < y[0]) || (y[1] !== null && y[1] < x[0]);

/**
 * Latencies under this (ms) are compared as this: a page without cross-origin
 * isolation reads a clock of 100 µs steps, so 0 and 0.1 ms are the same reading.
 */
export const CLOCK_FLOOR_MS = 0.1;

const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && a > 0 ? roundFigure(b / a) : null);
const latencyRatio = (a: number | null, b: number | null) => (a !== null && b !== null ? roundFigure(Math.max(b, CLOCK_FLOOR_MS) / Math.max(a, CLOCK_FLOOR_MS)) : null);

function compareMethod(name: string, ma: MethodDigest | undefined, mb: MethodDigest | undefined, secA: number, secB: number, ratioError: number): MethodComparison {
  const a = side(ma, secA);
  const b = side(mb, secB);
  const any = (ma ?? mb)!;
  const out: MethodComparison = { name, agent: any.agent, method: any.method, a, b, change: { perSecond: null, errorRate: null, p50: null, p95: null, p99: null }, findings: [], score: 0 };
  if (!a || !b) {
    out.findings.push(a ? `called ${a.calls} times in A, never in B` : `called ${b!.calls} times in B, never in A`);
    out.score = 1;
    return out;
  }
  out.change.perSecond = ratio(a.perSecond, b.perSecond);
  out.change.errorRate = roundFigure(b.errorRate - a.errorRate);
  const compared = ma!.sketch.count >= MIN_CALLS && mb!.sketch.count >= MIN_CALLS;
  if (compared) {
    out.change.p50 = latencyRatio(a.p50, b.p50);
    out.change.p95 = latencyRatio(a.p95, b.p95);
    out.change.p99 = latencyRatio(a.p99, b.p99);
    for (const [label, r, va, vb, ia, ib] of [['p50', out.change.p50, a.p50, b.p50, a.interval.p50, b.interval.p50], ['p95', out.change.p95, a.p95, b.p95, a.interval.p95, b.interval.p95]] as const) {
      // Beyond chance and the sketches' error (the two confidence intervals apart),
      // and by two clock steps at least (one step is the clock's rounding).
      if (r === null || va === null || vb === null || ia === null || ib === null || !apart(ia, ib) || Math.abs(r - 1) <= ratioError || Math.abs(vb - va) < 2 * CLOCK_FLOOR_MS) continue;
      // A shift within the sketches' error counts for nothing; past it, by how many times.
      const s = Math.abs(Math.log(r));
      if (s > Math.log(1 + 4 * ratioError)) {
        out.score = Math.max(out.score, s);
        out.findings.push(`${label} ${fig(va)} → ${fig(vb)} ms (×${fig(r)}; A ${span(ia)}, B ${span(ib)} ms)`);
      }
    }
  }
  // Error rate: a two-proportion z-test, scored on a log scale like latency (1% → 50% ≈ 3.2).
  const pooled = (a.errors + b.errors) / (a.calls + b.calls);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.calls + 1 / b.calls));
  if (se > 0 && Math.abs(b.errorRate - a.errorRate) / se >= ERROR_Z) {
    out.score = Math.max(out.score, Math.abs(Math.log((b.errorRate + 0.01) / (a.errorRate + 0.01))));
    out.findings.push(`errors ${pct(a.errorRate)} → ${pct(b.errorRate)} of calls`);
  }
  // Call rate: beyond CALL_RATE_FACTOR and 3 Poisson sigmas of the counts.
  const r = out.change.perSecond;
  if (r !== null && (r >= CALL_RATE_FACTOR || r <= 1 / CALL_RATE_FACTOR)) {
    const expectedB = (a.calls * secB) / secA;
    if (Math.abs(b.calls - expectedB) >= 3 * Math.sqrt(expectedB + b.calls)) {
      out.score = Math.max(out.score, Math.abs(Math.log(r)));
      out.findings.push(`calls ${fig(a.perSecond)} → ${fig(b.perSecond)} a second (×${fig(r)})`);
    }
  }
  out.score = roundFigure(out.score);
  return out;
}

function compareTypes(a: Map<string, number>, b: Map<string, number>): TraceComparison['types'] {
  const only = (x: Map<string, number>, y: Map<string, number>) =>
    [...x]
      .filter(([t]) => !y.has(t) && t !== OTHER_NAME)
      .map(([type, count]) => ({ type, count }))
      .sort((p, q) => q.count - p.count || (p.type < q.type ? -1 : 1));
  let inBoth = 0;
  for (const t of a.keys()) if (b.has(t)) inBoth++;
  const onlyA = only(a, b);
  const onlyB = only(b, a);
  return { onlyInA: onlyA.slice(0, MAX_LISTED), onlyInB: onlyB.slice(0, MAX_LISTED), inBoth, onlyInATotal: onlyA.length, onlyInBTotal: onlyB.length };
}

/** Percentiles 1..99, then 99.5 and 99.9: where the two distributions part shows, the tail included. */
const CURVE_Q = [...Array.from({ length: 99 }, (_, k) => k + 1), 99.5, 99.9];

function frameCurve(a: DDSketch, b: DDSketch): TraceComparison['frames']['curve'] {
  const at = (s: DDSketch) => CURVE_Q.map((q) => (s.count > 0 ? roundFigure(s.quantile(q / 100)) : null));
  return { q: CURVE_Q, a: at(a), b: at(b) };
}

function divergence(a: readonly StoryStep[], b: readonly StoryStep[]): StoryDivergence | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i]!.from !== b[i]!.from || a[i]!.to !== b[i]!.to) return { index: i, a: a[i]!, b: b[i]! };
  }
  if (a.length === b.length) return null;
  return { index: n, a: a[n] ?? null, b: b[n] ?? null };
}

function fig(v: number | null): string {
  return v === null ? '–' : String(Number(v.toPrecision(3)));
}

/** An interval as text: `low–high`, `low–∞` when open above. */
export function span(i: Interval): string {
  return `${fig(i[0])}–${i[1] === null ? '∞' : fig(i[1])}`;
}

/** What a side's digest did not keep, in words ('' when it kept everything). */
export function droppedText(d: TraceDigest['dropped']): string {
  const parts: string[] = [];
  if (d.methodCalls > 0) parts.push(`${d.methodCalls} calls of methods past ${DIGEST_LIMITS.methods}`);
  if (d.typeEntries > 0) parts.push(`${d.typeEntries} entries of types past ${DIGEST_LIMITS.types}`);
  if (d.sessionEntries > 0) parts.push(`${d.sessionEntries} entries of sessions past ${DIGEST_LIMITS.sessions}`);
  if (d.storySteps > 0) parts.push(`${d.storySteps} story steps past ${DIGEST_LIMITS.storySteps}`);
  return parts.length === 0 ? '' : `counted under '${OTHER_NAME}' or not kept: ${parts.join(', ')}`;
}

function pct(p: number): string {
  return `${fig(p * 100)}%`;
}
