/**
 * The analytics engine: runs in the store's worker (or beside the store on
 * the main thread), fed every batch of the page's session as it is stored,
 * in columns. Collectors (stats, player) keep their figures per event; once a
 * second of trace time, the engine closes the second: its metrics feed the
 * anomaly detectors and the alert rules, and what they find goes back to the
 * page as notices (the page records them as entries, so they are in the
 * trace and the overlay).
 *
 * Time is the trace's own (entries' `ts`), not the worker's clock: the same
 * trace gives the same verdicts, in a test as in a browser.
 */
import type { ColumnBatch } from '../core/columns';
import { AlertManager, DEFAULT_RULES, type AlertRule, type AlertStatus, type AlertTransition, type GameAlert, type Severity } from './alerts';
import type { AnomalyKind, StreamingDetector } from './anomaly';
import { describeCulprits, errorCulprits, latencyCulprit, MAX_CULPRITS, type Culprit } from './culprits';
import { ms, pct, round } from './figures';
import { createGlobalDetector } from './global-detector';
import { LongestCalls } from './longest-calls';
import { MethodBaselines, type MethodVerdict } from './method-baselines';
import type { Loop } from './loops';
import { PatternAnalyzer } from './patterns';
import { PlayerCollector, type PlayerStats } from './player';
import type { MetricBucket } from './metric-ring';
import { StatsCollector, type CallObserver, type GeneratedStats } from './stats';
import { TrendAnalyzer } from './trends';

export interface EngineOptions {
  /** The live session: the only one analysed (replays of earlier pages' sessions are stored, not analysed). */
  sessionId?: string;
  /** Alert rules added to the defaults (DEFAULT_RULES); a rule with a default's name replaces it. */
  rules?: AlertRule[];
  /** Thresholds of rules, by rule name or metric (`{ fps: 20 }`). */
  thresholds?: Record<string, number>;
  /** A frame longer than this (ms) is a hitch: the page's `frames.hitchMs` (default DEFAULT_HITCH_MS). */
  hitchMs?: number;
}

/** Kinds of the per-method verdicts (method-baselines.ts). */
export type MethodAnomalyKind = 'slow-calls' | 'failure-run' | 'failure-rate';

/** An anomaly found by a detector: what, where, how far from normal, who, and why. */
export interface Anomaly {
  id: number;
  /** frameTime, eventRate, errorRate, memory, or latency, errorRate and callRate with `agent`. */
  metric: string;
  /** `agent.method` for a method's own anomaly (latency, errorRate, callRate). */
  agent?: string;
  kind: AnomalyKind | MethodAnomalyKind | 'unknown';
  severity: Severity;
  /**
   * Trace time (ms since the session started) it covers: the second it was
   * found in, [from, to); for a method's own verdict, from its first bad call to the call that decided it.
   */
  from: number;
  to: number;
  /** Trace time of the verdict (a second's end; a method's deciding call). Absent in anomalies recorded before it existed. */
  at?: number;
  /** Seqs of the entries it covers. */
  seqFrom: number;
  seqTo: number;
  /** The methods named (most responsible first); [] when the trace has none to name. Absent in anomalies recorded before it existed. */
  culprits?: Culprit[];
  value: number;
  expected: number;
  /** The band of normal values (expected ± 3 robust sigmas). */
  low: number;
  high: number;
  /** Signed distance from expected in robust sigmas. */
  z: number;
  score: number;
  reason: string;
}

/** generateStats(): the collectors' figures, the player's, and what the engine costs. */
export type EngineStats = GeneratedStats & { player: PlayerStats; engine: { entries: number; ms: number; nsPerEntry: number | null } };

/** What the engine tells the page: record these as entries. */
export type EngineNotice = { kind: 'alert'; alert: AlertTransition } | { kind: 'anomaly'; anomaly: Anomaly } | { kind: 'loop'; loop: Loop };

/** What only the page knows, sent once a second. */
export interface PageMetrics {
  dropped: number;
  memoryMb: number | null;
}

