/**
 * Player statistics: session length, active time, actions per minute, the
 * mix of actions, idle gaps, and progression (attempts, completions, fails,
 * time to complete) from the entries the game logs itself.
 *
 * ## Progression convention
 * A progression entry is one the game logs (any kind but 'agent', 'perf' and
 * 'player'; `logEvent` writes 'custom') whose type is `<category>:<phase>`
 * (or `<category>.<phase>`):
 * - category: a name such as `quest`, `level`, `mission`, `stage`, `wave`;
 * - phase: `start` (also `begin`, `started`), `complete` (also `completed`,
 *   `success`, `win`, `won`, `finish`, `finished`, `done`, `clear`, `cleared`)
 *   or `fail` (also `failed`, `failure`, `lose`, `lost`, `abandon`, `abandoned`);
 * - the id of the quest or level: `data.id`, else `data.<category>` (e.g.
 *   `data.quest`, `data.level`), else `data.name`; entries without one share
 *   the id `""`.
 * e.g. `TraceAgent.logEvent('quest:start', { id: 'dragon' })`, later
 * `logEvent('quest:complete', { id: 'dragon' })`.
 * An attempt is a start, or an outcome with no start open for its id; its
 * outcome closes the open start of the same category and id, and the time
 * between them is its time to complete (or to fail). A second start of an
 * id that is already open begins a new attempt (the open one stays without
 * an outcome: it counts in neither rate).
 *
 * ## Active time
 * Session length minus the time the tab was hidden (`page:visibility`) and
 * minus idle gaps: a stretch of visible time longer than `idleMs` (30 s)
 * without any player entry counts as idle in full (from the last entry, the
 * session start or the tab becoming visible, to the next entry or the tab
 * hiding). Actions per minute are actions per active minute, where an action
 * is a player entry other than a release or a continuous sample
 * (`input:keyup`, `input:pointerup`, `input:pointermove`, `input:wheel`,
 * `input:gamepadup`, `input:gamepadaxes`, gamepad (dis)connection); entries
 * per minute count every player entry.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { KIND_AGENT, KIND_PERF, KIND_PLAYER, localId, restLines, restOf, type ColumnBatch } from '../core/columns';
import {
  INPUT_GAMEPAD_AXES,
  INPUT_GAMEPAD_CONNECTED,
  INPUT_GAMEPAD_DISCONNECTED,
  INPUT_GAMEPAD_UP,
  INPUT_KEY_UP,
  INPUT_POINTER_MOVE,
  INPUT_POINTER_UP,
  INPUT_WHEEL,
  PAGE_VISIBILITY,
  SESSION_START,
  type PageVisibilityData,
} from '../core/event-types';
import { DDSketch, DEFAULT_ALPHA, roundFigure } from './sketch';
import { SessionClock } from './timeframe';

export type ProgressionPhase = 'start' | 'complete' | 'fail';

const PHASES: Readonly<Record<string, ProgressionPhase>> = {
  start: 'start',
  begin: 'start',
  started: 'start',
  complete: 'complete',
  completed: 'complete',
  success: 'complete',
  win: 'complete',
  won: 'complete',
  finish: 'complete',
  finished: 'complete',
  done: 'complete',
  clear: 'complete',
  cleared: 'complete',
  fail: 'fail',
  failed: 'fail',
  failure: 'fail',
  lose: 'fail',
  lost: 'fail',
  abandon: 'fail',
  abandoned: 'fail',
};
const PROGRESSION = /^([A-Za-z][\w-]{0,63})[:.]([A-Za-z]+)$/;

/** The category and phase of a progression type, or null (see the convention above). */
export function parseProgressionType(type: string): { category: string; phase: ProgressionPhase } | null {
  const m = PROGRESSION.exec(type);
  if (!m) return null;
  const phase = PHASES[m[2]!.toLowerCase()];
  return phase ? { category: m[1]!, phase } : null;
}

/** The id of a progression entry from its data (see the convention above). */
export function progressionId(data: unknown, category: string): string {
  if (data === null || typeof data !== 'object') return typeof data === 'string' || typeof data === 'number' ? String(data) : '';
  const d = data as Record<string, unknown>;
  for (const v of [d['id'], d[category], d['name']]) if (typeof v === 'string' || typeof v === 'number') return String(v);
  return '';
}

