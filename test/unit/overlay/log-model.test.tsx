// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { CHUNK, JsonTree } from '../../../src/overlay/panels/log-json-tree';
import { CursorList } from '../../../src/overlay/panels/log-cursor-list';
import { queryEntries } from '../../../src/overlay/panels/log-file-list';
import { createRowList } from '../../../src/overlay/panels/log-model';
import { MAX_INFLIGHT, MAX_PAGES, PAGE } from '../../../src/overlay/panels/log-pager';
import { MAX_SCROLL_PX, ROW_H, rowWindow, scrollHeight, scrollTopFor } from '../../../src/overlay/panels/log-scroll';
import { SeqList } from '../../../src/overlay/panels/log-seq-list';
import { defaultFilters, filtersToQuery, loadSettings, LOG_SETTINGS_KEY, saveSettings } from '../../../src/overlay/panels/log-settings';
import { Lru } from '../../../src/overlay/panels/lru';
import { entryAt, FakeSource } from './log-fake-source';

/** The seqs (null: loading) of the rows `range()` names, at every update of the list while `act` runs. */
async function rowsAtEachUpdate(list: SeqList, range: () => [number, number], act: () => Promise<void>): Promise<(number | null)[][]> {
  const seen: (number | null)[][] = [];
  let first = true; // subscribe calls back once at once: not an update
  const stop = list.version.subscribe(() => {
    if (first) return void (first = false);
    const [from, to] = range();
    const rows: (number | null)[] = [];
    for (let i = from; i < to; i++) {
      const r = list.row(i);
      rows.push(r === null ? null : typeof r === 'number' ? r : r.seq);
    }
    seen.push(rows);
  });
  try {
    await act();
  } finally {
    stop();
  }
  return seen;
}

describe('log filters', () => {
  it('become store query params, and nothing when off', () => {
    expect(filtersToQuery(defaultFilters())).toEqual({});
    expect(filtersToQuery({ kinds: ['agent', 'error'], minLevel: 'warn', types: 'npc.*, quest:start', sources: ' brain ', text: ' boss ' })).toEqual({
      kinds: ['agent', 'error'],
      levels: ['warn', 'error', 'critical'],
      types: ['npc.*', 'quest:start'],
      sources: ['brain'],
      text: 'boss',
    });
  });

  it('persist, and survive storage that throws or holds junk', () => {
    localStorage.clear();
    const f = { ...defaultFilters(), kinds: ['agent' as const], text: 'x' };
    saveSettings({ filters: f, order: 'oldest' });
    expect(loadSettings()).toEqual({ filters: f, order: 'oldest' });
    localStorage.setItem(LOG_SETTINGS_KEY, JSON.stringify({ filters: { kinds: ['nope', 'agent'], minLevel: 'loud', text: 3 }, order: 'sideways' }));
    expect(loadSettings()).toEqual({ filters: { ...defaultFilters(), kinds: ['agent'] }, order: 'newest' });
    const forbidden = () => {
      throw new DOMException('denied', 'SecurityError');
    };
    expect(loadSettings(forbidden)).toEqual({ filters: defaultFilters(), order: 'newest' });
    expect(() => saveSettings({ filters: f, order: 'newest' }, forbidden)).not.toThrow();
  });
});

describe('queryEntries (trace files, by the store rules)', () => {
  const all = Array.from({ length: 1000 }, (_, i) => entryAt(i + 1));

  it('filters, orders and pages with after/next', () => {
    const p1 = queryEntries(all, { kinds: ['agent'], limit: 30 });
    expect(p1.entries[0]!.seq).toBe(1000);
    expect(p1.entries.length).toBe(30);
    expect(p1.next).toBe(710);
    const p2 = queryEntries(all, { kinds: ['agent'], limit: 30, after: p1.next! });
    expect(p2.entries[0]!.seq).toBe(700);
    const old = queryEntries(all, { order: 'oldest', types: ['npc.*'], fromSeq: 3, limit: 3 });
    expect(old.entries.map((e) => e.type.startsWith('npc.'))).toEqual([true, true, true]);
    expect(old.entries[0]!.seq).toBeGreaterThanOrEqual(3);
    expect(queryEntries(all, { text: 'NEEDLE' }).entries.map((e) => e.seq)).toEqual([1])
    expect(queryEntries(all, { text: 'failed at 500' }).entries.map((e) => e.seq)).toEqual([500]);
    expect(queryEntries(all, { parentIds: [200], order: 'oldest' }).entries.map((e) => e.seq)).toEqual([110, 120, 130, 140, 150, 160, 170, 180, 190]);
    expect(queryEntries(all, { spanIds: [300] }).entries.map((e) => e.seq)).toEqual([300]);
    expect(queryEntries(all, { sources: ['npc1'], levels: ['warn'], limit: 2 }).entries.every((e) => e.source === 'npc1' && e.level === 'warn')).toBe(true);
    expect(queryEntries(all, { sessionId: 'other' }).entries).toEqual([]);
  });
});

