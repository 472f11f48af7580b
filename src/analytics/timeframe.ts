/**
 * Timeframes ("30s", "5m", "1h", "session") and two small helpers every
 * analytics collector shares: a clock that stays monotonic across sessions,
 * and an interner that turns a batch's own string ids into stable ones
 * without a Map lookup per entry.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import type { ColumnBatch } from '../core/columns';

/** A timeframe as the API takes it: `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"2d"`, `"session"` (or `"all"`), or a number of ms. */
export type Timeframe = string | number;

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, sec: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)\s*$/i;

/**
 * The length of a timeframe in ms; `Infinity` for `"session"` / `"all"`.
 * Throws a RangeError for anything else (a typo should not silently mean "session").
 */
export function parseTimeframe(tf: Timeframe): number {
  if (typeof tf === 'number') {
    if (tf > 0) return tf;
    throw new RangeError(`timeframe must be positive, got ${tf}`);
  }
  const s = String(tf).trim().toLowerCase();
  if (s === 'session' || s === 'all' || s === '') return Infinity;
  const m = PATTERN.exec(s);
  if (m) {
    const ms = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
    if (ms > 0) return ms;
  }
  throw new RangeError(`unknown timeframe "${String(tf)}": use e.g. "30s", "5m", "1h" or "session"`);
}

/** A timeframe's canonical label (`30000` → `"30s"`, `Infinity` → `"session"`). */
export function timeframeLabel(ms: number): string {
  if (!Number.isFinite(ms)) return 'session';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * Session time (`ts`, ms since the session started) made monotonic across
 * sessions: when a new session id arrives its entries continue where the
 * last one stopped. Collectors window and bucket on this clock. They expect
 * sessions one after the other (the engine feeds the live session); a
 * collector wanting per-session figures is reset by the engine instead.
 */
export class SessionClock {
  sessionId = '';
  /** Added to `ts` to get the clock. */
  base = 0;
  /** The latest clock value seen (ms). */
  last = 0;
  /** The first clock value seen; NaN before any entry. */
  first = NaN;
  /** Sessions seen since the last reset. */
  sessions = 0;

  /** Called once per batch before its entries; true when the batch starts a new session. */
  enter(sessionId: string, firstTs: number): boolean {
    if (sessionId === this.sessionId) return false;
    if (this.sessions === 0) {
      this.base = 0;
      this.first = firstTs;
      this.last = firstTs;
    } else {
      this.base = this.last - firstTs;
    }
    this.sessionId = sessionId;
    this.sessions++;
    return true;
  }

  /** Records the batch's last entry; call after the entries. */
  leave(lastTs: number): void {
    const t = this.base + lastTs;
    if (t > this.last) this.last = t;
  }

  /** The clock now: the newest entry's, or `at` when later (a snapshot asked for while entries stop coming). */
  now(at?: number): number {
    return at !== undefined && at > this.last ? at : this.last;
  }

  reset(): void {
    this.sessionId = '';
    this.base = 0;
    this.last = 0;
    this.first = NaN;
    this.sessions = 0;
  }
}

/** Where names past a cap are counted (an Interner's limit, a collector's table). */
export const OTHER_NAME = '(other)';

/** The source of entries that have none. */
export const NO_SOURCE = '(none)';

/**
 * Stable small ids for the strings of batches (types, sources, methods).
 * `map(b)` returns a per-batch table from the batch's string ids to stable
 * ids, filled lazily (-1 = not looked up yet), so a collector pays one Map
 * lookup per distinct string per batch, not one per entry.
 */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  /** At most `limit` names get their own id; the rest share one (names are the game's: unbounded). */
  constructor(private readonly limit = 4_096) {}

  id(s: string): number {
    const id = this.ids.get(s);
    if (id !== undefined) return id;
    if (this.names.length >= this.limit) return this.ids.get(OTHER_NAME) ?? this.add(OTHER_NAME);
    return this.add(s);
  }

  private add(s: string): number {
    const id = this.names.length;
    this.names.push(s);
    this.ids.set(s, id);
    return id;
  }

  map(b: ColumnBatch): Int32Array {
    return new Int32Array(b.strings.length).fill(-1);
  }

  /** The stable id of string `local` of batch `b`, through the batch's table `t`. */
  get(t: Int32Array, b: ColumnBatch, local: number): number {
    const g = t[local]!;
    if (g >= 0) return g;
    return (t[local] = this.id(b.strings[local]!));
  }
}

/** 32-bit FNV-1a of a string: cheap, allocation-free identity for "the same arguments". */
export function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
