// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { LogTab } from '../../../src/overlay/panels/event-log';
import { STATE_CHANGES, statesAt } from '../../../src/overlay/panels/log-detail';
import { PAGE } from '../../../src/overlay/panels/log-pager';
import { OVERSCAN, ROW_H } from '../../../src/overlay/panels/log-scroll';
import { LOG_SETTINGS_KEY } from '../../../src/overlay/panels/log-settings';
import { createOverlayState, REFRESH_MS, type OverlayState } from '../../../src/overlay/state';
import { entryAt, FakeSource, SESSION } from './log-fake-source';

let host: HTMLElement;
let source: FakeSource;
let state: OverlayState;

/** Lets `ms` pass, then a few rounds of effects, queries and renders (each takes a frame). */
async function wait(ms = 0): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5);
    });
  }
}

async function mount(count: number, prepare?: (s: OverlayState) => void): Promise<void> {
  source = new FakeSource(count);
  state = createOverlayState(source, true, 'log');
  prepare?.(state);
  await act(async () => {
    render(<LogTab source={source} state={state} />, host);
  });
  await wait(10);
}

const list = () => host.querySelector<HTMLElement>('.log-list')!;
const rows = () => Array.from(host.querySelectorAll<HTMLElement>('.log-row'));
const seqs = () => rows().map((r) => r.querySelector('.seq')!.textContent);
const button = (text: string | RegExp) =>
  Array.from(host.querySelectorAll<HTMLButtonElement>('button')).find((b) => (typeof text === 'string' ? b.textContent?.trim() === text : text.test(b.textContent ?? '')))!;

async function scrollTo(top: number): Promise<void> {
  const el = list();
  el.scrollTop = top;
  await act(async () => {
    el.dispatchEvent(new Event('scroll'));
  });
  await wait(10);
}

async function click(el: Element): Promise<void> {
  await act(async () => {
    (el as HTMLElement).click();
  });
  await wait(10);
}

async function key(el: Element, k: string): Promise<void> {
  await act(async () => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  });
  await wait(10);
}

async function type(selector: string, value: string): Promise<void> {
  const input = host.querySelector<HTMLInputElement>(selector)!;
  await act(async () => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  localStorage.clear();
  host = document.createElement('div');
  document.body.appendChild(host);
});

afterEach(async () => {
  await act(async () => render(null, host));
  host.remove();
  vi.useRealTimers();
});

describe('event log: a million entries', () => {
  it('renders only a window of rows, with the scroll height standing for all of them', async () => {
    await mount(1_000_000);
    const r = rows();
    expect(r.length).toBeGreaterThan(10);
    expect(r.length).toBeLessThan(60);
    expect(seqs()[0]).toBe('#1000000');
    expect(seqs()[1]).toBe('#999999');
    const extent = host.querySelector<HTMLElement>('.log-extent')!;
    expect(parseFloat(extent.style.height)).toBeGreaterThan(1_000_000); // scaled, but the whole session
    expect(host.querySelector('.log-count')!.textContent).toBe('#1–#1,000,000');
    // Only the ends and the pages in view were asked for, by seq window.
    const pages = source.calls.filter((c) => c.fromSeq !== undefined);
    expect(pages.length).toBeLessThanOrEqual(3);
    expect(pages[0]).toMatchObject({ order: 'oldest', fromSeq: 999_901, toSeq: 1_000_000, limit: PAGE });
  });

  it('fetches the seq window of where the user scrolls to, a few pages at most', async () => {
    await mount(1_000_000);
    source.calls.length = 0;
    const extent = parseFloat(host.querySelector<HTMLElement>('.log-extent')!.style.height);
    await scrollTo(extent / 2);
    const windows = source.calls.filter((c) => c.fromSeq !== undefined);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.length).toBeLessThanOrEqual(3);
    const shown = seqs().map((s) => Number(s!.slice(1)));
    // Newest first: halfway down is about seq 500,000.
    expect(Math.abs(shown[10]! - 500_000)).toBeLessThan(1_000);
    for (const w of windows) {
      expect(w.toSeq! - w.fromSeq!).toBe(PAGE - 1);
      expect(shown.some((s) => s >= w.fromSeq! && s <= w.toSeq!)).toBe(true);
    }
    // Contiguous rows, each its own seq.
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBe(shown[i - 1]! - 1);
    // Scrolling away pauses following.
    expect(host.querySelector<HTMLButtonElement>('.log-newest')!).toBeTruthy();
  });

  it('shows seqs that are not stored as gaps', async () => {
    await mount(1000, () => {});
    source.missing.add(995);
    // The page was cached before: a new list (order toggle) reads it again.
    await click(button('newest first'));
    await click(button('oldest first'));
    const gap = rows().find((r) => r.querySelector('.seq')!.textContent === '#995')!;
    expect(gap.classList.contains('gap')).toBe(true);
    expect(gap.textContent).toContain('not stored');
  });
});