/** Player types that are not actions: releases and continuous samples. */
export const NON_ACTIONS: ReadonlySet<string> = new Set([
  INPUT_KEY_UP,
  INPUT_POINTER_UP,
  INPUT_POINTER_MOVE,
  INPUT_WHEEL,
  INPUT_GAMEPAD_UP,
  INPUT_GAMEPAD_AXES,
  INPUT_GAMEPAD_CONNECTED,
  INPUT_GAMEPAD_DISCONNECTED,
]);

export const DEFAULT_IDLE_MS = 30_000;

export interface TimeToComplete {
  /** Attempts with a start and a completion. */
  count: number;
  /** ms; from a DDSketch (1 %) for a category, exact for one id; null when none. */
  medianMs: number | null;
  meanMs: number | null;
  minMs: number | null;
  maxMs: number | null;
}

export interface ProgressionStats {
  attempts: number;
  completions: number;
  fails: number;
  /** Started and not finished yet. */
  inProgress: number;
  /** completions / attempts, fails / attempts (0..1; 0 before any attempt). */
  completionRate: number;
  failRate: number;
  timeToComplete: TimeToComplete;
}

export interface CategoryStats extends ProgressionStats {
  /** Per id (at most `maxIds` per category, the first seen). */
  ids: Record<string, ProgressionStats>;
}

/** What `PlayerCollector.snapshot` returns: plain JSON. */
export interface PlayerStats {
  /** ms since the (first) session started, to the newest entry or `now`. */
  sessionMs: number;
  /** sessionMs − hiddenMs − idleMs. */
  activeMs: number;
  hiddenMs: number;
  idleMs: number;
  /** Player entries that are actions (see NON_ACTIONS), per active minute. */
  actions: number;
  actionsPerMinute: number;
  /** Every player entry, per active minute. */
  playerEntries: number;
  entriesPerMinute: number;
  /** Player entries per type, most frequent first. */
  mix: Record<string, number>;
  idle: {
    /** Gaps over thresholdMs without player input (visible time). */
    gaps: number;
    longestMs: number;
    totalMs: number;
    thresholdMs: number;
    /** The player has been idle past the threshold up to now. */
    idleNow: boolean;
  };
  visibility: { hidden: boolean; hiddenSpans: number };
  /** Per category (quest, level, ...), and all categories together. */
  progression: { total: ProgressionStats; categories: Record<string, CategoryStats> };
}

class Outcomes {
  attempts = 0;
  completions = 0;
  fails = 0;
  sketch: DDSketch | null;
  /** Exact times for one id (bounded). */
  times: number[] | null;
  sum = 0;
  n = 0;
  min = Infinity;
  max = -Infinity;
  constructor(exact: boolean) {
    this.sketch = exact ? null : new DDSketch(DEFAULT_ALPHA);
    this.times = exact ? [] : null;
  }
  addTime(ms: number): void {
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
    this.sketch?.add(ms);
    if (this.times && this.times.length < 1000) this.times.push(ms);
  }
  stats(inProgress: number): ProgressionStats {
    let median: number | null = null;
    if (this.n > 0) {
      if (this.sketch) median = this.sketch.quantile(0.5);
      else if (this.times && this.times.length) {
        const s = [...this.times].sort((a, b) => a - b);
        median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
      }
    }
    const r = (v: number | null) => (v === null ? null : roundFigure(v));
    return {
      attempts: this.attempts,
      completions: this.completions,
      fails: this.fails,
      inProgress,
      completionRate: this.attempts ? roundFigure(this.completions / this.attempts) : 0,
      failRate: this.attempts ? roundFigure(this.fails / this.attempts) : 0,
      timeToComplete: { count: this.n, medianMs: r(median), meanMs: this.n ? r(this.sum / this.n) : null, minMs: this.n ? r(this.min) : null, maxMs: this.n ? r(this.max) : null },
    };
  }
}

interface Category {
  all: Outcomes;
  ids: Map<string, Outcomes>;
  /** Open starts: id → clock. */
  open: Map<string, number>;
}

