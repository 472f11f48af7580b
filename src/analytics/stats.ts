/**
 * `generateStats()`: counts and rates per kind, type, source and level; per
 * agent method calls, errors and latency percentiles; frame times, FPS and
 * hitches; truncated entries. Everything is read from the columns of a
 * batch: only `frame:stats` entries (one a second) have their JSON parsed.
 *
 * Time windows come from a `MetricRing` (metric-ring.ts); counts and their
 * last-60-s rates from key-counter.ts.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { BIT_ERROR, KIND_AGENT, KIND_ERROR, KIND_PERF, KIND_PLAYER, KIND_STATE, LEVEL_ERROR, localId, restLines, restOf, sourceOf, typeOf, type ColumnBatch } from '../core/columns';
import { FLAG_CLOCK, FLAG_REDACTED, FLAG_TRUNCATED, KINDS, LEVELS } from '../core/entry';
import { DEFAULT_HITCH_MS, FRAME_HITCH, FRAME_STATS, type FrameStatsData } from '../core/event-types';
import { KeyCounter, KeyTable } from './key-counter';
import { DEFAULT_TIERS, MetricRing, type TierSpec } from './metric-ring';
import { DDSketch, DEFAULT_ALPHA, roundFigure, summarize, type QuantileSummary } from './sketch';
import { NO_SOURCE, OTHER_NAME, SessionClock } from './timeframe';

/** Frame times (ms) of a `frame:stats` entry; [] when it has none. */
export function frameTimesOf(b: ColumnBatch, i: number, line: string): number[] {
  const times = (restOf(b, i, line)?.data as Partial<FrameStatsData> | undefined)?.times;
  return Array.isArray(times) ? (times as unknown[]).filter((t): t is number => typeof t === 'number' && t >= 0) : [];
}

interface MethodRec {
  id: number;
  agent: string;
  method: string;
  calls: number;
  errors: number;
  totalMs: number;
  lastTs: number;
  sketch: DDSketch;
}

// ---- the snapshot ---------------------------------------------------------------

/** A count and its rates. */
export interface CountRate {
  /** Entries since the collector started (or was reset). */
  count: number;
  /** count / elapsed seconds (elapsed at least 1 s). */
  perSecond: number;
  /** Entries in the last 60 s. */
  last60s: number;
  /** last60s / min(60, elapsed seconds). */
  perSecondLast60s: number;
}

/** One agent method (source + method). */
export interface MethodStats {
  /** The span's source (agent name); '(none)' when absent. */
  agent: string;
  /** The span's method (its type when the span has no method). */
  method: string;
  calls: number;
  /** Calls whose span status is 'error'. */
  errors: number;
  /** errors / calls (0..1). */
  errorRate: number;
  /** Latency (span dur, ms) percentiles from a DDSketch, within `sketchRelativeError`; null before a call. */
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  /** Exact. */
  max: number | null;
  mean: number | null;
  /** Summed duration (ms). */
  totalMs: number;
  /** `ts` of the last call (ms since the session start). */
  lastTs: number;
  /** The same over the last 60 s. */
  last60s: { calls: number; errors: number; errorRate: number; p95: number | null };
}

export interface FrameStats {
  /** Frames reported by frame:stats entries. */
  frames: number;
  /** Frame time (ms) percentiles from a DDSketch; nulls before any frame:stats. */
  frameTime: QuantileSummary;
  /** frames / summed frame time; null before any frame. */
  avgFps: number | null;
  /** The 1 % low: 1000 / frame-time p99 (the FPS that 99 % of frames reach). */
  low1Fps: number | null;
  /** Frames in frame:stats over the hitch threshold (`hitchMs`); the count of frame:hitch entries when no frame:stats came. */
  hitches: number;
  /** hitches / elapsed minutes. */
  hitchesPerMinute: number;
  /** frame:hitch entries (the frame loop's own hitch reports). */
  hitchEntries: number;
  /** Over the last 60 s. */
  last60s: { frames: number; avgFps: number | null; p95: number | null; hitches: number };
}

