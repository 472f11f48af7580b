/**
 * The block ring in IndexedDB: one record per block (DESIGN.md: ~35x faster
 * than a record per event), eviction of the oldest blocks in the same
 * transaction as the write, totals in a meta record of that transaction.
 *
 * Heads (small) and payloads (the columns) are separate stores with the same
 * key, so listing, skipping or evicting blocks never reads their entries.
 * Keys grow with each write, so within a session key order is seq order, and
 * the index on [sessionId, lastSeq] finds the blocks of a seq range directly.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { SessionInfo } from '../core/entry';
import type { ColumnBatch } from '../core/columns';
import type { StoreTotals } from './protocol';
import {
  byNewest,
  emptyTotals,
  forget,
  overLimits,
  readTotals,
  sessionAfterAppend,
  sessionsToRotate,
  type BlockHead,
  type BlockInput,
  type EvictionGuard,
  type KeyedHead,
  type RingLimits,
  type TraceRing,
} from './ring';

interface TraceDB extends DBSchema {
  heads: { key: number; value: BlockHead & { key?: number }; indexes: { bySessionSeq: [string, number] } };
  payloads: { key: number; value: ColumnBatch[] };
  sessions: { key: string; value: SessionInfo };
  /** The totals (TOTALS), and records of others (readMeta: the pins'). */
  meta: { key: string; value: unknown };
}

type WriteTx = IDBPTransaction<TraceDB, ('heads' | 'payloads' | 'sessions' | 'meta')[], 'readwrite'>;

/** 2: blocks of columns (1 kept JSON text, which this version cannot read: its stores are dropped). */
const DB_VERSION = 2;
const TOTALS = 'totals';
const ALL_STORES = ['heads', 'payloads', 'sessions', 'meta'] as const;

export class IdbRing implements TraceRing {
  readonly backend = 'indexeddb' as const;
  private t: StoreTotals = emptyTotals();

  private constructor(
    private readonly db: IDBPDatabase<TraceDB>,
    private readonly limits: RingLimits,
    private readonly guard: EvictionGuard | null,
  ) {}

  /** Opens (or creates) the database; rejects when IndexedDB is unavailable. */
  static async open(dbName: string, limits: RingLimits, onLost?: (why: string) => void, guard: EvictionGuard | null = null): Promise<IdbRing> {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available here');
    const db = await openDB<TraceDB>(dbName, DB_VERSION, {
      upgrade(d, oldVersion) {
        if (oldVersion < DB_VERSION) {
          for (const name of [...d.objectStoreNames]) d.deleteObjectStore(name);
        }
        const heads = d.createObjectStore('heads', { keyPath: 'key', autoIncrement: true });
        heads.createIndex('bySessionSeq', ['sessionId', 'lastSeq']);
        d.createObjectStore('payloads');
        d.createObjectStore('sessions', { keyPath: 'id' });
        d.createObjectStore('meta');
      },
      // Another tab wants a newer schema, or the database is being deleted: let go.
      blocking() {
        db.close();
        onLost?.('the database was upgraded or deleted by another page');
      },
      terminated() {
        onLost?.('the browser closed the database');
      },
    });
    const ring = new IdbRing(db, limits, guard);
    // The totals are read in a write transaction over every store, as each append's are: a
    // connection that holds any of them and never lets go (a hung worker's read, which Chromium
    // may keep past its terminate) then keeps the ring from opening, and the host goes on in
    // memory (OPEN_TIMEOUT_MS), instead of opening it and waiting on every write for ever.
    const { tx, totals } = await ring.begin();
    tx.commit();
    await tx.done;
    ring.t = totals;
    return ring;
  }

  async append(block: BlockInput, whileCommitting?: () => void): Promise<number> {
    const { parts, startedAt, ...head } = block;
    const { tx, totals } = await this.begin('relaxed');
    const key = await tx.objectStore('heads').add(head);
    quiet(tx.objectStore('payloads').put(parts, key));
    const touched = new Map<string, SessionInfo>();
    const existing = await tx.objectStore('sessions').get(head.sessionId);
    touched.set(head.sessionId, sessionAfterAppend(existing, head, startedAt));
    totals.stored += head.count;
    totals.bytes += head.bytes;
    totals.appended += head.count;

    if (!existing) await this.rotateSessions(tx, totals, touched, head.sessionId);
    if (overLimits(totals, this.limits)) await this.evictFront(tx, totals, touched, key, () => overLimits(totals, this.limits));
    await this.finish(tx, totals, touched, whileCommitting);
    return key;
  }