const MAX_ANOMALIES = 200;
/** Call rates: a method's busiest second so far is forgotten by this factor a second it is called (half in ~10 min). */
const CALL_RATE_DECAY = 0.999;
const CALL_RATE_FACTOR = 2;
const CALL_RATE_MIN_EXTRA = 50;
const CALL_RATE_LEARNING_MS = 30_000;
/** Culprits named, at most. */
/** A metric is checked only once its second holds enough to mean something. */
const MIN_CALLS_FOR_LATENCY = 3;
const MIN_FRAMES = 5;
/** How often (trace time) the engine looks for loops still going: an analysis costs ~1 ms. */
const LOOP_CHECK_MS = 2_000;
/** Repeated or alternating calls closer than this (on average) are a loop spinning. */
const LOOP_SPIN_MS = 50;
/** A loop whose last step is this recent counts as going on. */
const LOOP_RECENT_MS = 3_000;
/** Loops already going this early are the game's way of working, not a fault. */
const LOOP_BASELINE_MS = 30_000;

export class AnalyticsEngine implements CallObserver {
  /** Per-method latency and outcome baselines, counted in calls (fed by the stats collector). */
  readonly baselines = new MethodBaselines();
  private readonly longest = new LongestCalls();
  /** Per method id (at most the stats' 1,001): its busiest second (calls, slowly forgotten) and the second it was first called. */
  private readonly rateMax: number[] = [];
  private readonly rateSince: number[] = [];
  readonly stats: StatsCollector;
  readonly player = new PlayerCollector();
  readonly patterns = new PatternAnalyzer();
  /** Reads the stats collector's time buckets: nothing of its own to feed. */
  readonly trends: TrendAnalyzer;
  readonly alerts: AlertManager;
  private sessionId: string | null = null;
  private readonly detectors = new Map<string, StreamingDetector>();
  private readonly anomalies: Anomaly[] = [];
  private nextAnomaly = 1;
  private anomaliesFound = 0;
  /** The second being filled (ms start), and the seqs seen in it. */
  private second = -1;
  private secondSeqFrom = 0;
  private secondSeqTo = 0;
  private page: PageMetrics = { dropped: 0, memoryMb: null };
  /** The page's drop total at the end of each of the last seconds, for drops per window (not since ever). */
  private readonly droppedAt: number[] = [];
  private last: Record<string, number | null> = {};
  /** Loops still going, as of the last look (every LOOP_CHECK_MS of trace time). */
  private loops: Loop[] = [];
  private loopsSeen = new Set<string>();
  private lastLoopCheck = -Infinity;
  /** Trace time of the first second closed: loops already going in the first LOOP_BASELINE_MS are the game's way. */
  private firstSecond = -1;
  private readonly baselineLoops = new Set<string>();
  /** Engine cost, for the bench and health: entries consumed and ms spent. */
  readonly cost = { entries: 0, ms: 0 };

  constructor(options: EngineOptions = {}) {
    this.sessionId = options.sessionId || null;
    this.stats = new StatsCollector({ observer: this, hitchMs: options.hitchMs });
    this.trends = new TrendAnalyzer(this.stats);
    // The page's rules come on top of the defaults; one with a default's name replaces it.
    this.alerts = new AlertManager(DEFAULT_RULES);
    for (const r of options.rules ?? []) this.alerts.addRule(r);
    if (options.thresholds) this.alerts.setThresholds(options.thresholds);
  }

  /** The page's own figures (drops, memory), for the next seconds' metrics. */
  setPageMetrics(m: PageMetrics): void {
    this.page = m;
  }

