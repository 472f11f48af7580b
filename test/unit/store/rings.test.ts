import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IdbRing } from '../../../src/store/idb-ring';
import { MemoryRing } from '../../../src/store/memory-ring';
import type { RingLimits, TraceRing } from '../../../src/store/ring';
import { freshDb, ringBlock, storedSeqs } from './helpers';


const limits = (capacity: number, over: Partial<RingLimits> = {}): RingLimits => ({ capacity, maxBytes: 1e12, maxSessions: 100, ...over });

const rings: [string, (lim: RingLimits) => Promise<TraceRing>][] = [
  ['IdbRing', (lim) => IdbRing.open(freshDb(), lim)],
  ['MemoryRing', async (lim) => new MemoryRing(lim)],
];

describe.each(rings)('%s', (_name, open) => {
  it('stores blocks per session, in order, and lists sessions newest first', async () => {
    const ring = await open(limits(10_000));
    await ring.append(ringBlock('old', 1, 10, 1000));
    await ring.append(ringBlock('new', 1, 5, 2000));
    await ring.append(ringBlock('old', 11, 12, 1000));
    expect(await storedSeqs(ring, 'old')).toEqual([...Array(12)].map((_, i) => i + 1));
    expect(await storedSeqs(ring, 'new')).toEqual([1, 2, 3, 4, 5]);
    const sessions = await ring.sessions();
    expect(sessions.map((s) => s.id)).toEqual(['new', 'old']);
    expect(sessions[1]).toMatchObject({ id: 'old', startedAt: 1000, firstSeq: 1, lastSeq: 12, entries: 12 });
    expect(await ring.lastSeq('old')).toBe(12);
    expect(await ring.lastSeq('none')).toBe(0);
    expect(ring.totals()).toMatchObject({ stored: 17, evicted: 0, deleted: 0 });
    ring.close();
  });

  it('finds the blocks of a seq range, oldest or newest first', async () => {
    const ring = await open(limits(10_000));
    for (let b = 0; b < 5; b++) await ring.append(ringBlock('s', b * 10 + 1, b * 10 + 10));
    await ring.append(ringBlock('other', 1, 100));
    const ranges = (hs: { firstSeq: number; lastSeq: number }[]) => hs.map((h) => [h.firstSeq, h.lastSeq]);
    expect(ranges(await ring.heads('s', 'oldest', 15, 32, 10))).toEqual([[11, 20], [21, 30], [31, 40]]);
    expect(ranges(await ring.heads('s', 'newest', 15, 32, 10))).toEqual([[31, 40], [21, 30], [11, 20]]);
    expect(ranges(await ring.heads('s', 'newest', -Infinity, Infinity, 2))).toEqual([[41, 50], [31, 40]]);
    expect(ranges(await ring.heads('s', 'oldest', 51, Infinity, 10))).toEqual([]);
    ring.close();
  });

  it('evicts the oldest whole blocks beyond capacity, and the counts add up', async () => {
    const ring = await open(limits(250));
    let logged = 0;
    for (let b = 0; b < 10; b++) {
      await ring.append(ringBlock('s', b * 100 + 1, b * 100 + 100));
      logged += 100;
      const t = ring.totals();
      expect(t.stored).toBeLessThanOrEqual(250);
      expect(t.stored + t.evicted).toBe(logged);
    }
    expect(ring.totals()).toMatchObject({ stored: 200, evicted: 800 });
    const seqs = await storedSeqs(ring, 's');
    expect(seqs[0]).toBe(801);
    expect(seqs).toHaveLength(200);
    expect((await ring.sessions())[0]).toMatchObject({ firstSeq: 801, lastSeq: 1000, entries: 200 });
    ring.close();
  });

  it('holds a capacity in bytes within one block, and counts bytes exactly', async () => {
    const one = ringBlock('s', 1, 100, 1000, { data: { text: 'x'.repeat(100) } });
    const maxBytes = Math.floor(one.bytes * 3.5);
    const ring = await open(limits(1e9, { maxBytes }));
    for (let b = 0; b < 20; b++) {
      await ring.append(ringBlock('s', b * 100 + 1, b * 100 + 100, 1000, { data: { text: 'x'.repeat(100) } }));
      expect(ring.totals().bytes).toBeLessThanOrEqual(maxBytes);
      if (b >= 3) expect(ring.totals().bytes).toBeGreaterThan(maxBytes - one.bytes);
    }
    expect(ring.totals()).toMatchObject({ stored: 300, evicted: 1700, bytes: one.bytes * 3 });
    ring.close();
  });

  it('drops a session record once all its blocks are evicted, and never evicts the block just written', async () => {
    const ring = await open(limits(100));
    await ring.append(ringBlock('a', 1, 50, 1));
    await ring.append(ringBlock('b', 1, 300, 2)); // bigger than the capacity on its own
    expect((await ring.sessions()).map((s) => s.id)).toEqual(['b']);
    expect(await storedSeqs(ring, 'b')).toHaveLength(300);
    expect(ring.totals()).toMatchObject({ stored: 300, evicted: 50 });
    ring.close();
  });

  it('keeps at most maxSessions, deleting the oldest whole (data rotation)', async () => {
    const ring = await open(limits(1e6, { maxSessions: 2 }));
    await ring.append(ringBlock('first', 1, 10, 1));
    await ring.append(ringBlock('second', 1, 20, 2));
    await ring.append(ringBlock('first', 11, 15, 1));
    await ring.append(ringBlock('third', 1, 30, 3));
    expect((await ring.sessions()).map((s) => s.id)).toEqual(['third', 'second']);
    expect(await storedSeqs(ring, 'first')).toEqual([]);
    expect(ring.totals()).toMatchObject({ stored: 50, evicted: 15 });
    ring.close();
  });

  it('deletes a session on request and evicts the oldest on demand (quota), counting each', async () => {
    const ring = await open(limits(1e6));
    await ring.append(ringBlock('a', 1, 10, 1));
    await ring.append(ringBlock('b', 1, 10, 2));
    await ring.append(ringBlock('a', 11, 20, 1));
    await ring.append(ringBlock('b', 11, 20, 2));
    expect(await ring.deleteSession('a')).toBe(20);
    expect(await ring.deleteSession('nope')).toBe(0);
    expect((await ring.sessions()).map((s) => s.id)).toEqual(['b']);
    expect(ring.totals()).toMatchObject({ stored: 20, deleted: 20, evicted: 0 });
    expect(await ring.evictOldest(5)).toBe(10); // whole blocks
    expect(await ring.evictOldest(100)).toBe(0); // never the newest block
    expect(await storedSeqs(ring, 'b')).toEqual([...Array(10)].map((_, i) => i + 11));
    expect(ring.totals()).toMatchObject({ stored: 10, deleted: 20, evicted: 10 });
    ring.close();
  });
});