describe('event log: following', () => {
  it('follows the newest entries at most 4 times a second and pauses on scroll', async () => {
    await mount(5_000);
    expect(seqs()[0]).toBe('#5000');
    source.last = 5_100;
    await wait(REFRESH_MS);
    expect(seqs()[0]).toBe('#5100');

    // Queries per second while following: the ends and the newest page, no more.
    source.calls.length = 0;
    source.last = 5_200;
    await wait(1000);
    expect(source.calls.length).toBeLessThanOrEqual(4 * 3);

    await scrollTo(40 * ROW_H);
    expect(host.querySelector<HTMLButtonElement>('.log-newest')!).toBeTruthy();
    const top = seqs()[8];
    source.last = 5_300;
    await wait(2 * REFRESH_MS + 1000);
    // Paused: the view stays where it was, and says how many are newer.
    expect(seqs()[8]).toBe(top);
    expect(host.querySelector<HTMLButtonElement>('.log-newest')!.textContent).toContain('+100');

    await click(host.querySelector<HTMLButtonElement>('.log-newest')!);
    await wait(REFRESH_MS);
    expect(list().scrollTop).toBe(0);
    expect(seqs()[0]).toBe('#5300');
    expect(host.querySelector<HTMLButtonElement>('.log-pause')!).toBeTruthy();
  });

  it('shows newer entries in the row elements already there', async () => {
    await mount(5_000);
    const before = rows();
    source.last = 5_250; // pages the list has not fetched yet
    await wait(REFRESH_MS);
    expect(seqs()[0]).toBe('#5250');
    expect(seqs()[1]).toBe('#5249');
    // Every row in view shows a new entry, in the elements that were there.
    before.forEach((row, i) => expect(rows()[i]).toBe(row)); // the same nodes, not look-alikes
  });

  it('while following renders the rows in view only, and paused the overscan past them too', async () => {
    await mount(5_000);
    const following = rows().length;
    expect(following).toBeGreaterThan(0);
    expect(seqs()[0]).toBe('#5000');
    await click(host.querySelector<HTMLButtonElement>('.log-pause')!);
    expect(seqs()[0]).toBe('#5000');
    expect(rows().length).toBe(following + OVERSCAN);
    expect(seqs().at(-1)).toBe(`#${5000 - following - OVERSCAN + 1}`);
  });

  it('the pause button stops following; oldest first starts at the oldest when paused', async () => {
    await mount(5_000);
    await click(host.querySelector<HTMLButtonElement>('.log-pause')!);
    source.last = 5_050;
    await wait(REFRESH_MS * 2);
    expect(seqs()[0]).toBe('#5000');
    await click(button('newest first'));
    expect(button('oldest first')).toBeTruthy();
    expect(seqs()[0]).toBe('#1');
    expect(JSON.parse(localStorage.getItem(LOG_SETTINGS_KEY)!).order).toBe('oldest');
  });
});