  /**
   * One stored batch. Only the live session is analysed (the one given, else
   * the first seen; replays of earlier pages' sessions are stored, not analysed).
   */
  consume(b: ColumnBatch, sessionId: string, clock: () => number = Date.now): EngineNotice[] {
    if (b.count === 0) return [];
    this.sessionId ??= sessionId;
    if (sessionId !== this.sessionId) return [];
    const t0 = clock();
    const notices: EngineNotice[] = [];
    // Seconds that ended before this batch's first entry are complete.
    this.advanceTo(b.ts[0]!, notices);
    this.stats.consume(b, sessionId);
    const verdicts = this.baselines.drain();
    for (let v = 0; v < verdicts.length; v++) this.tellMethod(verdicts[v]!, notices);
    this.player.consume(b, sessionId);
    this.patterns.consume(b, sessionId);
    // Seconds are closed entry by entry here only where a batch spans them (batches last ≤ 100 ms, or are full);
    // a batch inside one second only moves that second's seq range.
    const last = b.count - 1;
    if (Math.floor(b.ts[last]! / 1000) * 1000 !== this.second) {
      for (let i = 0; i <= last; i++) {
        this.advanceTo(b.ts[i]!, notices);
        this.noteSeqs(b.seq[i]!, b.seq[i]!);
      }
    } else {
      this.noteSeqs(b.seq[0]!, b.seq[last]!);
    }
    this.cost.entries += b.count;
    this.cost.ms += clock() - t0;
    return notices;
  }

  /** One agent call, as the stats collector counts it (CallObserver). */
  call(id: number, dur: number, failed: boolean, ts: number, seq: number, frame: number): void {
    this.baselines.observe(id, dur, failed, ts, seq);
    this.longest.add(id, dur, ts, frame);
  }

  /** The game's own alert (see AlertManager.trigger), at trace time `now`. */
  trigger(alert: GameAlert, now: number): EngineNotice[] {
    return this.alerts.trigger(alert, now).map((alert) => ({ kind: 'alert', alert }));
  }

  /** Recent anomalies, newest first, and how many were found in all. */
  recentAnomalies(sinceMs = -Infinity): { anomalies: Anomaly[]; total: number } {
    return { anomalies: this.anomalies.filter((a) => a.to > sinceMs).reverse(), total: this.anomaliesFound };
  }

  generateStats(now?: number): EngineStats {
    return {
      ...this.stats.snapshot(now),
      player: this.player.snapshot(now),
      engine: { entries: this.cost.entries, ms: this.cost.ms, nsPerEntry: this.cost.entries > 0 ? Math.round((this.cost.ms * 1e6) / this.cost.entries) : null },
    };
  }

  /** The rules' metrics as of the last closed second. */
  lastMetrics(): Record<string, number | null> {
    return { ...this.last };
  }

  alertStatuses(): AlertStatus[] {
    return this.alerts.statuses();
  }

  /**
   * The metrics of the alert rules (see METRICS in alerts.ts) over the
   * seconds up to the one starting at `second` (ms, trace time), included.
   */
  metrics(second: number): Record<string, number | null> {
    const last1 = this.totals(second, second);
    const last5 = this.totals(second - 4_000, second);
    const last10 = this.totals(second - 9_000, second);
    return {
      fps: last1.frames >= 2 && last1.frameMs > 0 ? (last1.frames * 1000) / last1.frameMs : null,
      frameTimeP95: last5.frames >= MIN_FRAMES ? last5.frameTimes.quantile(0.95) : null,
      eventRate: last5.events / 5,
      // Over 5 s: a short storm in one agent among many is diluted past seeing over longer.
      errorRate: last5.calls > 0 ? last5.callErrors / last5.calls : null,
      errorsPerSecond: last10.errors / 10,
      latencyP95: last10.calls >= MIN_CALLS_FOR_LATENCY ? last10.latency.quantile(0.95) : null,
      // Entries dropped over the last 10 s: a loss long ago does not keep the rule firing.
      dropped: this.page.dropped - (this.droppedAt.length > 0 ? this.droppedAt[0]! : this.page.dropped),
      hitches: last5.hitches,
      stateChangesPerSecond: last5.state / 5,
      activeLoops: this.loops.length,
      memoryMb: this.page.memoryMb,
    };
  }

  /**
   * Clock [from, to] of the stats' ring as one new bucket of totals, without
   * the per-method sketches (ring.merged copies every method's by default: the rules'
   * metrics read none, and with 1,000 methods that was most of a second's work).
   */
  private totals(from: number, to: number): MetricBucket {
    return this.stats.ring.merged(from, to, false);
  }