describe('IdbRing', () => {
  it('keeps totals across reopening', async () => {
    const name = freshDb();
    const a = await IdbRing.open(name, limits(1_000));
    await a.append(ringBlock('s', 1, 10));
    a.close();
    const b = await IdbRing.open(name, limits(1_000));
    expect(b.totals()).toEqual({ stored: 10, bytes: ringBlock('s', 1, 10).bytes, evicted: 0, deleted: 0, appended: 10, quotaEvicted: 0, abandoned: 0 });
    expect(await b.lastSeq('s')).toBe(10);
    b.close();
  });

  it('tells its owner when another page deletes the database under it', async () => {
    const name = freshDb();
    let lost = '';
    const ring = await IdbRing.open(name, limits(1_000), (why) => (lost = why));
    await ring.append(ringBlock('s', 1, 3));
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => resolve();
    });
    expect(lost).toMatch(/upgraded or deleted/);
  });
});

describe.each(rings)('%s rotation', (_name, open) => {
  it('never pushes out a newer session for an older one coming back, so two tabs under a limit of one do not delete each other', async () => {
    const ring = await open(limits(1e6, { maxSessions: 1 }));
    await ring.append(ringBlock('older-tab', 1, 10, 1));
    await ring.append(ringBlock('newer-tab', 1, 10, 2)); // rotates the older one out
    await ring.append(ringBlock('older-tab', 11, 20, 1)); // comes back: kept, but deletes nothing newer
    await ring.append(ringBlock('newer-tab', 11, 20, 2));
    expect((await ring.sessions()).map((s) => s.id)).toEqual(['newer-tab', 'older-tab']);
    expect(await storedSeqs(ring, 'newer-tab')).toHaveLength(20);
    ring.close();
  });
});