  async lastSeq(sessionId: string): Promise<number> {
    return (await this.db.get('sessions', sessionId))?.lastSeq ?? 0;
  }

  async heads(sessionId: string, order: 'oldest' | 'newest', fromSeq: number, toSeq: number, limit: number): Promise<KeyedHead[]> {
    const index = this.db.transaction('heads').store.index('bySessionSeq');
    const out: KeyedHead[] = [];
    if (order === 'oldest') {
      // Blocks are seq-ordered and disjoint: from the first that ends at or after fromSeq.
      let c = await index.openCursor(IDBKeyRange.bound([sessionId, fromSeq], [sessionId, Infinity]));
      while (c && out.length < limit && c.value.firstSeq <= toSeq) {
        out.push(c.value as KeyedHead);
        c = await c.continue();
      }
      return out;
    }
    if (toSeq !== Infinity) {
      // The block that holds toSeq ends after it.
      const straddling = await index.get(IDBKeyRange.bound([sessionId, toSeq], [sessionId, Infinity], true));
      if (straddling && straddling.firstSeq <= toSeq) out.push(straddling as KeyedHead);
    }
    let c = await index.openCursor(IDBKeyRange.bound([sessionId, fromSeq], [sessionId, toSeq]), 'prev');
    while (c && out.length < limit) {
      out.push(c.value as KeyedHead);
      c = await c.continue();
    }
    return out;
  }

