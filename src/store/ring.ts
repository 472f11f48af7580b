/** The block ring's contract, kept by the IndexedDB ring and the memory ring. */
import type { SessionInfo, TraceEntry } from '../core/entry';
import type { Backend, StoreTotals } from './protocol';

/** What is known of a block without reading its entries. */
export interface BlockHead {
  sessionId: string;
  firstSeq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  count: number;
  /** Length of the block's JSON text. */
  bytes: number;
  /** Entries per kind, for queries that can skip a block. */
  kinds: Record<string, number>;
  /** Entries per level. */
  levels: Record<string, number>;
}

export interface BlockInput extends BlockHead {
  startedAt: number;
  json: string;
}

export interface TraceRing {
  readonly backend: Backend;
  /** Writes one block and evicts the oldest blocks beyond capacity, atomically. */
  append(block: BlockInput): Promise<void>;
  /** The highest seq stored for a session (0 when none). */
  lastSeq(sessionId: string): Promise<number>;
  /** JSON texts of the blocks of one session, or of all, in write order. */
  blocks(session: string | 'all'): Promise<string[]>;
  /** Stored sessions, newest first. */
  sessions(): Promise<SessionInfo[]>;
  totals(): StoreTotals;
  close(): void;
}

/** Counts of each value of `field` among entries, for a block's summary. */
export function countBy(entries: readonly TraceEntry[], field: 'kind' | 'level'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries) {
    const v = e[field];
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

/** Newest first, as `sessions()` promises. */
export function byNewest(a: SessionInfo, b: SessionInfo): number {
  return b.startedAt - a.startedAt;
}
