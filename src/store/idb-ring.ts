/**
 * The block ring in IndexedDB: one record per block (DESIGN.md: ~35x faster
 * than a record per event), eviction of the oldest blocks in the same
 * transaction as the write, totals in a meta record of that transaction.
 *
 * Heads (small) and payloads (the JSON text) are separate stores with the same
 * key, so listing or evicting blocks never reads their entries.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { SessionInfo } from '../core/entry';
import type { StoreTotals } from './protocol';
import { byNewest, type BlockHead, type BlockInput, type TraceRing } from './ring';

interface TraceDB extends DBSchema {
  heads: { key: number; value: BlockHead & { key?: number }; indexes: { bySession: string } };
  payloads: { key: number; value: string };
  sessions: { key: string; value: SessionInfo };
  meta: { key: string; value: StoreTotals };
}

const DB_VERSION = 1;
const TOTALS = 'totals';

export class IdbRing implements TraceRing {
  readonly backend = 'indexeddb' as const;
  private t: StoreTotals = { stored: 0, evicted: 0 };

  private constructor(
    private readonly db: IDBPDatabase<TraceDB>,
    private readonly capacity: number,
  ) {}

  /** Opens (or creates) the database; rejects when IndexedDB is unavailable. */
  static async open(dbName: string, capacity: number, onLost?: (why: string) => void): Promise<IdbRing> {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available here');
    const db = await openDB<TraceDB>(dbName, DB_VERSION, {
      upgrade(d) {
        const heads = d.createObjectStore('heads', { keyPath: 'key', autoIncrement: true });
        heads.createIndex('bySession', 'sessionId');
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
    const ring = new IdbRing(db, capacity);
    ring.t = (await db.get('meta', TOTALS)) ?? { stored: 0, evicted: 0 };
    return ring;
  }

  async append(block: BlockInput): Promise<void> {
    const tx = this.db.transaction(['heads', 'payloads', 'sessions', 'meta'], 'readwrite', { durability: 'relaxed' });
    const heads = tx.objectStore('heads');
    const sessions = tx.objectStore('sessions');
    const { json, startedAt, ...head } = block;

    const totals = (await tx.objectStore('meta').get(TOTALS)) ?? { stored: 0, evicted: 0 };
    const key = await heads.add(head);
    void tx.objectStore('payloads').put(json, key);
    const touched = new Map<string, SessionInfo>();
    const session = (await sessions.get(block.sessionId)) ?? {
      id: block.sessionId,
      startedAt,
      firstSeq: block.firstSeq,
      lastSeq: 0,
      entries: 0,
    };
    session.firstSeq = Math.min(session.firstSeq, block.firstSeq);
    session.lastSeq = Math.max(session.lastSeq, block.lastSeq);
    session.entries += block.count;
    touched.set(session.id, session);
    totals.stored += block.count;

    if (totals.stored > this.capacity) {
      // Read from the oldest head: correct even when another tab wrote blocks.
      let cursor = await heads.openCursor();
      let lastKey = -1;
      while (cursor && totals.stored > this.capacity && cursor.primaryKey !== key) {
        const old = cursor.value;
        totals.stored -= old.count;
        totals.evicted += old.count;
        lastKey = cursor.primaryKey;
        let os = touched.get(old.sessionId);
        if (!os) {
          os = await sessions.get(old.sessionId);
          if (os) touched.set(os.id, os);
        }
        if (os) {
          os.entries -= old.count;
          os.firstSeq = old.lastSeq + 1;
        }
        cursor = await cursor.continue();
      }
      if (lastKey >= 0) {
        const range = IDBKeyRange.upperBound(lastKey);
        void heads.delete(range);
        void tx.objectStore('payloads').delete(range);
      }
    }
    for (const s of touched.values()) {
      if (s.entries > 0) void sessions.put(s);
      else void sessions.delete(s.id);
    }
    void tx.objectStore('meta').put(totals, TOTALS);
    tx.commit();
    await tx.done;
    this.t = totals;
  }

  async lastSeq(sessionId: string): Promise<number> {
    return (await this.db.get('sessions', sessionId))?.lastSeq ?? 0;
  }

  async blocks(session: string | 'all'): Promise<string[]> {
    const tx = this.db.transaction(['heads', 'payloads'], 'readonly');
    const keys =
      session === 'all'
        ? await tx.objectStore('heads').getAllKeys()
        : await tx.objectStore('heads').index('bySession').getAllKeys(IDBKeyRange.only(session));
    const payloads = tx.objectStore('payloads');
    const out = await Promise.all(keys.map((k) => payloads.get(k)));
    await tx.done;
    return out.filter((s): s is string => typeof s === 'string');
  }

  async sessions(): Promise<SessionInfo[]> {
    return (await this.db.getAll('sessions')).sort(byNewest);
  }

  totals(): StoreTotals {
    return { ...this.t };
  }

  close(): void {
    this.db.close();
  }
}