describe('event log: filters', () => {
  it('puts the filters into the store query, debounces typing, and persists them', async () => {
    await mount(10_000);
    await click(host.querySelector('.lf-chip.k-agent')!);
    let q = source.calls.at(-1)!;
    expect(q).toMatchObject({ kinds: ['agent'], order: 'newest', limit: PAGE });
    expect(q.fromSeq).toBeUndefined();
    expect(seqs()[0]).toBe('#10000');
    expect(seqs()[1]).toBe('#9990');

    await act(async () => {
      const select = host.querySelector<HTMLSelectElement>('.lf-level select')!;
      select.value = 'error';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await wait(10);
    q = source.calls.at(-1)!;
    expect(q.levels).toEqual(['error', 'critical']);

    source.calls.length = 0;
    await type('.lf-type', 'npc');
    await type('.lf-type', 'npc.*');
    await wait(100);
    expect(source.calls.filter((c) => c.types).length).toBe(0);
    await wait(200);
    q = source.calls.find((c) => c.types)!;
    expect(q.types).toEqual(['npc.*']);

    await type('.lf-text', 'needle');
    await type('.lf-source', 'npc1, npc2');
    await wait(250);
    q = source.calls.at(-1)!;
    expect(q).toMatchObject({ kinds: ['agent'], levels: ['error', 'critical'], types: ['npc.*'], sources: ['npc1', 'npc2'], text: 'needle' });

    const saved = JSON.parse(localStorage.getItem(LOG_SETTINGS_KEY)!);
    expect(saved.filters).toEqual({ kinds: ['agent'], minLevel: 'error', types: 'npc.*', sources: 'npc1, npc2', text: 'needle' });

    // A reload starts with the same filters.
    await act(async () => render(null, host));
    source.calls.length = 0;
    await act(async () => render(<LogTab source={source} state={state} />, host));
    await wait(10);
    expect(source.calls[0]).toMatchObject({ text: 'needle', kinds: ['agent'] });
    expect(host.querySelector<HTMLInputElement>('.lf-text')!.value).toBe('needle');
  });

  it('grows the list page by page as the user scrolls ("n+ matches")', async () => {
    await mount(100_000);
    await click(host.querySelector('.lf-chip.k-agent')!);
    await click(host.querySelector<HTMLButtonElement>('.log-pause')!);
    expect(host.querySelector('.log-count')!.textContent).toBe(`${PAGE}+ matches`);
    source.calls.length = 0;
    await scrollTo(PAGE * ROW_H - 100);
    const q = source.calls.find((c) => c.after !== undefined)!;
    expect(q).toMatchObject({ kinds: ['agent'], order: 'newest', after: 100_000 - (PAGE - 1) * 10 });
    expect(host.querySelector('.log-count')!.textContent).toBe(`${2 * PAGE}+ matches`);
    const shown = seqs().filter((s) => s !== '…');
    expect(shown).toContain(`#${100_000 - PAGE * 10}`);
  });

  it('says when nothing matches, and reports a failing query', async () => {
    await mount(1_000);
    await type('.lf-text', 'no such thing');
    await wait(250);
    expect(host.querySelector('.log-count')!.textContent).toBe('0 matches');
    expect(host.textContent).toContain('No entries match.');
    source.fail = 'store is gone';
    await type('.lf-text', 'other');
    await wait(250);
    expect(host.querySelector('.log-problem')!.textContent).toBe('store is gone');
  });

  it('ignores unreadable or forbidden storage', async () => {
    localStorage.setItem(LOG_SETTINGS_KEY, '{not json');
    await mount(100);
    expect(seqs()[0]).toBe('#100');
    const spy = vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('SecurityError');
    });
    await click(host.querySelector('.lf-chip.k-agent')!);
    expect(seqs()[0]).toBe('#100');
    spy.mockRestore();
  });
});