  async payload(key: number): Promise<ColumnBatch[] | undefined> {
    return this.db.get('payloads', key);
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.db.getAll('sessions')).sort(byNewest);
  }

  async deleteSession(sessionId: string): Promise<number> {
    const { tx, totals } = await this.begin();
    const before = totals.deleted;
    await this.dropSession(tx, sessionId, totals, 'deleted');
    await this.finish(tx, totals, new Map());
    return totals.deleted - before;
  }

  async evictOldest(entries: number, options: { newestToo?: boolean; quota?: boolean } = {}): Promise<number> {
    const { tx, totals } = await this.begin();
    const newest = await tx.objectStore('heads').openCursor(null, 'prev');
    const before = totals.evicted;
    const touched = new Map<string, SessionInfo>();
    if (newest) await this.evictFront(tx, totals, touched, options.newestToo ? -1 : newest.primaryKey, () => totals.evicted - before < entries);
    const freed = totals.evicted - before;
    if (options.quota) totals.quotaEvicted += freed;
    await this.finish(tx, totals, touched);
    return freed;
  }

  async meta(key: string, value?: unknown): Promise<unknown> {
    return value === undefined ? this.db.get('meta', key) : this.db.put('meta', value, key);
  }

  totals(): StoreTotals {
    return { ...this.t };
  }

  close(): void {
    this.db.close();
  }

  /**
   * A write transaction over every store, with the totals as of its start
   * (read inside it: another tab may have written since ours were cached).
   */
  private async begin(durability?: 'relaxed'): Promise<{ tx: WriteTx; totals: StoreTotals }> {
    const tx = this.db.transaction([...ALL_STORES], 'readwrite', durability ? { durability } : undefined);
    quiet(tx.done); // awaited in finish(); handled here too, for when a request before it throws
    const totals = readTotals((await tx.objectStore('meta').get(TOTALS)) as StoreTotals | undefined);
    return { tx, totals };
  }

  /** Evicts from the oldest block while `more()` and the block is not `keep` (-1: any block may go), skipping pinned blocks. */
  private async evictFront(tx: WriteTx, totals: StoreTotals, touched: Map<string, SessionInfo>, keep: number, more: () => boolean): Promise<void> {
    const pinned = this.guard?.active() ? this.guard.pinned(await tx.objectStore('heads').getAll(), this.limits) : null;
    // Read from the oldest head: correct even when another tab wrote blocks.
    let cursor = await tx.objectStore('heads').openCursor();
    // With nothing pinned the evicted blocks are the oldest run of keys: one range delete for it.
    let lastKey = -1;
    /** Sessions whose front block went: their first remaining block says where they start now. */
    const moved = new Set<SessionInfo>();
    while (cursor && more() && cursor.primaryKey !== keep) {
      const old = cursor.value;
      if (!pinned?.(old)) {
        let s = touched.get(old.sessionId);
        if (!s) {
          s = await tx.objectStore('sessions').get(old.sessionId);
          if (s) touched.set(s.id, s);
        }
        if (forget(totals, s, old, 'evicted')) moved.add(s!);
        if (pinned) {
          quiet(cursor.delete());
          quiet(tx.objectStore('payloads').delete(cursor.primaryKey));
        } else lastKey = cursor.primaryKey;
      }
      cursor = await cursor.continue();
    }
    if (lastKey >= 0) {
      const range = IDBKeyRange.upperBound(lastKey);
      quiet(tx.objectStore('heads').delete(range));
      quiet(tx.objectStore('payloads').delete(range));
    }
    // The block after the front one may have gone before it (evicted past it while it was pinned): the
    // session starts at its first remaining block. With none skipped that is the cursor's, when of the
    // session (keys grow with seq); else it is read, after the deletes (a transaction's requests run in order).
    for (const s of moved) {
      const first = !pinned && cursor?.value.sessionId === s.id ? cursor.value : await tx.objectStore('heads').index('bySessionSeq').get(IDBKeyRange.bound([s.id, -Infinity], [s.id, Infinity]));
      if (first) s.firstSeq = first.firstSeq;
    }
  }

  /** Deletes whole the sessions that `current`, new to the ring, pushes past `maxSessions` (see sessionsToRotate). */
  private async rotateSessions(tx: WriteTx, totals: StoreTotals, touched: Map<string, SessionInfo>, current: string): Promise<void> {
    // `current` is not stored yet: every stored session is another one.
    const others = await tx.objectStore('sessions').getAll();
    for (const s of sessionsToRotate(others, touched.get(current)!.startedAt, this.limits.maxSessions)) {
      await this.dropSession(tx, s.id, totals, 'evicted');
      touched.delete(s.id);
    }
  }

  private async dropSession(tx: WriteTx, sessionId: string, totals: StoreTotals, as: 'evicted' | 'deleted'): Promise<void> {
    const heads = tx.objectStore('heads');
    const range = IDBKeyRange.bound([sessionId, -Infinity], [sessionId, Infinity]);
    const [found, keys] = await Promise.all([heads.index('bySessionSeq').getAll(range), heads.index('bySessionSeq').getAllKeys(range)]);
    for (let i = 0; i < found.length; i++) {
      forget(totals, undefined, found[i]!, as);
      quiet(heads.delete(keys[i]!));
      quiet(tx.objectStore('payloads').delete(keys[i]!));
    }
    quiet(tx.objectStore('sessions').delete(sessionId));
  }

  /**
   * Writes the touched sessions and the totals, commits, and keeps the totals once durable.
   * `whileCommitting` runs between the commit request and its completion (it must not throw).
   */
  private async finish(tx: WriteTx, totals: StoreTotals, touched: Map<string, SessionInfo>, whileCommitting?: () => void): Promise<void> {
    for (const s of touched.values()) {
      if (s.entries > 0) quiet(tx.objectStore('sessions').put(s));
      else quiet(tx.objectStore('sessions').delete(s.id));
    }
    quiet(tx.objectStore('meta').put(totals, TOTALS));
    tx.commit();
    whileCommitting?.();
    await tx.done;
    this.t = totals;
  }
}

/**
 * A request whose outcome the transaction reports (`tx.done` rejects when
 * any fails): its own rejection is handled here, so that an aborted write
 * (a full quota) is not also an unhandled rejection in the page.
 */
function quiet(request: Promise<unknown>): void {
  request.catch(() => {});
}
