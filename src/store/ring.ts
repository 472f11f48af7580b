/** The block ring's contract, kept by the IndexedDB ring and the memory ring, and the bookkeeping they share. */
import type { SessionInfo } from '../core/entry';
import type { ColumnBatch } from '../core/columns';
import { KINDS, LEVELS } from '../core/entry';
import type { Backend, StoreTotals } from './protocol';

/** Distinct types or sources kept in a block's summary; past it the summary says "any". */
const SUMMARY_LIMIT = 64;

/** What is known of a block without reading its entries. */
export interface BlockHead {
  sessionId: string;
  firstSeq: number;
  lastSeq: number;
  minTs: number;
  maxTs: number;
  count: number;
  /** Storage weight of the block's batches (see `batchBytes`). */
  bytes: number;
  /** Entries per kind, for queries that can skip a block. */
  kinds: Record<string, number>;
  /** Entries per level. */
  levels: Record<string, number>;
  /** The block's distinct types, or null when there are too many to list. */
  types: string[] | null;
  /** The block's distinct sources, or null when there are too many to list. */
  sources: string[] | null;
}

export interface KeyedHead extends BlockHead {
  key: number;
}

export interface BlockInput extends BlockHead {
  startedAt: number;
  /** The batches of the block, in seq order. */
  parts: ColumnBatch[];
}

export interface RingLimits {
  capacity: number;
  maxBytes: number;
  maxSessions: number;
}

/**
 * Blocks eviction must skip (the pins, pin-keeper.ts: only the store's worker
 * gives its rings one). `pinned` is asked before an eviction, with every stored head.
 */
export interface EvictionGuard {
  active(): boolean;
  pinned(heads: readonly BlockHead[], limits: RingLimits): (head: BlockHead) => boolean;
}

export interface TraceRing {
  readonly backend: Backend;
  /**
   * Writes one block and evicts the oldest blocks beyond the limits, atomically; resolves to the block's key.
   * `whileCommitting`, when given, is called once the transaction's commit is under way (other work for
   * the thread while the database writes); a ring that has no such moment does not call it.
   */
  append(block: BlockInput, whileCommitting?: () => void): Promise<number>;
  /** The highest seq stored for a session (0 when none). */
  lastSeq(sessionId: string): Promise<number>;
  /**
   * Up to `limit` heads of a session with blocks inside `fromSeq..toSeq`,
   * oldest first or newest first (within a session, key order is seq order).
   */
  heads(sessionId: string, order: 'oldest' | 'newest', fromSeq: number, toSeq: number, limit: number): Promise<KeyedHead[]>;
  /** The batches of a block; undefined when it was evicted meanwhile. */
  payload(key: number): Promise<ColumnBatch[] | undefined>;
  /** Stored sessions, newest first. */
  sessions(): Promise<SessionInfo[]>;
  /** Deletes a session's blocks; resolves to the entries deleted. */
  deleteSession(sessionId: string): Promise<number>;
  /**
   * Evicts the oldest blocks until at least `entries` are gone; resolves to
   * those evicted. The newest block too when `newestToo` (a full quota: the
   * block being written is not in the ring yet), else never the newest.
   * `quota` counts them in `quotaEvicted` as well.
   */
  evictOldest(entries: number, options?: { newestToo?: boolean; quota?: boolean }): Promise<number>;
  totals(): StoreTotals;
  /**
   * Reads a record of the ring's meta store by key, or writes it when given `value`: the pins' (pin-keeper.ts).
   * Only a ring that outlives the page (IndexedDB) has one.
   */
  meta?(key: string, value?: unknown): Promise<unknown>;
  close(): void;
}

export function emptyTotals(): StoreTotals {
  return { stored: 0, bytes: 0, evicted: 0, deleted: 0, appended: 0, quotaEvicted: 0, abandoned: 0 };
}

/**
 * Totals as read from a database: fields a record of an older version lacks
 * are zero, and its `appended` (not kept then) is what its other counters sum to.
 */
export function readTotals(saved: Partial<StoreTotals> | undefined): StoreTotals {
  const t = { ...emptyTotals(), ...saved };
  if (saved && saved.appended === undefined) t.appended = t.stored + t.evicted + t.deleted + t.abandoned;
  return t;
}

/** The ring's ledger: what was appended is stored, evicted, deleted or abandoned. Null when it holds, else what is off. */
export function ledgerProblem(t: StoreTotals): string | null {
  const sum = t.stored + t.evicted + t.deleted + t.abandoned;
  return sum === t.appended ? null : `stored ${t.stored} + evicted ${t.evicted} + deleted ${t.deleted} + abandoned ${t.abandoned} = ${sum}, appended ${t.appended}`;
}

