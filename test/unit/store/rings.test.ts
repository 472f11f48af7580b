import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { IdbRing } from '../../../src/store/idb-ring';
import { MemoryRing } from '../../../src/store/memory-ring';
import { countBy, type BlockInput, type TraceRing } from '../../../src/store/ring';
import { entry, freshDb } from './helpers';

function block(sessionId: string, from: number, to: number, startedAt = 1000): BlockInput {
  const entries: TraceEntry[] = [];
  for (let s = from; s <= to; s++) entries.push(entry(s, sessionId));
  const json = JSON.stringify(entries);
  return {
    sessionId,
    startedAt,
    firstSeq: from,
    lastSeq: to,
    firstTs: from,
    lastTs: to,
    count: entries.length,
    bytes: json.length,
    kinds: countBy(entries, 'kind'),
    levels: countBy(entries, 'level'),
    json,
  };
}

const seqsOf = (blocks: string[]) => blocks.flatMap((b) => (JSON.parse(b) as TraceEntry[]).map((e) => e.seq));

const rings: [string, (cap: number) => Promise<TraceRing>][] = [
  ['IdbRing', (cap) => IdbRing.open(freshDb(), cap)],
  ['MemoryRing', async (cap) => new MemoryRing(cap)],
];

describe.each(rings)('%s', (_name, open) => {
  it('stores blocks per session, in order, and lists sessions newest first', async () => {
    const ring = await open(10_000);
    await ring.append(block('old', 1, 10, 1000));
    await ring.append(block('new', 1, 5, 2000));
    await ring.append(block('old', 11, 12, 1000));
    expect(seqsOf(await ring.blocks('old'))).toEqual([...Array(12)].map((_, i) => i + 1));
    expect(seqsOf(await ring.blocks('new'))).toEqual([1, 2, 3, 4, 5]);
    expect(await ring.blocks('all')).toHaveLength(3);
    const sessions = await ring.sessions();
    expect(sessions.map((s) => s.id)).toEqual(['new', 'old']);
    expect(sessions[1]).toMatchObject({ id: 'old', startedAt: 1000, firstSeq: 1, lastSeq: 12, entries: 12 });
    expect(await ring.lastSeq('old')).toBe(12);
    expect(await ring.lastSeq('none')).toBe(0);
    expect(ring.totals()).toEqual({ stored: 17, evicted: 0 });
    ring.close();
  });

  it('evicts the oldest whole blocks beyond capacity, and the counts add up', async () => {
    const ring = await open(250);
    let logged = 0;
    for (let b = 0; b < 10; b++) {
      await ring.append(block('s', b * 100 + 1, b * 100 + 100));
      logged += 100;
      const t = ring.totals();
      expect(t.stored).toBeLessThanOrEqual(250);
      expect(t.stored + t.evicted).toBe(logged);
    }
    expect(ring.totals()).toEqual({ stored: 200, evicted: 800 });
    const seqs = seqsOf(await ring.blocks('s'));
    expect(seqs[0]).toBe(801);
    expect(seqs).toHaveLength(200);
    expect((await ring.sessions())[0]).toMatchObject({ firstSeq: 801, lastSeq: 1000, entries: 200 });
    ring.close();
  });

  it('drops a session record once all its blocks are evicted, and never evicts the block just written', async () => {
    const ring = await open(100);
    await ring.append(block('a', 1, 50, 1));
    await ring.append(block('b', 1, 300, 2)); // bigger than the capacity on its own
    expect((await ring.sessions()).map((s) => s.id)).toEqual(['b']);
    expect(seqsOf(await ring.blocks('b'))).toHaveLength(300);
    expect(ring.totals()).toEqual({ stored: 300, evicted: 50 });
    ring.close();
  });
});

describe('IdbRing', () => {
  it('keeps totals across reopening', async () => {
    const name = freshDb();
    const a = await IdbRing.open(name, 1_000);
    await a.append(block('s', 1, 10));
    a.close();
    const b = await IdbRing.open(name, 1_000);
    expect(b.totals()).toEqual({ stored: 10, evicted: 0 });
    expect(await b.lastSeq('s')).toBe(10);
    b.close();
  });

  it('tells its owner when another page deletes the database under it', async () => {
    const name = freshDb();
    let lost = '';
    const ring = await IdbRing.open(name, 1_000, (why) => (lost = why));
    await ring.append(block('s', 1, 3));
    await new Promise<void>((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => resolve();
    });
    expect(lost).toMatch(/upgraded or deleted/);
  });
});
