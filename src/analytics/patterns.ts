/**
 * `analyzePatterns(timeframe)`: the most frequent sequences of event types,
 * loops, the busiest agents, and transitions between story nodes. This file
 * classifies each entry and keeps the time buckets; each figure has a file
 * of its own:
 * - sequences: n-grams (n = 2..4) of consecutive entry types per session,
 *   counted with Space-Saving (ngrams.ts, space-saving.ts);
 * - loops: self-calls, A-B-A-B alternations, repeated calls and errors
 *   (loops.ts);
 * - agents: spans per source, total and mean time, errors (agent-activity.ts);
 * - story: `story:transition` counts per from → to, and dwell time per node
 *   (story-flow.ts).
 *
 * Timeframes: figures are kept per 10 s bucket (the last hour) and for the
 * session; a timeframe merges the buckets it touches, so its edges are
 * rounded out to 10 s. Merging Space-Saving summaries is approximate: counts
 * stay upper bounds and `error` says by how much at most.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { BIT_ERROR, KIND_AGENT, KIND_CUSTOM, KIND_ERROR, KIND_STATE, LEVEL_ERROR, localId, restLines, type ColumnBatch } from '../core/columns';
import { STORY_TRANSITION } from '../core/event-types';
import { AgentTotals, type AgentActivity } from './agent-activity';
import { LoopDetector, type Loop, type LoopOptions } from './loops';
import { TypeSequences, type Sequences } from './ngrams';
import { SpaceSaving } from './space-saving';
import { StoryTotals, transitionOf, type StoryReport } from './story-flow';
import { Interner, NO_SOURCE, SessionClock, parseTimeframe, timeframeLabel, type Timeframe } from './timeframe';

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
  sequences: Sequences;
  /** True when sequences come from merged summaries (counts are upper bounds, see `error`). */
  sequencesApproximate: boolean;
  loops: Loop[];
  /** Most calls first. */
  busiestAgents: AgentActivity[];
  /** Most total time first. */
  slowestAgents: AgentActivity[];
  story: StoryReport;
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

export interface PatternOptions extends LoopOptions {
  /** Space-Saving counters for the session (default 200) and per 10 s bucket (default 100). */
  k?: number;
  bucketK?: number;
}

const BUCKET_MS = 10_000;
const BUCKETS = 360;
/** Story nodes the session's dwell table keeps (a bucket's is bounded by its 10 s). */
const MAX_STORY_NODES = 10_000;

export class PatternAnalyzer {
  readonly clock = new SessionClock();
  private readonly k: number;
  private readonly bucketK: number;
  private readonly sequences: TypeSequences;
  private readonly loopDetector: LoopDetector;
  private agents = new Interner();
  private buckets: PatternBucket[] = [];
  private head: PatternBucket | null = null;
  private headEnd = -Infinity;
  private events = 0;
  private agentTotals = new AgentTotals();
  private story = new StoryTotals();

  constructor(options: PatternOptions = {}) {
    this.k = options.k ?? 200;
    this.bucketK = options.bucketK ?? 100;
    this.sequences = new TypeSequences(this.k);
    this.loopDetector = new LoopDetector(options);
  }

  reset(): void {
    this.clock.reset();
    this.sequences.reset();
    this.agents = new Interner();
    this.buckets = [];
    this.head = null;
    this.headEnd = -Infinity;
    this.events = 0;
    this.agentTotals = new AgentTotals();
    this.story = new StoryTotals();
    this.loopDetector.reset();
  }

  /** A new session: sequences, action streams and span maps start afresh. */
  private newSession(): void {
    this.sequences.newSession();
    this.loopDetector.newSession();
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
    this.sequences.flush(this.head ? this.head.grams : null);
  }

  consume(b: ColumnBatch, sessionId: string): void {
    const n = b.count;
    if (n === 0) return;
    if (this.clock.enter(sessionId, b.ts[0]!) && this.clock.sessions > 1) this.newSession();
    const base = this.clock.base;
    const strings = b.strings;
    const typeTable = this.sequences.typeTable(b);
    const agentTable = new Int32Array(strings.length + 1).fill(-1);
    const loops = this.loopDetector;
    loops.beginBatch(b);
    const storyId = localId(b, STORY_TRANSITION);
    let lines: string[] | null = null;
    const { ts, kind, level, type, source, dur, bits } = b;
    for (let i = 0; i < n; i++) {
      const t = base + ts[i]!;
      const bucket = this.bucket(t);
      const k = kind[i]!;
      const ty = type[i]!;
      this.events++;
      bucket.events++;
      const g = this.sequences.add(typeTable, b, ty, bucket.grams);

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
        lines ??= restLines(b);
        loops.call(b, i, this.agents.names[a]!, lines[i]!, t);
      } else if (k === KIND_STATE || k === KIND_CUSTOM || k === KIND_ERROR) {
        lines ??= restLines(b);
        if (ty === storyId) this.transition(bucket, b, i, lines[i]!);
        else loops.event(b, i, g, lines[i]!, t);
      }
      if (isError) {
        lines ??= restLines(b);
        loops.error(b, i, lines[i]!, t);
      }
    }
    // The n-gram tally is flushed when the bucket changes, when it is half full and before a report, not per batch.
    this.clock.leave(ts[n - 1]!);
  }

  private transition(bucket: PatternBucket, b: ColumnBatch, i: number, line: string): void {
    const tr = transitionOf(b, i, line);
    if (!tr) return;
    if (this.story.dwell.size < MAX_STORY_NODES) this.story.add(tr.from, tr.to, tr.dwell);
    bucket.story.add(tr.from, tr.to, tr.dwell);
  }

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
    const hitters = session ? this.sequences.top(this.k) : SpaceSaving.merge(inRange.map((bk) => bk.grams), this.k);
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
    const activity = agents.activity(this.agents.names);
    const lo = session ? -Infinity : from;
    return {
      timeframe: timeframeLabel(windowMs),
      windowMs: Number.isFinite(windowMs) ? windowMs : null,
      from: session ? from : Math.max(from, inRange.length ? Math.min(...inRange.map((bk) => bk.start)) : from),
      to,
      bucketMs: BUCKET_MS,
      events,
      sequences: this.sequences.sequences(hitters),
      sequencesApproximate: !session && inRange.length > 1,
      loops: this.loopDetector.loops(lo),
      busiestAgents: [...activity].sort((a, b) => b.calls - a.calls).slice(0, 20),
      slowestAgents: [...activity].sort((a, b) => b.totalMs - a.totalMs).slice(0, 20),
      story: story.report(),
    };
  }
}
