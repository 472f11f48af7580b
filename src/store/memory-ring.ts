/** The ring kept in memory: when IndexedDB cannot open or fails mid-session. It does not outlive the page. */
import type { SessionInfo } from '../core/entry';
import type { ColumnBatch } from '../core/columns';
import type { StoreTotals } from './protocol';
import {
  byNewest,
  emptyTotals,
  forget,
  overLimits,
  sessionAfterAppend,
  sessionsToRotate,
  type BlockInput,
  type EvictionGuard,
  type KeyedHead,
  type RingLimits,
  type TraceRing,
} from './ring';

interface Block {
  head: KeyedHead;
  parts: ColumnBatch[];
}

export class MemoryRing implements TraceRing {
  readonly backend = 'memory' as const;
  /** Oldest first. */
  private ring: Block[] = [];
  private readonly sessionMap = new Map<string, SessionInfo>();
  private readonly t: StoreTotals;
  private nextKey = 1;

  /**
   * `carried`: the totals of the database the store had to leave (IndexedDB
   * failed mid-session), so the ledger goes on: what it stored is abandoned.
   */
  constructor(
    private readonly limits: RingLimits,
    carried?: StoreTotals,
    private readonly guard: EvictionGuard | null = null,
  ) {
    this.t = emptyTotals();
    if (carried) {
      this.t.appended = carried.appended;
      this.t.evicted = carried.evicted;
      this.t.deleted = carried.deleted;
      this.t.quotaEvicted = carried.quotaEvicted;
      this.t.abandoned = carried.abandoned + carried.stored;
    }
  }

  async append(block: BlockInput): Promise<number> {
    const { parts, startedAt, ...rest } = block;
    const head: KeyedHead = { ...rest, key: this.nextKey++ };
    const existing = this.sessionMap.get(head.sessionId);
    if (!existing) {
      for (const s of sessionsToRotate([...this.sessionMap.values()], startedAt, this.limits.maxSessions)) this.drop(s.id, 'evicted');
    }
    this.ring.push({ head, parts });
    this.sessionMap.set(head.sessionId, sessionAfterAppend(existing, head, startedAt));
    this.t.stored += head.count;
    this.t.bytes += head.bytes;
    this.t.appended += head.count;
    this.evictFront(() => overLimits(this.t, this.limits));
    return head.key;
  }

  async lastSeq(sessionId: string): Promise<number> {
    return this.sessionMap.get(sessionId)?.lastSeq ?? 0;
  }

  async heads(sessionId: string, order: 'oldest' | 'newest', fromSeq: number, toSeq: number, limit: number): Promise<KeyedHead[]> {
    const out: KeyedHead[] = [];
    const n = this.ring.length;
    for (let k = 0; k < n && out.length < limit; k++) {
      const h = this.ring[order === 'oldest' ? k : n - 1 - k]!.head;
      if (h.sessionId === sessionId && h.lastSeq >= fromSeq && h.firstSeq <= toSeq) out.push(h);
    }
    return out;
  }

  async payload(key: number): Promise<ColumnBatch[] | undefined> {
    // Keys grow along the ring: binary search.
    let lo = 0;
    let hi = this.ring.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = this.ring[mid]!.head.key;
      if (k === key) return this.ring[mid]!.parts;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  async sessions(): Promise<SessionInfo[]> {
    return [...this.sessionMap.values()].map((s) => ({ ...s })).sort(byNewest);
  }

  async deleteSession(sessionId: string): Promise<number> {
    const before = this.t.deleted;
    this.drop(sessionId, 'deleted');
    return this.t.deleted - before;
  }

  async evictOldest(entries: number, options: { newestToo?: boolean; quota?: boolean } = {}): Promise<number> {
    const before = this.t.evicted;
    this.evictFront(() => this.t.evicted - before < entries, options.newestToo === true);
    const freed = this.t.evicted - before;
    if (options.quota) this.t.quotaEvicted += freed;
    return freed;
  }

  totals(): StoreTotals {
    return { ...this.t };
  }

  close(): void {}

  /** Evicts whole blocks from the oldest while `more()`, never the newest (the one just written) unless `newestToo`, nor a pinned one. */
  private evictFront(more: () => boolean, newestToo = false): void {
    const pinned = this.guard?.active() ? this.guard.pinned(this.ring.map((b) => b.head), this.limits) : null;
    const last = newestToo ? this.ring.length : this.ring.length - 1;
    const moved = new Set<SessionInfo>();
    this.ring = this.ring.filter((b, n) => {
      if (n >= last || !more() || pinned?.(b.head)) return true;
      const s = this.sessionMap.get(b.head.sessionId);
      if (forget(this.t, s, b.head, 'evicted')) moved.add(s!);
      if (s && s.entries <= 0) this.sessionMap.delete(s.id);
      return false;
    });
    // A session whose front block went starts at its first remaining one.
    for (let k = 0; moved.size > 0 && k < this.ring.length; k++) {
      const h = this.ring[k]!.head;
      const s = this.sessionMap.get(h.sessionId)!;
      if (moved.delete(s)) s.firstSeq = h.firstSeq;
    }
  }

  private drop(sessionId: string, as: 'evicted' | 'deleted'): void {
    for (const b of this.ring) if (b.head.sessionId === sessionId) forget(this.t, undefined, b.head, as);
    this.ring = this.ring.filter((b) => b.head.sessionId !== sessionId);
    this.sessionMap.delete(sessionId);
  }
}