export interface PlayerOptions {
  /** A visible stretch longer than this without player input is idle (default 30 s). */
  idleMs?: number;
  /** Ids kept per category (default 200). */
  maxIds?: number;
}

type Prog = { category: string; phase: ProgressionPhase } | null;

export class PlayerCollector {
  readonly clock = new SessionClock();
  private readonly idleMs: number;
  private readonly maxIds: number;
  private progCache = new Map<string, Prog>();
  private mix = new Map<string, number>();
  private actionCache = new Map<string, boolean>();
  private actions = 0;
  private playerEntries = 0;
  private hidden = false;
  private hiddenSince = 0;
  private hiddenMs = 0;
  private hiddenSpans = 0;
  /** Idle is measured from here: the last player entry, the session start or the tab becoming visible. */
  private ref = 0;
  private idleGaps = 0;
  private idleTotal = 0;
  private idleLongest = 0;
  private categories = new Map<string, Category>();
  private total = new Outcomes(false);

  constructor(options: PlayerOptions = {}) {
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.maxIds = options.maxIds ?? 200;
  }

  reset(): void {
    this.clock.reset();
    this.mix = new Map();
    this.actions = this.playerEntries = 0;
    this.hidden = false;
    this.hiddenSince = this.hiddenMs = this.hiddenSpans = 0;
    this.ref = 0;
    this.idleGaps = this.idleTotal = this.idleLongest = 0;
    this.categories = new Map();
    this.total = new Outcomes(false);
  }

  consume(b: ColumnBatch, sessionId: string): void {
    const n = b.count;
    if (n === 0) return;
    this.clock.enter(sessionId, b.ts[0]!);
    const base = this.clock.base;
    const strings = b.strings;
    // Per batch: which type ids are actions (player) or progression (others); undefined = not looked at yet.
    const isAction = new Array<boolean | undefined>(strings.length);
    const prog = new Array<Prog | undefined>(strings.length);
    const visId = localId(b, PAGE_VISIBILITY);
    let lines: string[] | null = null;
    let mixCounts: Float64Array | null = null;
    const { ts, kind, type } = b;
    for (let i = 0; i < n; i++) {
      const k = kind[i]!;
      const ty = type[i]!;
      if (k === KIND_PLAYER) {
        const t = base + ts[i]!;
        let act = isAction[ty];
        if (act === undefined) act = isAction[ty] = this.actionOf(strings[ty]!);
        this.playerEntries++;
        if (act) this.actions++;
        // The mix is counted per batch type id, and added to the map by name once per batch.
        (mixCounts ??= new Float64Array(strings.length))[ty]!++;
        if (!this.hidden) {
          this.gap(t - this.ref);
          this.ref = t;
        }
        continue;
      }
      if (k === KIND_AGENT || k === KIND_PERF) continue;
      if (ty === visId) {
        lines ??= restLines(b);
        this.visibility(base + ts[i]!, restOf(b, i, lines[i]!)?.data);
        continue;
      }
      let p = prog[ty];
      if (p === undefined) p = prog[ty] = this.progressionOf(strings[ty]!);
      if (p === null) continue;
      lines ??= restLines(b);
      this.progression(base + ts[i]!, p, restOf(b, i, lines[i]!)?.data);
    }
    if (mixCounts) {
      for (let id = 0; id < mixCounts.length; id++) {
        const c = mixCounts[id]!;
        if (c === 0) continue;
        const name = strings[id]!;
        const had = this.mix.get(name);
        if (had !== undefined) this.mix.set(name, had + c);
        else if (this.mix.size < 500) this.mix.set(name, c);
      }
    }
    this.clock.leave(ts[n - 1]!);
  }

  private actionOf(name: string): boolean {
    let a = this.actionCache.get(name);
    if (a === undefined) {
      a = !NON_ACTIONS.has(name);
      if (this.actionCache.size < 10_000) this.actionCache.set(name, a); // bounded: names are the game's
    }
    return a;
  }