/** What `generateStats()` returns: plain JSON. */
export interface GeneratedStats {
  /** Relative error of every percentile below (DDSketch α). */
  sketchRelativeError: number;
  /** The session of the newest entries, and how many sessions were seen. */
  sessionId: string;
  sessions: number;
  /** The clock of the snapshot (ms since the first session started). */
  now: number;
  /** Time covered (ms): `now` since the first session started. */
  elapsedMs: number;
  /** Every entry. */
  total: CountRate;
  /** Error entries (kind 'error' or level error/critical). */
  errors: CountRate;
  /** Per kind (all seven, zeros included). */
  kinds: Record<string, CountRate>;
  /** Per level (all five). */
  levels: Record<string, CountRate>;
  /** Per type, most frequent first (at most 500 names; the rest under '(other)'). */
  types: Record<string, CountRate>;
  /** Per source (at most 200 names; '(none)' for entries without one). */
  sources: Record<string, CountRate>;
  /** All agent spans together. */
  calls: { count: number; errors: number; errorRate: number; latency: QuantileSummary };
  /** Per agent method, most called first. */
  methods: MethodStats[];
  frames: FrameStats;
  /** Entries whose data was truncated (FLAG_TRUNCATED) or redacted (FLAG_REDACTED). */
  truncated: number;
  redacted: number;
}

/** Told every agent call the collector counts (the engine's per-method baselines listen). */
export interface CallObserver {
  /** Method `id` (MetricRing.methodNames) took `dur` ms; `ts` is the entry's own (session) time. */
  call(id: number, dur: number, failed: boolean, ts: number, seq: number, frame: number): void;
}

export interface StatsOptions {
  /** Told every agent call, after it is counted. */
  observer?: CallObserver;
  alpha?: number;
  tiers?: readonly TierSpec[];
  /** Distinct types and sources kept by name (default 500 and 200). */
  maxTypes?: number;
  maxSources?: number;
  /** Distinct methods kept (default 1000); the rest count under '(other)'. */
  maxMethods?: number;
  /** A frame longer than this (ms) is a hitch: the frame loop's `hitchMs` (default DEFAULT_HITCH_MS). */
  hitchMs?: number;
}

export class StatsCollector {
  readonly alpha: number;
  /** The time buckets (TrendAnalyzer and the engine read them). */
  readonly ring: MetricRing;
  readonly clock = new SessionClock();
  private total = new KeyCounter();
  private errors = new KeyCounter();
  private kinds: KeyCounter[] = [];
  private levels: KeyCounter[] = [];
  private types: KeyTable;
  private sources: KeyTable;
  private methodMap = new Map<string, MethodRec>();
  private methods: MethodRec[] = [];
  private callSketch: DDSketch;
  private calls = 0;
  private callErrors = 0;
  private frameSketch: DDSketch;
  private frames = 0;
  private frameMs = 0;
  private hitchFrames = 0;
  private hitchEntries = 0;
  private truncated = 0;
  private redacted = 0;

  constructor(private readonly options: StatsOptions = {}) {
    this.alpha = options.alpha ?? DEFAULT_ALPHA;
    this.ring = new MetricRing(options.tiers ?? DEFAULT_TIERS, this.alpha);
    this.types = new KeyTable(options.maxTypes ?? 500);
    this.sources = new KeyTable(options.maxSources ?? 200);
    this.callSketch = new DDSketch(this.alpha);
    this.frameSketch = new DDSketch(this.alpha);
    this.reset();
  }

  reset(): void {
    this.ring.reset();
    this.clock.reset();
    this.total = new KeyCounter();
    this.errors = new KeyCounter();
    this.kinds = KINDS.map(() => new KeyCounter());
    this.levels = LEVELS.map(() => new KeyCounter());
    this.types = new KeyTable(this.options.maxTypes ?? 500);
    this.sources = new KeyTable(this.options.maxSources ?? 200);
    this.methodMap = new Map();
    this.methods = [];
    this.callSketch.clear();
    this.calls = this.callErrors = 0;
    this.frameSketch.clear();
    this.frames = this.frameMs = this.hitchFrames = this.hitchEntries = 0;
    this.truncated = this.redacted = 0;
  }