describe('event log: detail', () => {
  it('opens an entry with its span parent and children, and moves between them', async () => {
    await mount(1_000);
    await click(host.querySelector<HTMLButtonElement>('.log-pause')!);
    const row = rows().find((r) => r.querySelector('.seq')!.textContent === '#990')!;
    await click(row);
    const detail = host.querySelector('.log-detail')!;
    expect(detail.textContent).toContain('agent:call');
    expect(detail.querySelector('.ld-fields')!.textContent).toContain('parent1000');
    const parentQuery = source.calls.find((c) => c.spanIds)!;
    expect(parentQuery).toMatchObject({ spanIds: [1000], limit: 1 });
    expect(detail.querySelector('.ld-parent')!.textContent).toContain('#1000');

    await click(detail.querySelector('.ld-parent .ld-link')!);
    const children = source.calls.filter((c) => c.parentIds).at(-1)!;
    expect(children).toMatchObject({ parentIds: [1000], order: 'oldest', limit: 50 });
    const kids = Array.from(host.querySelectorAll('.ld-children .ld-link')).map((b) => b.querySelector('.ld-seq')!.textContent);
    expect(kids).toEqual(['#910', '#920', '#930', '#940', '#950', '#960', '#970', '#980', '#990']);
    expect(host.querySelector('.log-detail')!.textContent).toContain('failed at 1000');
    expect(host.querySelector('.log-row.selected .seq')!.textContent).toBe('#1000');
  });

  it('is usable from the keyboard (arrows select, the list has an active descendant)', async () => {
    await mount(1_000);
    const el = list();
    await key(el, 'ArrowDown');
    expect(host.querySelector('.log-detail .ld-seq')!.textContent).toBe('#1000');
    await key(el, 'ArrowDown');
    expect(host.querySelector('.log-detail .ld-seq')!.textContent).toBe('#999');
    const active = el.getAttribute('aria-activedescendant')!;
    expect(host.querySelector(`#${active}`)!.querySelector('.seq')!.textContent).toBe('#999');
    expect(host.querySelector<HTMLButtonElement>('.log-newest')!).toBeTruthy(); // keys pause following
    // The last row is not loaded yet when End is pressed: it opens once it arrives.
    await key(el, 'End');
    expect(host.querySelector('.log-detail .ld-seq')!.textContent).toBe('#1');
    await key(el, 'ArrowUp');
    await key(el, 'Enter');
    expect(host.querySelector('.log-detail .ld-seq')!.textContent).toBe('#2');
    await click(host.querySelector('.ld-close')!);
    expect(host.querySelector('.log-detail')).toBeNull();
  });

  it('renders trace values as text, never markup', async () => {
    await mount(10);
    const evil: TraceEntry = { ...entryAt(9), type: '<img src=x onerror=alert(1)>', data: { html: '<b>bold</b>' } };
    source.extra.set(9, evil);
    await click(button('newest first'));
    await click(button('oldest first'));
    const row = rows().find((r) => r.querySelector('.seq')!.textContent === '#9')!;
    expect(row.querySelector('img')).toBeNull();
    expect(row.textContent).toContain('<img src=x onerror=alert(1)>');
    await click(row);
    expect(host.querySelector('.log-detail b')).toBeNull();
    expect(host.querySelector('.log-detail')!.textContent).toContain('"<b>bold</b>"');
  });

  it('shows the state at that moment, not exact when values were cut', async () => {
    await mount(1_000);
    const base = { kind: 'state' as const, level: 'info' as const, sessionId: SESSION, frame: 0, ts: 0, source: 'game' };
    source.extra.set(5, { ...base, seq: 5, type: 'state:checkpoint', data: { label: 'start', changes: 0, state: { hp: 10, inv: [] } } });
    source.extra.set(6, { ...base, seq: 6, type: 'state:change', data: { changes: [{ op: 'set', path: ['hp'], next: 7 }] } });
    source.extra.set(7, { ...base, seq: 7, type: 'state:change', flags: 1, data: { changes: [{ op: 'set', path: ['inv', 0], next: 'sword' }] } });
    source.extra.set(8, { ...base, seq: 8, type: 'state:change', data: { changes: [{ op: 'set', path: ['hp'], next: 1 }] } });
    await click(host.querySelector<HTMLButtonElement>('.log-pause')!);
    await click(button('newest first'));
    const row = rows().find((r) => r.querySelector('.seq')!.textContent === '#7')!;
    await click(row);
    await click(button(/state at this moment/));
    const q = source.calls.filter((c) => c.kinds?.includes('state'));
    expect(q[0]).toMatchObject({ types: ['state:checkpoint', 'state:replace'], toSeq: 7, order: 'newest' });
    expect(q[1]).toMatchObject({ sources: ['game'], fromSeq: 5, toSeq: 7, order: 'oldest' });
    const st = host.querySelector('.ld-state')!;
    expect(st.textContent).toContain('checkpoint #5 + 2 changes');
    expect(st.textContent).toContain('not exact');
    expect(st.textContent).toContain('hp: 7');
    expect(st.textContent).not.toContain('"sword"');
    await click(st.querySelector('button[aria-label="expand inv"]')!);
    expect(st.textContent).toContain('0: "sword"');
  });

  it('rebuilds the state from a state:replace (the new root, whole) when it is newer than the last checkpoint', async () => {
    // A checkpoint, then more changes than one replay reads, then the game replaces its whole state.
    const changes = STATE_CHANGES + 1_000;
    const replaceSeq = 2 + changes;
    const fake = new FakeSource(replaceSeq + 2);
    const base = { kind: 'state' as const, level: 'info' as const, sessionId: SESSION, frame: 0, ts: 0, source: 'game' };
    fake.extra.set(1, { ...base, seq: 1, type: 'state:checkpoint', data: { label: 'start', changes: 0, state: { hp: 10 } } });
    for (let seq = 2; seq < replaceSeq; seq++) fake.extra.set(seq, { ...base, seq, type: 'state:change', data: { changes: [{ op: 'set', path: ['hp'], next: seq }] } });
    fake.extra.set(replaceSeq, {
      ...base,
      seq: replaceSeq,
      type: 'state:replace',
      data: { replacements: 1, changes, tracked: true, state: { hp: 100, loaded: 'save-3' } },
    });
    fake.extra.set(replaceSeq + 1, { ...base, seq: replaceSeq + 1, type: 'state:change', data: { changes: [{ op: 'set', path: ['hp'], next: 99 }] } });
    fake.extra.set(replaceSeq + 2, { seq: replaceSeq + 2, sessionId: SESSION, frame: 0, ts: 0, kind: 'player', type: 'player.move', level: 'info', data: {} });

    const views = await statesAt((q) => fake.query(q), fake.entry(replaceSeq + 2)!);
    // Started from the checkpoint instead, the replay would be cut (STATE_CHANGES read) long before the replacement.
    expect(views).toEqual([{ source: 'game', state: { hp: 99, loaded: 'save-3' }, checkpointSeq: replaceSeq, applied: 1, exact: true, cut: false }]);
  });

  it('copies the entry as JSON with the clipboard, or a selected textarea', async () => {
    await mount(100);
    await click(rows()[0]!);
    const writeText = vi.fn(async (_: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await click(button('copy JSON'));
    expect(JSON.parse(writeText.mock.calls[0]![0])).toEqual(entryAt(100));
    expect(host.querySelector('.ld-copy-status')!.textContent).toBe('copied');

    writeText.mockRejectedValueOnce(new Error('denied'));
    await click(button('copy JSON'));
    const area = host.querySelector<HTMLTextAreaElement>('.ld-copy-text')!;
    expect(JSON.parse(area.value).seq).toBe(100);
    expect(host.querySelector('.ld-copy-status')!.classList.contains('bad') || host.querySelector('.ld-copy-status')!.textContent === 'copied').toBe(true);

    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    await click(rows()[1]!);
    await click(button('copy JSON'));
    expect(host.querySelector<HTMLTextAreaElement>('.ld-copy-text')!.value).toContain('"seq": 99');
    expect(host.querySelector('.ld-copy-status')).not.toBeNull();
  });
});

describe('event log: focus and files', () => {
  it('shows a seq range set by another tab, with a chip that clears it', async () => {
    await mount(100_000, (s) => (s.focus.value = { seqFrom: 5_000, seqTo: 5_040, label: 'spike' }));
    expect(host.querySelector('.log-focus')!.textContent).toContain('showing #5000–#5040 (spike)');
    expect(seqs()[0]).toBe('#5040');
    expect(rows().length).toBeLessThanOrEqual(41);
    expect(host.querySelector('.log-count')!.textContent).toBe('#5,000–#5,040');
    expect(source.calls.some((c) => c.fromSeq === 5_000 && c.toSeq === 5_040 && c.limit === 1)).toBe(true);
    await click(host.querySelector('.log-focus-clear')!);
    expect(state.focus.value).toBeNull();
    await wait(REFRESH_MS);
    expect(seqs()[0]).toBe('#100000');

    // With filters, the range goes into the store's query.
    await click(host.querySelector('.lf-chip.k-agent')!);
    await act(async () => {
      state.focus.value = { seqFrom: 500, seqTo: 900, label: 'errors' };
    });
    await wait(10);
    expect(source.calls.at(-1)).toMatchObject({ kinds: ['agent'], fromSeq: 500, toSeq: 900 });
    expect(seqs()[0]).toBe('#900');
  });

  it('shows a trace file, filtered in memory, with a banner back to live', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entryAt(i + 1, 'file-session'));
    await mount(1_000, (s) => (s.file.value = { name: 'crash.json', trace: { entries } as never }));
    expect(host.querySelector('.log-banner')!.textContent).toContain('viewing crash.json');
    expect(seqs()[0]).toBe('#300');
    expect(host.querySelector('.log-count')!.textContent).toBe('300 entries');
    source.calls.length = 0;
    await click(host.querySelector('.lf-chip.k-agent')!);
    expect(source.calls.length).toBe(0);
    expect(host.querySelector('.log-count')!.textContent).toBe('30 of 300 entries');
    expect(seqs().slice(0, 3)).toEqual(['#300', '#290', '#280']);
    // The detail's span links come from the file.
    await click(rows()[1]!);
    expect(host.querySelector('.ld-parent')!.textContent).toContain('#300');
    expect(source.calls.length).toBe(0);

    await click(button('back to live'));
    expect(state.file.value).toBeNull();
    await wait(REFRESH_MS);
    expect(seqs()[0]).toBe('#1000');
  });
});
