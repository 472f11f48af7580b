import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IdbRing } from '../../../src/store/idb-ring';
import { MemoryRing } from '../../../src/store/memory-ring';
import { PinKeeper } from '../../../src/store/pin-keeper';
import type { StoreConfig } from '../../../src/store/protocol';
import { ledgerProblem, type EvictionGuard, type RingLimits, type TraceRing } from '../../../src/store/ring';
import { freshDb, ringBlock, storedSeqs } from './helpers';


const limits = (capacity: number): RingLimits => ({ capacity, maxBytes: 1e12, maxSessions: 100 });

/** The store worker's pins over a ring of `capacity` with pins of share `maxShare`. */
function keeper(maxShare = 0.5): PinKeeper {
  const config: StoreConfig = { dbName: 'x', capacity: 0, maxBytes: 0, maxSessions: 0, tailSize: 0, analytics: false, pins: { before: 0, after: 0, maxShare, auto: false } };
  return new PinKeeper(config);
}

/** Appends blocks of 100 from seq `from` until `count` blocks, checking the ledger and the capacity after each. */
async function fill(ring: TraceRing, from: number, count: number, capacity: number): Promise<number> {
  let seq = from;
  for (let b = 0; b < count; b++) {
    await ring.append(ringBlock('s', seq, seq + 99));
    seq += 100;
    expect(ledgerProblem(ring.totals())).toBeNull();
    expect(ring.totals().stored).toBeLessThanOrEqual(capacity);
    await expectFirstSeqStored(ring, 's');
  }
  return seq;
}

/** The session's firstSeq is its first stored block's (blocks evicted around a pinned one, and it later, move it on). */
async function expectFirstSeqStored(ring: TraceRing, sessionId: string): Promise<void> {
  const [first] = await ring.heads(sessionId, 'oldest', -Infinity, Infinity, 1);
  expect((await ring.sessions()).find((x) => x.id === sessionId)?.firstSeq).toBe(first?.firstSeq);
}

const rings: [string, (lim: RingLimits, pins: EvictionGuard) => Promise<TraceRing>][] = [
  ['IdbRing', (lim, pins) => IdbRing.open(freshDb(), lim, undefined, pins)],
  ['MemoryRing', async (lim, pins) => new MemoryRing(lim, undefined, pins)],
];

describe.each(rings)('%s pins', (_name, open) => {
  it('keeps a pinned block through a ring that wraps twice, and lets it go once unpinned', async () => {
    const k = keeper();
    const ring = await open(limits(1000), k);
    await k.use(ring);
    let seq = await fill(ring, 1, 5, 1000); // seqs 1..500
    const pin = await k.pin({ sessionId: 's', fromTs: 150, toTs: 250, reason: 'user', label: 'keep' }); // blocks 101..200, 201..300
    // 2,000 more entries through a ring of 1,000: it wraps twice.
    seq = await fill(ring, seq, 20, 1000);
    const seqs = await storedSeqs(ring, 's');
    expect(seqs.slice(0, 200)).toEqual([...Array(200)].map((_, i) => 101 + i));
    expect(seqs.slice(200)).toEqual([...Array(800)].map((_, i) => 1701 + i)); // the rest: the newest
    expect(seqs).toHaveLength(1000);
    expect(ring.totals()).toMatchObject({ stored: 1000, evicted: 1500 });
    expect((await ring.sessions())[0]).toMatchObject({ firstSeq: 101, entries: 1000 });
    const report = await k.report(ring);
    expect(report.pins).toMatchObject([{ id: pin.id, entries: 200, blocks: 2 }]);
    expect(report.pinnedEntries).toBe(200);

    expect(await k.unpin(pin.id)).toBe(true);
    await fill(ring, seq, 2, 1000);
    const after = await storedSeqs(ring, 's');
    expect(after[0]).toBe(1701); // both blocks it held went first, being the oldest
    expect((await ring.sessions())[0]).toMatchObject({ firstSeq: 1701, entries: 1000 });
    expect(after).toHaveLength(1000);
    expect(k.summary()).toEqual({ pins: 0, pinsReleased: 0, pinSaveFailures: 0 });
    expect(ledgerProblem(ring.totals())).toBeNull();
    ring.close();
  });

  it('releases the oldest pin when pinned blocks pass their share of the ring, and counts it', async () => {
    const k = keeper(0.3);
    const ring = await open(limits(1000), k);
    await k.use(ring);
    let seq = await fill(ring, 1, 5, 1000);
    const older = await k.pin({ sessionId: 's', fromTs: 1, toTs: 150, reason: 'user', label: 'older' }); // 200 entries
    seq = await fill(ring, seq, 3, 1000);
    const newer = await k.pin({ sessionId: 's', fromTs: 650, toTs: 750, reason: 'user', label: 'newer' }); // 601..800: 200 more
    // 400 pinned > 0.3 of 1,000: the older pin goes on the next eviction.
    seq = await fill(ring, seq, 20, 1000);
    expect(k.summary()).toEqual({ pins: 1, pinsReleased: 1, pinSaveFailures: 0 });
    const report = await k.report(ring);
    expect(report.pins.map((p) => p.id)).toEqual([newer.id]);
    expect(report.pinnedEntries).toBe(200);
    expect(report.released).toBe(1);
    const seqs = await storedSeqs(ring, 's');
    expect(seqs.slice(0, 200)).toEqual([...Array(200)].map((_, i) => 601 + i));
    expect(seqs).not.toContain(1);
    expect(older.id).toBeLessThan(newer.id);
    ring.close();
  });

  it('drops the pins of a deleted session', async () => {
    const k = keeper();
    const ring = await open(limits(1000), k);
    await k.use(ring);
    await fill(ring, 1, 2, 1000);
    await k.pin({ sessionId: 's', fromTs: 1, toTs: 50, reason: 'user', label: 'x' });
    await ring.deleteSession('s');
    expect((await k.report(ring)).pins).toEqual([]);
    expect(k.summary()).toEqual({ pins: 0, pinsReleased: 0, pinSaveFailures: 0 });
    ring.close();
  });
});

describe('IdbRing pins', () => {
  it('outlive a reload: a ring opened again keeps them and their blocks', async () => {
    const db = freshDb();
    const k = keeper();
    const first = await IdbRing.open(db, limits(1000), undefined, k);
    await k.use(first);
    let seq = await fill(first, 1, 5, 1000);
    const pin = await k.pin({ sessionId: 's', fromTs: 150, toTs: 160, reason: 'anomaly', label: 'spike' });
    first.close();
    // A new page's store: a keeper of its own, which reads the pins the database kept.
    const k2 = keeper();
    const again = await IdbRing.open(db, limits(1000), undefined, k2);
    await k2.use(again);
    expect(k2.summary()).toEqual({ pins: 1, pinsReleased: 0, pinSaveFailures: 0 });
    seq = await fill(again, seq, 20, 1000);
    expect((await storedSeqs(again, 's')).slice(0, 100)).toEqual([...Array(100)].map((_, i) => 101 + i));
    expect((await k2.report(again)).pins).toMatchObject([{ id: pin.id, reason: 'anomaly', label: 'spike', entries: 100 }]);
    const next = await k2.pin({ sessionId: 's', fromTs: seq - 10, toTs: seq, reason: 'user', label: 'later' });
    expect(next.id).toBeGreaterThan(pin.id); // ids go on from the saved state
    again.close();
  });

});