  consume(b: ColumnBatch, sessionId: string): void {
    const n = b.count;
    if (n === 0) return;
    const clock = this.clock;
    clock.enter(sessionId, b.ts[0]!);
    const base = clock.base;
    const strings = b.strings;
    const typeRecs = new Array<KeyCounter | undefined>(strings.length);
    const sourceRecs = new Array<KeyCounter | undefined>(strings.length + 1);
    const methodRecs = new Map<number, MethodRec>();
    const mult = strings.length + 1;
    const statsId = localId(b, FRAME_STATS);
    const hitchId = localId(b, FRAME_HITCH);
    let lines: string[] | null = null;
    const ring = this.ring;
    const observer = this.options.observer;
    const hitchMs = this.options.hitchMs ?? DEFAULT_HITCH_MS;
    const { ts, kind, level, type, source, flags, dur, bits } = b;
    for (let i = 0; i < n; i++) {
      const t = base + ts[i]!;
      const sec = Math.floor(t / 1000);
      const bucket = ring.current(t);
      const k = kind[i]!;
      const l = level[i]!;
      this.total.inc(sec);
      this.kinds[k]?.inc(sec);
      this.levels[l]?.inc(sec);
      const ty = type[i]!;
      (typeRecs[ty] ??= this.types.get(strings[ty]!)).inc(sec);
      const so = source[i]!;
      (sourceRecs[so] ??= this.sources.get(so === 0 ? NO_SOURCE : strings[so - 1]!)).inc(sec);
      bucket.events++;
      const f = flags[i]!;
      if (f !== 0) {
        if (f & FLAG_TRUNCATED) this.truncated++;
        if (f & FLAG_REDACTED) this.redacted++;
      }
      if (k === KIND_ERROR || l >= LEVEL_ERROR) {
        this.errors.inc(sec);
        bucket.errors++;
      }
      if (k === KIND_AGENT) {
        const d = dur[i]!;
        if (d !== d || (f & FLAG_CLOCK) !== 0) continue; // a span the clock jumped under has no duration to learn from
        const key = so * mult + b.method[i]!;
        let rec = methodRecs.get(key);
        if (!rec) methodRecs.set(key, (rec = this.method(b, i)));
        const failed = (bits[i]! & BIT_ERROR) !== 0;
        rec.calls++;
        rec.totalMs += d;
        rec.lastTs = ts[i]!;
        // One logarithm for the four sketches of one α the span goes into.
        const bin = d > this.callSketch.minValue ? this.callSketch.keyOf(d) : 0;
        rec.sketch.addKeyed(d, bin);
        this.calls++;
        this.callSketch.addKeyed(d, bin);
        if (failed) {
          rec.errors++;
          this.callErrors++;
        }
        bucket.addCall(d, failed, rec.id, bin);
        observer?.call(rec.id, d, failed, ts[i]!, b.seq[i]!, b.frame[i]!);
      } else if (k === KIND_PERF) {
        if (ty === statsId) {
          lines ??= restLines(b);
          for (const ms of frameTimesOf(b, i, lines[i]!)) {
            this.frames++;
            this.frameMs += ms;
            this.frameSketch.add(ms);
            const hitch = ms > hitchMs;
            if (hitch) this.hitchFrames++;
            bucket.addFrame(ms, hitch);
          }
        } else if (ty === hitchId) this.hitchEntries++;
      } else if (k === KIND_PLAYER) bucket.input++;
      else if (k === KIND_STATE) bucket.state++;
    }
    clock.leave(ts[n - 1]!);
  }

  private method(b: ColumnBatch, i: number): MethodRec {
    const me = b.method[i]!;
    const agent = sourceOf(b, i) ?? NO_SOURCE;
    const method = me === 0 ? typeOf(b, i) : b.strings[me - 1]!;
    const name = `${agent}.${method}`;
    let rec = this.methodMap.get(name);
    if (rec) return rec;
    if (this.methods.length >= (this.options.maxMethods ?? 1000)) {
      rec = this.methodMap.get(`${OTHER_NAME}.${OTHER_NAME}`);
      if (rec) return rec;
      return this.newMethod(`${OTHER_NAME}.${OTHER_NAME}`, OTHER_NAME, OTHER_NAME);
    }
    return this.newMethod(name, agent, method);
  }