  /** Trace time reached `t`: close every second that ended before it. */
  private advanceTo(t: number, notices: EngineNotice[]): void {
    const sec = Math.floor(t / 1000) * 1000;
    if (this.second < 0) {
      this.second = sec;
      return;
    }
    while (this.second < sec) {
      this.closeSecond(this.second, notices);
      this.second += 1000;
      this.secondSeqFrom = 0;
      this.secondSeqTo = 0;
    }
  }

  /** Entries with seqs `from`..`to` fell in the second being filled. */
  private noteSeqs(from: number, to: number): void {
    if (this.secondSeqFrom === 0) this.secondSeqFrom = from;
    this.secondSeqTo = to;
  }

  /** The second [start, start + 1000) is complete: detectors, then alert rules. */
  private closeSecond(start: number, notices: EngineNotice[]): void {
    const end = start + 1000;
    // The ring's own bucket of that second (read, never written: range() gives it as it is, not a copy of every method's sketch).
    const bucket = this.stats.ring.range(start, start).buckets[0];
    if (bucket && bucket.events > 0) {
      this.check('eventRate', bucket.events, start, notices);
      if (bucket.calls >= MIN_CALLS_FOR_LATENCY) this.check('errorRate', bucket.callErrors / bucket.calls, start, notices, () => errorCulprits(bucket, this.stats.ring.methodNames));
      if (bucket.frames >= MIN_FRAMES) this.check('frameTime', bucket.frameTimes.quantile(0.95), start, notices, () => this.frameCulprits(start, bucket));
      const names = this.stats.ring.methodNames;
      // Calls per second per method: a state manager's set() thrashing, an agent spinning.
      // (Latency and failures per method are judged call by call: method-baselines.ts.)
      for (let m = 0; m < bucket.methods.length; m++) {
        const s = bucket.methods[m];
        if (s) this.checkCallRate(m, names[m] ?? `#${m}`, s.count, start, notices);
      }
    }
    if (this.page.memoryMb !== null) this.check('memory', this.page.memoryMb, start, notices);
    if (start - this.lastLoopCheck >= LOOP_CHECK_MS) this.checkLoops(end, notices);
    this.droppedAt.push(this.page.dropped);
    if (this.droppedAt.length > 10) this.droppedAt.shift();
    this.last = this.metrics(start);
    for (const alert of this.alerts.evaluate(this.last, end)) notices.push({ kind: 'alert', alert });
  }

  /**
   * Loops of the last 30 s that are still going; a new one is told once.
   * A game repeats itself by design (a tick() with no arguments every frame):
   * what already repeats in the first LOOP_BASELINE_MS is its normal way, and
   * only a loop that starts later is a warning (an agent that got stuck).
   */
  private checkLoops(now: number, notices: EngineNotice[]): void {
    this.lastLoopCheck = now - 1000;
    if (this.firstSecond < 0) this.firstSecond = now - 1000;
    const learning = now - this.firstSecond <= LOOP_BASELINE_MS;
    // Going on, or ended in the last seconds: a loop that runs in bursts (four
    // identical calls a tick) closes an episode each burst.
    const ongoing = this.patterns.analyze('30s', now).loops.filter((l) => (l.ongoing || now - l.lastTs <= LOOP_RECENT_MS) && spinning(l));
    this.loops = [];
    for (const l of ongoing) {
      const key = `${l.rule}:${l.agent}:${l.what}`;
      if (learning) {
        if (this.baselineLoops.size < 1_000) this.baselineLoops.add(key);
        continue;
      }
      if (this.baselineLoops.has(key)) continue;
      this.loops.push(l);
      if (this.loopsSeen.has(key)) continue;
      if (this.loopsSeen.size > 1_000) this.loopsSeen.clear();
      this.loopsSeen.add(key);
      notices.push({ kind: 'loop', loop: l });
    }
  }