/** Whether the ring is past one of its limits. */
export function overLimits(t: StoreTotals, lim: RingLimits): boolean {
  return t.stored > lim.capacity || t.bytes > lim.maxBytes;
}

/** The session record after `head` was written to it (created when absent). */
export function sessionAfterAppend(s: SessionInfo | undefined, head: BlockHead, startedAt: number): SessionInfo {
  const out = s ?? { id: head.sessionId, startedAt, firstSeq: head.firstSeq, lastSeq: 0, entries: 0 };
  out.firstSeq = Math.min(out.firstSeq, head.firstSeq);
  out.lastSeq = Math.max(out.lastSeq, head.lastSeq);
  out.entries += head.count;
  return out;
}

/**
 * Counts a block as gone from the ring and from its session (when known).
 * Whether it was the session's front block: its start moved, and the ring
 * sets it to its first remaining block's (the next may have gone before it,
 * evicted past it while it was pinned).
 */
export function forget(t: StoreTotals, s: SessionInfo | undefined, head: BlockHead, as: 'evicted' | 'deleted'): boolean {
  t.stored -= head.count;
  t.bytes -= head.bytes;
  t[as] += head.count;
  if (!s) return false;
  s.entries -= head.count;
  // Only the session's front block moves its start: one evicted past a pinned block leaves it be.
  if (head.firstSeq > s.firstSeq) return false;
  s.firstSeq = head.lastSeq + 1;
  return true;
}

/**
 * Data rotation: when a session new to the ring joins `others`, the sessions
 * to delete whole so that at most `maxSessions` remain. Only ones that
 * started before the new one (at `startedAt`), oldest first: an old session
 * coming back (a replayed emergency log, a tab left open) never pushes out a
 * newer one, and two tabs under a limit of one do not delete each other in turn.
 */
export function sessionsToRotate(others: readonly SessionInfo[], startedAt: number, maxSessions: number): SessionInfo[] {
  const excess = others.length + 1 - maxSessions;
  if (excess <= 0) return [];
  return others
    .filter((s) => s.startedAt < startedAt)
    .sort((a, b) => a.startedAt - b.startedAt)
    .slice(0, excess);
}

/** Newest first, as `sessions()` promises. */
export function byNewest(a: SessionInfo, b: SessionInfo): number {
  return b.startedAt - a.startedAt;
}

/** The head of a block made of `parts` (all of one session). */
export function headOf(sessionId: string, parts: readonly ColumnBatch[], bytes: number): BlockHead {
  const kindCounts = new Uint32Array(KINDS.length);
  const levelCounts = new Uint32Array(LEVELS.length);
  const types = new Set<string>();
  const sources = new Set<string>();
  let manyTypes = false;
  let manySources = false;
  let minTs = Infinity;
  let maxTs = -Infinity;
  let count = 0;
  for (const b of parts) {
    count += b.count;
    for (let i = 0; i < b.count; i++) {
      kindCounts[b.kind[i]!]!++;
      levelCounts[b.level[i]!]!++;
      const ts = b.ts[i]!;
      if (ts < minTs) minTs = ts;
      if (ts > maxTs) maxTs = ts;
    }
    // Every string of a batch's table is used by one of its entries.
    const used = new Uint8Array(b.strings.length);
    for (let i = 0; i < b.count; i++) used[b.type[i]!] = 1;
    for (let i = 0; i < b.count; i++) if (b.source[i]) used[b.source[i]! - 1]! |= 2;
    for (let k = 0; k < used.length; k++) {
      if (used[k]! & 1 && !manyTypes) {
        types.add(b.strings[k]!);
        manyTypes = types.size > SUMMARY_LIMIT;
      }
      if (used[k]! & 2 && !manySources) {
        sources.add(b.strings[k]!);
        manySources = sources.size > SUMMARY_LIMIT;
      }
    }
  }
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  return {
    sessionId,
    firstSeq: first.seq[0]!,
    lastSeq: last.seq[last.count - 1]!,
    minTs,
    maxTs,
    count,
    bytes,
    kinds: countsOf(KINDS, kindCounts),
    levels: countsOf(LEVELS, levelCounts),
    types: manyTypes ? null : [...types],
    sources: manySources ? null : [...sources],
  };
}

function countsOf(names: readonly string[], counts: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < names.length; i++) if (counts[i]) out[names[i]!] = counts[i]!;
  return out;
}