  private progressionOf(name: string): Prog {
    let p = this.progCache.get(name);
    if (p === undefined) {
      // The agent's own session:start is not the player's progression.
      p = name === SESSION_START ? null : parseProgressionType(name);
      if (this.progCache.size < 10_000) this.progCache.set(name, p);
    }
    return p;
  }


  private gap(ms: number): void {
    if (ms > this.idleMs) {
      this.idleGaps++;
      this.idleTotal += ms;
      if (ms > this.idleLongest) this.idleLongest = ms;
    }
  }

  private visibility(t: number, data: unknown): void {
    const state: unknown = data && typeof data === 'object' ? (data as Partial<PageVisibilityData>).state : undefined;
    if (state === 'hidden' && !this.hidden) {
      this.gap(t - this.ref);
      this.hidden = true;
      this.hiddenSince = t;
      this.hiddenSpans++;
    } else if (state === 'visible' && this.hidden) {
      this.hidden = false;
      this.hiddenMs += t - this.hiddenSince;
      this.ref = t;
    }
  }

  private progression(t: number, p: { category: string; phase: ProgressionPhase }, data: unknown): void {
    let c = this.categories.get(p.category);
    if (!c) {
      if (this.categories.size >= 100) return;
      this.categories.set(p.category, (c = { all: new Outcomes(false), ids: new Map(), open: new Map() }));
    }
    const id = progressionId(data, p.category);
    let one = c.ids.get(id);
    if (!one && c.ids.size < this.maxIds) c.ids.set(id, (one = new Outcomes(true)));
    const targets = one ? [c.all, this.total, one] : [c.all, this.total];
    if (p.phase === 'start') {
      for (const o of targets) o.attempts++;
      c.open.set(id, t);
      if (c.open.size > 10_000) c.open.delete(c.open.keys().next().value!);
      return;
    }
    const started = c.open.get(id);
    if (started === undefined) for (const o of targets) o.attempts++;
    else c.open.delete(id);
    for (const o of targets) {
      if (p.phase === 'complete') {
        o.completions++;
        if (started !== undefined) o.addTime(t - started);
      } else o.fails++;
    }
  }

  snapshot(now?: number): PlayerStats {
    const t = this.clock.now(now);
    let hiddenMs = this.hiddenMs;
    let idleTotal = this.idleTotal;
    let idleGaps = this.idleGaps;
    let longest = this.idleLongest;
    let idleNow = false;
    if (this.hidden) hiddenMs += t - this.hiddenSince;
    else if (t - this.ref > this.idleMs) {
      const open = t - this.ref;
      idleNow = true;
      idleGaps++;
      idleTotal += open;
      if (open > longest) longest = open;
    }
    const sessionMs = t;
    const activeMs = Math.max(0, sessionMs - hiddenMs - idleTotal);
    const activeMin = activeMs / 60_000;
    const mix: Record<string, number> = {};
    for (const [k, v] of [...this.mix].sort((a, b) => b[1] - a[1])) if (v > 0) mix[k] = v;
    const categories: Record<string, CategoryStats> = {};
    let openAll = 0;
    for (const [name, c] of this.categories) {
      const ids: Record<string, ProgressionStats> = {};
      for (const [id, o] of c.ids) ids[id] = o.stats(c.open.has(id) ? 1 : 0);
      categories[name] = { ...c.all.stats(c.open.size), ids };
      openAll += c.open.size;
    }
    return {
      sessionMs: roundFigure(sessionMs),
      activeMs: roundFigure(activeMs),
      hiddenMs: roundFigure(hiddenMs),
      idleMs: roundFigure(idleTotal),
      actions: this.actions,
      actionsPerMinute: activeMin > 0 ? roundFigure(this.actions / activeMin) : 0,
      playerEntries: this.playerEntries,
      entriesPerMinute: activeMin > 0 ? roundFigure(this.playerEntries / activeMin) : 0,
      mix,
      idle: { gaps: idleGaps, longestMs: roundFigure(longest), totalMs: roundFigure(idleTotal), thresholdMs: this.idleMs, idleNow },
      visibility: { hidden: this.hidden, hiddenSpans: this.hiddenSpans },
      progression: { total: this.total.stats(openAll), categories },
    };
  }
}