  /**
   * A method calling far more often than it ever did: more than CALL_RATE_FACTOR
   * times its busiest second so far (slowly forgotten) and by CALL_RATE_MIN_EXTRA
   * calls, once it has CALL_RATE_LEARNING_MS of history. A game's bursts of
   * activity set the bar themselves; a set() thrashing 400 times a second does not fit.
   */
  private checkCallRate(m: number, name: string, count: number, start: number, notices: EngineNotice[]): void {
    const since = (this.rateSince[m] ??= start);
    const max = this.rateMax[m] ?? 0;
    if (start - since >= CALL_RATE_LEARNING_MS && count > CALL_RATE_FACTOR * max && count - max >= CALL_RATE_MIN_EXTRA) {
      this.record(
        {
          id: this.nextAnomaly++,
          metric: 'callRate',
          agent: name,
          kind: 'out-of-range',
          severity: count >= 10 * max ? 'critical' : 'warning',
          from: start,
          to: start + 1000,
          at: start + 1000,
          seqFrom: this.secondSeqFrom,
          seqTo: this.secondSeqTo,
          culprits: [{ name, share: 1, calls: count }],
          value: count,
          expected: round(max),
          low: 0,
          high: round(CALL_RATE_FACTOR * max),
          z: round(count / Math.max(1, max)),
          score: 1,
          reason: `${name} calls per second: ${count}, more than ${CALL_RATE_FACTOR}× its busiest second so far (${Math.round(max)})`,
        },
        notices,
      );
    }
    this.rateMax[m] = Math.max(count, max * CALL_RATE_DECAY);
  }

  /** A method's own verdict (latency or failures), told as it is reached. */
  private tellMethod(v: MethodVerdict, notices: EngineNotice[]): void {
    const names = this.stats.ring.methodNames;
    const name = names[v.id] ?? `#${v.id}`;
    const bucket = this.stats.ring.current(v.ts);
    let a: Anomaly;
    const common = { id: this.nextAnomaly++, agent: name, from: v.sinceTs, to: v.ts, at: v.ts, seqFrom: v.sinceSeq, seqTo: v.seq, score: 1 };
    if (v.kind === 'latency') {
      const ratio = v.value / Math.max(v.expected, 1e-3);
      a = {
        ...common,
        metric: 'latency',
        kind: 'slow-calls',
        severity: ratio >= 10 ? 'critical' : 'warning',
        culprits: [latencyCulprit(bucket, v.id, name)],
        value: round(v.value),
        expected: round(v.expected),
        low: 0,
        high: round(v.bar),
        z: round(v.surprise),
        reason: `${name}: ${v.bad} of its last ${v.of} calls over ${ms(v.bar)} where ${ms(v.expected)} is usual for it; this call ${ms(v.value)} (×${round(ratio)})`,
      };
    } else {
      const culprits = errorCulprits(bucket, names);
      if (!culprits.some((c) => c.name === name)) culprits.unshift({ name, share: 1, calls: v.bad });
      const odds = `odds 1 in 10^${Math.floor(-v.surprise)} by its own error rate of ${pct(v.expected)}`;
      a = {
        ...common,
        metric: 'errorRate',
        kind: v.rule === 'run' ? 'failure-run' : 'failure-rate',
        severity: v.bad >= 10 ? 'critical' : 'warning',
        culprits: culprits.slice(0, MAX_CULPRITS),
        value: round(v.bad / v.of),
        expected: round(v.expected),
        low: 0,
        high: round(Math.min(1, v.bar / v.of)),
        z: round(-v.surprise),
        reason: v.rule === 'run' ? `${name} failed ${v.bad} times in a row after succeeding (${odds})` : `${name} failed ${v.bad} of its last ${v.of} calls (${odds})`,
      };
    }
    this.record(a, notices);
  }

