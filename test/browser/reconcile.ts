/**
 * The counters' invariant, written once: every battery scenario (and the unit
 * twin, test/unit/store/reconcile.test.ts) checks a page's `stats()` with it.
 *
 * From the code's counters (src/store/client.ts, src/store/ring.ts):
 *
 *   page:   logged = acked + pending + dropped + droppedByStore + ledger.unserialisable + paused
 *           (every entry the core stamped went to exactly one of these; `pending`
 *           also holds an earlier page's replayed batches until they are stored)
 *   ring:   stored + evicted + deleted + ledger.abandoned = ledger.appended
 *           (database-wide: an entry written to the ring is in it, or was evicted,
 *           deleted, or left in a database the store lost hold of)
 *   link:   ledger.appended = acked + recovered + earlier
 *           (a database only this scenario's pages wrote: what this page had
 *           acked, what it recovered of earlier pages, and what earlier pages
 *           wrote, `earlier`; checked once nothing is pending, as totals come with acks)
 */

/** What of `stats()` the invariant reads. */
export interface ReconcileStats {
  logged: number;
  acked: number;
  pending: number;
  dropped: number;
  droppedByStore: number;
  paused: number;
  stored: number;
  evicted: number;
  deleted: number;
  recovered: number;
  ledger: { appended: number; abandoned: number; unserialisable: number };
}

/** What the page counts as never stored by it: dropped (behind), refused by the store, unserialisable and paused. */
export function countedOnPage(s: ReconcileStats): number {
  return s.dropped + s.droppedByStore + s.ledger.unserialisable + s.paused;
}

/**
 * The equations that do not hold, each said with its figures; empty when the
 * counters reconcile. `earlier`: entries earlier pages of the scenario wrote
 * to the database (null: the link is not checked, e.g. when other writers share it).
 */
export function reconcile(s: ReconcileStats, earlier: number | null = 0): string[] {
  const off: string[] = [];
  const page = s.acked + s.pending + countedOnPage(s);
  if (page !== s.logged) {
    off.push(
      `page: logged ${s.logged} != acked ${s.acked} + pending ${s.pending} + dropped ${s.dropped} + droppedByStore ${s.droppedByStore} + unserialisable ${s.ledger.unserialisable} + paused ${s.paused} (= ${page})`,
    );
  }
  const ring = s.stored + s.evicted + s.deleted + s.ledger.abandoned;
  if (ring !== s.ledger.appended) {
    off.push(`ring: stored ${s.stored} + evicted ${s.evicted} + deleted ${s.deleted} + abandoned ${s.ledger.abandoned} (= ${ring}) != appended ${s.ledger.appended}`);
  }
  if (earlier !== null && s.pending === 0) {
    const link = s.acked + s.recovered + earlier;
    if (link !== s.ledger.appended) off.push(`link: appended ${s.ledger.appended} != acked ${s.acked} + recovered ${s.recovered} + earlier ${earlier} (= ${link})`);
  }
  return off;
}