describe('the row window', () => {
  it('is exact for small lists and scaled past the browsers height limit', () => {
    expect(rowWindow(0, 200, 0)).toEqual({ first: 0, count: 0, top: 0, height: 0 });
    const w = rowWindow(100 * ROW_H, 200, 1000);
    expect(w.first).toBe(100 - 8);
    expect(w.top).toBe(w.first * ROW_H);
    expect(w.height).toBe(1000 * ROW_H);

    // Overscan as asked (none: the visible rows only).
    expect(rowWindow(100 * ROW_H, 200, 1000, 0)).toMatchObject({ first: 100, count: 200 / ROW_H });
    expect(rowWindow(0, 200, 1000, 0)).toMatchObject({ first: 0, count: 200 / ROW_H, top: 0 });

    const n = 5_000_000;
    expect(scrollHeight(n)).toBe(MAX_SCROLL_PX);
    const end = rowWindow(MAX_SCROLL_PX - 200, 200, n);
    expect(end.first + end.count).toBe(n);
    const mid = rowWindow((MAX_SCROLL_PX - 200) / 2, 200, n);
    expect(Math.abs(mid.first - n / 2)).toBeLessThan(20);
    // The rendered rows cover the viewport.
    expect(mid.top).toBeLessThanOrEqual((MAX_SCROLL_PX - 200) / 2);
    expect(mid.top + mid.count * ROW_H).toBeGreaterThanOrEqual((MAX_SCROLL_PX - 200) / 2 + 200);
  });

  it('scrolls as little as needed to show a row', () => {
    expect(scrollTopFor(5, 0, 200, 1000)).toBe(0);
    expect(scrollTopFor(50, 0, 200, 1000)).toBe(51 * ROW_H - 200);
    expect(scrollTopFor(3, 40 * ROW_H, 200, 1000)).toBe(3 * ROW_H);
    const n = 5_000_000;
    const top = scrollTopFor(n - 1, 0, 200, n);
    const w = rowWindow(top, 200, n);
    expect(w.first + w.count).toBe(n);
  });
});

describe('pages', () => {
  it('the LRU drops the least recently used', () => {
    const lru = new Lru<number, string>(2);
    lru.set(1, 'a');
    lru.set(2, 'b');
    lru.get(1);
    lru.set(3, 'c');
    expect(lru.keys()).toEqual([1, 3]);
  });

  it('a cursor list fetches a few pages at a time and gets evicted pages back by their cursor', async () => {
    const source = new FakeSource(1_000_000);
    let release!: () => void;
    source.gate = new Promise((r) => (release = r));
    const list = new CursorList((q) => source.query(q), 'newest', { kinds: ['agent'] });
    const first = list.refresh();
    release();
    await first;
    expect(list.size()).toBe(2 * PAGE); // a page and room for the next
    // Walk far down: pages come one by one (each needs the cursor of the one before).
    for (let k = 1; k < MAX_PAGES + 5; k++) {
      list.want(k * PAGE, k * PAGE + 10);
      await new Promise((r) => setTimeout(r, 0));
    }
    expect(list.countLabel()).toBe(`${((MAX_PAGES + 5) * PAGE).toLocaleString('en')}+ matches`);
    const e = list.row(0);
    expect(e).toBeNull(); // page 0 was evicted
    source.calls.length = 0;
    source.gate = new Promise((r) => (release = r));
    list.want(0, 3 * PAGE + 1);
    expect(source.calls.length).toBe(MAX_INFLIGHT);
    expect(source.calls[0]).toMatchObject({ kinds: ['agent'], order: 'newest', limit: PAGE });
    expect(source.calls[0]!.after).toBeUndefined();
    release();
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect((list.row(0) as TraceEntry).seq).toBe(1_000_000);
    expect((list.row(PAGE) as TraceEntry).seq).toBe(1_000_000 - PAGE * 10);
    list.dispose();
  });

  it('a seq list shows newer entries only with the rows in view fetched, newest or oldest first', async () => {
    for (const order of ['newest', 'oldest'] as const) {
      const source = new FakeSource(5_000);
      const list = new SeqList((q) => source.query(q), order, {});
      await list.refresh();
      const inView = () => (order === 'newest' ? [0, 30] : [list.size() - 30, list.size()]) as [number, number];
      list.want(...inView());
      await new Promise((r) => setTimeout(r, 0));
      source.last = 5_250; // beyond the pages fetched so far
      const seen = await rowsAtEachUpdate(list, inView, () => list.refresh());
      expect(seen).toHaveLength(1);
      const expected = order === 'newest' ? Array.from({ length: 30 }, (_, i) => 5_250 - i) : Array.from({ length: 30 }, (_, i) => 5_221 + i);
      expect(seen[0]).toEqual(expected);
      list.dispose();
    }
  });

  it('"↓ newest" from a paused place: the one update shows the edge rows loaded, not the place left', async () => {
    for (const order of ['newest', 'oldest'] as const) {
      const source = new FakeSource(5_000);
      const list = new SeqList((q) => source.query(q), order, {});
      await list.refresh();
      list.want(2_000, 2_030); // paused in the middle
      await new Promise((r) => setTimeout(r, 0));
      source.last = 5_400; // pages never fetched
      const edge = () => (order === 'newest' ? [0, 30] : [list.size() - 30, list.size()]) as [number, number];
      const seen = await rowsAtEachUpdate(list, edge, () => list.refresh()); // following again
      expect(seen).toHaveLength(1);
      const expected = order === 'newest' ? Array.from({ length: 30 }, (_, i) => 5_400 - i) : Array.from({ length: 30 }, (_, i) => 5_371 + i);
      expect(seen[0]).toEqual(expected);
      list.dispose();
    }
  });

  it('createRowList picks seq windows without filters, cursors with them, memory for files', () => {
    const q = async () => ({ entries: [], next: null, blocksRead: 0 });
    expect(createRowList({ query: q, file: null, filters: defaultFilters(), focus: null, order: 'newest' }).kind).toBe('seq');
    expect(createRowList({ query: q, file: null, filters: defaultFilters(), focus: { seqFrom: 1, seqTo: 5, label: '' }, order: 'newest' }).kind).toBe('seq');
    expect(createRowList({ query: q, file: null, filters: { ...defaultFilters(), text: 'a' }, focus: null, order: 'newest' }).kind).toBe('cursor');
    expect(createRowList({ query: q, file: [], filters: defaultFilters(), focus: null, order: 'newest' }).kind).toBe('array');
  });
});