  /** The longest agent calls of the second starting at `start`, named for a frame-time anomaly. */
  private frameCulprits(start: number, bucket: MetricBucket): Culprit[] {
    const names = this.stats.ring.methodNames;
    const total = bucket.frameMs > 0 ? bucket.frameMs : 1;
    return this.longest.of(start).map((c) => ({ name: names[c.id] ?? `#${c.id}`, share: round(Math.min(1, c.dur / total)), calls: 1, ms: round(c.dur), frame: c.frame }));
  }

  private record(a: Anomaly, notices: EngineNotice[]): void {
    this.anomalies.push(a);
    this.anomaliesFound++;
    if (this.anomalies.length > MAX_ANOMALIES) this.anomalies.shift();
    notices.push({ kind: 'anomaly', anomaly: a });
  }

  /** A global metric's second, through its once-a-second detector. */
  private check(metric: string, value: number, start: number, notices: EngineNotice[], culprits?: () => Culprit[]): void {
    if (!Number.isFinite(value)) return;
    let det = this.detectors.get(metric);
    if (!det) {
      // One point a second, through the detector eval:nab scores (it learns for GLOBAL_LEARNING seconds).
      det = createGlobalDetector();
      this.detectors.set(metric, det);
    }
    const r = det.update(value, start);
    if (!r.anomaly || !worthTelling(metric, value, r.expected, r.kind)) return;
    const a: Anomaly = {
      id: this.nextAnomaly++,
      metric,
      kind: r.kind ?? 'unknown',
      severity: Math.abs(r.z) >= 10 || r.score >= 0.9 ? 'critical' : 'warning',
      from: start,
      to: start + 1000,
      at: start + 1000,
      seqFrom: this.secondSeqFrom,
      seqTo: this.secondSeqTo,
      culprits: culprits?.() ?? [],
      value: round(value),
      expected: round(r.expected),
      // Every metric watched here is a rate, a time or a size: a band below zero would say nothing.
      low: round(Math.max(0, r.low)),
      high: round(r.high),
      z: round(r.z),
      score: round(r.score),
      reason: `${describeMetric(metric)} ${r.reason ?? `is ${round(value)} where ${round(r.expected)} is usual`}`,
    };
    if (a.culprits!.length > 0) a.reason += `; ${describeCulprits(metric, a.culprits!)}`;
    this.record(a, notices);
  }
}

/**
 * Whether a loop spins: repeated errors and an agent calling itself always
 * count; calls repeated or alternating count only when they come fast (an
 * idle NPC deciding "wait" once a tick is a game at rest, not a stuck agent;
 * Pip re-planning four times within one tick is).
 */
function spinning(l: Loop): boolean {
  if (l.rule === 'repeated-error' || l.rule === 'self-call') return true;
  return l.count >= 4 && (l.lastTs - l.firstTs) / (l.count - 1) <= LOOP_SPIN_MS;
}

/**
 * The detector finds what is unusual; a monitor tells only what is also bad
 * and big enough to matter: latency, frame time, errors and memory going
 * down is good news, and a steady series with a tiny spread makes a 5%
 * wobble look like many sigmas.
 */
function worthTelling(metric: string, value: number, expected: number, kind: AnomalyKind | undefined): boolean {
  const up = value > expected;
  const change = Math.abs(value - expected);
  switch (metric) {
    case 'frameTime':
      return up && change >= Math.max(4, 0.25 * expected);
    case 'errorRate':
      return up && change >= 0.05;
    case 'memory':
      return up && change >= Math.max(5, 0.1 * expected);
    case 'eventRate':
      // A game's activity comes in waves (a level loads, a wave spawns), and its waves set the bar:
      // only a rate beyond everything seen in the session is news (as a method's call rate, checkCallRate).
      return kind === 'out-of-range' && change >= Math.max(20, 0.5 * expected);
    default:
      return true;
  }
}

/** What a global metric's reason starts with. */
const METRIC_LABELS: Readonly<Record<string, string>> = { frameTime: 'frame time p95 (ms):', eventRate: 'entries per second:', errorRate: 'share of failed agent calls:', memory: 'JS heap (MB):' };

function describeMetric(metric: string): string {
  return METRIC_LABELS[metric] ?? `${metric}:`;
}
