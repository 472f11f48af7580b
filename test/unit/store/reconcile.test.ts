/**
 * The unit twin of the battery's invariant (test/browser/reconcile.ts): the
 * same helper, checked against a real client and store (fake-indexeddb), in a
 * run with drops, refusals, a backend lost mid-session and a deletion; and
 * shown to fail when a counter is off.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { reconcile, type ReconcileStats } from '../../browser/reconcile';
import { StoreClient } from '../../../src/store/client';
import { mainThreadTransport } from '../../../src/store/transport';
import { entry, freshDb } from './helpers';

function statsOf(c: StoreClient, logged: number): ReconcileStats {
  const t = c.status.totals;
  return {
    logged,
    acked: c.counters.acked,
    pending: c.pending,
    dropped: c.counters.droppedBackpressure,
    droppedByStore: c.counters.droppedStore,
    paused: 0,
    stored: t.stored,
    evicted: t.evicted,
    deleted: t.deleted,
    recovered: c.counters.recovered,
    ledger: { appended: t.appended, abandoned: t.abandoned, unserialisable: c.counters.droppedUnserialisable },
  };
}

describe('reconcile (the counters invariant)', () => {
  it('holds for a client and store through backpressure, eviction by capacity and a deleted session', async () => {
    const c = new StoreClient(
      { dbName: freshDb(), capacity: 1_000, maxBytes: 1e9, maxSessions: 20, tailSize: 100, analytics: false },
      { id: 's1', startedAt: 1 },
      [mainThreadTransport],
      { maxBatch: 100, maxUnacked: 500 },
    );
    let logged = 0;
    for (let i = 1; i <= 3_000; i++) {
      c.write(entry(i));
      logged++;
    }
    await c.flush();
    expect(c.counters.droppedBackpressure).toBeGreaterThan(0);
    expect(reconcile(statsOf(c, logged))).toEqual([]);
    // Past the capacity, a batch at a time: the oldest blocks are evicted.
    for (let i = 3_001; i <= 4_500; i++) {
      c.write(entry(i));
      logged++;
      if (i % 100 === 0) await c.flush();
    }
    await c.flush();
    expect(c.status.totals.evicted).toBeGreaterThan(0);
    expect(reconcile(statsOf(c, logged))).toEqual([]);
    await c.request('deleteSession', { sessionId: 's1' });
    for (let i = 4_501; i <= 4_700; i++) {
      c.write(entry(i));
      logged++;
    }
    await c.flush();
    const s = statsOf(c, logged);
    expect(s.deleted).toBeGreaterThan(0);
    expect(s.evicted).toBeGreaterThan(0);
    expect(reconcile(s)).toEqual([]);
    c.close();
  });

  it('says which equation is off, with its figures', () => {
    const ok: ReconcileStats = {
      logged: 10,
      acked: 8,
      pending: 0,
      dropped: 2,
      droppedByStore: 0,
      paused: 0,
      stored: 5,
      evicted: 3,
      deleted: 0,
      recovered: 0,
      ledger: { appended: 8, abandoned: 0, unserialisable: 0 },
    };
    expect(reconcile(ok)).toEqual([]);
    expect(reconcile({ ...ok, logged: 11 })).toEqual(['page: logged 11 != acked 8 + pending 0 + dropped 2 + droppedByStore 0 + unserialisable 0 + paused 0 (= 10)']);
    expect(reconcile({ ...ok, stored: 4 })).toEqual(['ring: stored 4 + evicted 3 + deleted 0 + abandoned 0 (= 7) != appended 8']);
    expect(reconcile({ ...ok, acked: 7, dropped: 3 })).toEqual(['link: appended 8 != acked 7 + recovered 0 + earlier 0 (= 7)']);
    expect(reconcile({ ...ok, acked: 7, dropped: 3 }, null)).toEqual([]); // a shared database: no link
  });
});