describe('JSON tree', () => {
  let host: HTMLElement;
  beforeEach(() => {
    host = document.createElement('div');
    document.body.appendChild(host);
  });
  afterEach(() => {
    render(null, host);
    host.remove();
  });
  const toggle = async (label: string) => {
    await act(async () => host.querySelector<HTMLButtonElement>(`button[aria-label="${label}"]`)!.click());
  };

  it('collapses and expands nodes, rendering children only when open', async () => {
    const value = { a: { b: { c: 1 } }, list: [1, 2, 3] };
    await act(async () => render(<JsonTree label="data" value={value} openDepth={1} />, host));
    expect(host.textContent).toContain('a: {1}');
    expect(host.textContent).not.toContain('b:');
    await toggle('expand a');
    expect(host.textContent).toContain('b: {1}');
    await toggle('expand b');
    expect(host.textContent).toContain('c: 1');
    await toggle('collapse a');
    expect(host.textContent).not.toContain('c: 1');
    expect(host.querySelector('[role="tree"]')).not.toBeNull();
  });

  it('shows tagged values as what they stand for', async () => {
    const value = {
      m: { $t: 'map', v: [['k', 1]] },
      s: { $t: 'set', v: [1, 2] },
      big: { $t: 'bigint', v: '123' },
      u: { $t: 'undef' },
      cut: { $t: 'str', v: 'abc', n: 5000 },
      f: { $t: 'fn', name: 'update' },
      when: { $t: 'date', v: '2024-01-01T00:00:00.000Z' },
      secret: { $t: 'redacted' },
      loop: { $t: 'cycle', path: '$.a' },
      err: { $t: 'error', name: 'TypeError', message: 'x is undefined' },
      mine: { $t: 'obj', v: { $t: 'user value' } },
    };
    await act(async () => render(<JsonTree label="data" value={value} openDepth={1} />, host));
    const t = host.textContent!;
    for (const s of ['Map(1)', 'Set(2)', 'big: 123n', 'u: undefined', '"abc"… (5000 chars)', 'ƒ update()', 'Date 2024-01-01', '[redacted]', '[cycle → $.a]', 'TypeError: x is undefined']) expect(t).toContain(s);
    await toggle('expand m');
    expect(host.textContent).toContain('"k": 1');
    await toggle('expand mine');
    expect(host.textContent).toContain('$t: "user value"');
  });

  it('shows big containers a chunk at a time', async () => {
    const value = { many: Array.from({ length: 250 }, (_, i) => i) };
    await act(async () => render(<JsonTree label="data" value={value} openDepth={1} />, host));
    // Too big to start open.
    expect(host.querySelectorAll('.j-leaf').length).toBe(0);
    await toggle('expand many');
    expect(host.querySelectorAll('.j-leaf').length).toBe(CHUNK);
    await act(async () => host.querySelector<HTMLButtonElement>('.j-more')!.click());
    expect(host.querySelectorAll('.j-leaf').length).toBe(2 * CHUNK);
    await act(async () => host.querySelector<HTMLButtonElement>('.j-more')!.click());
    expect(host.querySelectorAll('.j-leaf').length).toBe(250);
    expect(host.querySelector('.j-more')).toBeNull();
  });
});