  private newMethod(name: string, agent: string, method: string): MethodRec {
    const rec: MethodRec = { id: this.methods.length, agent, method, calls: 0, errors: 0, totalMs: 0, lastTs: 0, sketch: new DDSketch(this.alpha) };
    this.methods.push(rec);
    this.methodMap.set(name, rec);
    this.ring.methodNames[rec.id] = name;
    return rec;
  }

  /** The clock now: the newest entry's, or `now` when later (ms, same clock as the entries' ts). */
  now(now?: number): number {
    return this.clock.now(now);
  }

  /** The figures so far; `now` (ms, session clock) lets rates decay when entries stop coming. */
  snapshot(now?: number): GeneratedStats {
    const t = this.now(now);
    const nowSec = Math.floor(t / 1000);
    const elapsedS = Math.max(1, t / 1000);
    const win = Math.min(60, elapsedS);
    const rate = (c: KeyCounter): CountRate => {
      const last60s = c.last60(nowSec);
      return { count: c.count, perSecond: roundFigure(c.count / elapsedS), last60s, perSecondLast60s: roundFigure(last60s / win) };
    };
    const named = (table: KeyTable): Record<string, CountRate> => {
      const out: Record<string, CountRate> = {};
      for (const [name, c] of [...table.map].sort((a, b) => b[1].count - a[1].count)) out[name] = rate(c);
      return out;
    };
    const kinds: Record<string, CountRate> = {};
    KINDS.forEach((k, i) => (kinds[k] = rate(this.kinds[i]!)));
    const levels: Record<string, CountRate> = {};
    LEVELS.forEach((l, i) => (levels[l] = rate(this.levels[i]!)));

    const last = this.ring.merged(t - 59_999, t);
    const methods: MethodStats[] = this.methods
      .filter((m) => m.calls > 0)
      .sort((a, b) => b.calls - a.calls)
      .map((m) => {
        const q = summarize(m.sketch);
        const ws = last.methods[m.id];
        const wCalls = ws?.count ?? 0;
        const wErr = last.methodErrors[m.id] ?? 0;
        return {
          agent: m.agent,
          method: m.method,
          calls: m.calls,
          errors: m.errors,
          errorRate: roundFigure(m.errors / m.calls),
          p50: q.p50,
          p90: q.p90,
          p95: q.p95,
          p99: q.p99,
          max: q.max,
          mean: q.mean,
          totalMs: roundFigure(m.totalMs),
          lastTs: m.lastTs,
          last60s: { calls: wCalls, errors: wErr, errorRate: wCalls ? roundFigure(wErr / wCalls) : 0, p95: ws && ws.count ? roundFigure(ws.quantile(0.95)) : null },
        };
      });

    const ft = summarize(this.frameSketch);
    const hitches = this.frames > 0 ? this.hitchFrames : this.hitchEntries;
    const elapsedMin = Math.max(1 / 60, t / 60_000);
    return {
      sketchRelativeError: this.alpha,
      sessionId: this.clock.sessionId,
      sessions: this.clock.sessions,
      now: t,
      elapsedMs: t,
      total: rate(this.total),
      errors: rate(this.errors),
      kinds,
      levels,
      types: named(this.types),
      sources: named(this.sources),
      calls: { count: this.calls, errors: this.callErrors, errorRate: this.calls ? roundFigure(this.callErrors / this.calls) : 0, latency: summarize(this.callSketch) },
      methods,
      frames: {
        frames: this.frames,
        frameTime: ft,
        avgFps: this.frameMs > 0 ? roundFigure((this.frames * 1000) / this.frameMs) : null,
        low1Fps: ft.p99 ? roundFigure(1000 / ft.p99) : null,
        hitches,
        hitchesPerMinute: roundFigure(hitches / elapsedMin),
        hitchEntries: this.hitchEntries,
        last60s: {
          frames: last.frames,
          avgFps: last.frameMs > 0 ? roundFigure((last.frames * 1000) / last.frameMs) : null,
          p95: last.frameTimes.count ? roundFigure(last.frameTimes.quantile(0.95)) : null,
          hitches: last.hitches,
        },
      },
      truncated: this.truncated,
      redacted: this.redacted,
    };
  }
}
