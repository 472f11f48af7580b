// @vitest-environment happy-dom
import { options, type VNode } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineStats } from '../../../src/analytics/engine';
import type { TraceEntry } from '../../../src/core/entry';
import { AgentsTab, layoutWaterfall, nextSort, sameSpans, sortMethods } from '../../../src/overlay/panels/agents';
import { orderRows, RESORT_MS, rowView, sameRowView } from '../../../src/overlay/panels/method-rows';
import { click, fakeSource, method, mount, settle, span, stats, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
  vi.useRealTimers();
});

const METHODS = [
  method('npc', 'decide', { calls: 500, errors: 5, errorRate: 0.01, p50: 1, p95: 4, p99: 9, lastTs: 88_000 }),
  method('pathfinder', 'route', { calls: 40, errors: 0, errorRate: 0, p50: 12, p95: 35, p99: 80, lastTs: 89_500 }),
  method('llm', 'ask', { calls: 3, errors: 1, errorRate: 0.333, p50: 900, p95: 1500, p99: 1800, lastTs: 70_000 }),
];

/** The flame chart's canvas, and a key pressed on it. */
const canvasOf = (root: HTMLElement) => root.querySelector('canvas.fc-canvas') as HTMLCanvasElement;
async function press(el: HTMLElement, key: string): Promise<void> {
  await act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}
const detail = (root: HTMLElement) => root.querySelector('.wf-detail')!.textContent!;

/** Resolves once the tab has queried its spans again (it polls 4 times a second). */
async function nextQuery(calls: { query?: unknown[][] }): Promise<void> {
  const n = calls.query?.length ?? 0;
  while ((calls.query?.length ?? 0) === n) await new Promise((r) => setTimeout(r, 20));
  await settle();
}

/** A source whose stats answer `current()` at each poll (new objects each time, as from the worker); `next()` resolves once the tab has asked again. */
function changingStats(current: () => EngineStats) {
  const fake = fakeSource({ stats: current() });
  let asked = 0;
  fake.source.stats = async () => {
    asked++;
    const s = current();
    return { ...s, methods: s.methods.map((x) => ({ ...x })) };
  };
  const next = async () => {
    const n = asked;
    await vi.waitFor(() => expect(asked, 'the tab polled its stats again').toBeGreaterThan(n), { timeout: 10_000, interval: 20 });
    await settle();
  };
  return { fake, next };
}

/** Counts the renders of the table's rows (Preact's render hook runs after a memo's check, only for a render). */
function countRowRenders(): { count: () => number; stop: () => void } {
  const hooks = options as unknown as { __r?: (v: VNode) => void };
  const before = hooks.__r;
  let n = 0;
  hooks.__r = (v) => {
    if ((v.type as { displayName?: string }).displayName === 'Memo(MethodRow)') n++;
    before?.(v);
  };
  return { count: () => n, stop: () => void (hooks.__r = before) };
}

const names = (root: HTMLElement) => [...root.querySelectorAll('table.methods tbody th')].map((th) => th.textContent);

describe('the agents tab', () => {
  it('shows one row per method with calls, errors, rate, percentiles and last call', async () => {
    const fake = fakeSource({ stats: stats(METHODS) });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    expect(names(m.root)).toEqual(['npc.decide', 'pathfinder.route', 'llm.ask']);
    const cells = [...m.root.querySelectorAll('table.methods tbody tr')[2]!.querySelectorAll('td')].map((td) => td.textContent);
    expect(cells).toEqual(['3', '1', '33%', '900.0ms', '1.50s', '1.80s', '70.000s']);
    const headers = [...m.root.querySelectorAll('table.methods thead th')];
    expect(headers.every((th) => th.querySelector('button'))).toBe(true);
    expect(headers[1]!.getAttribute('aria-sort')).toBe('descending');
  });

  it('sorts by the column clicked, and the other way on a second click', async () => {
    const fake = fakeSource({ stats: stats(METHODS) });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    const header = (label: string) => [...m!.root.querySelectorAll('table.methods thead th')].find((th) => th.textContent?.startsWith(label))!;
    await click(header('p95').querySelector('button'));
    expect(names(m.root)).toEqual(['llm.ask', 'pathfinder.route', 'npc.decide']);
    expect(header('p95').getAttribute('aria-sort')).toBe('descending');
    expect(header('calls').getAttribute('aria-sort')).toBe('none');
    await click(header('p95').querySelector('button'));
    expect(names(m.root)).toEqual(['npc.decide', 'pathfinder.route', 'llm.ask']);
    expect(header('p95').getAttribute('aria-sort')).toBe('ascending');
    await click(header('method').querySelector('button'));
    expect(names(m.root)).toEqual(['llm.ask', 'npc.decide', 'pathfinder.route']);
    await click(header('last').querySelector('button'));
    expect(names(m.root)).toEqual(['pathfinder.route', 'npc.decide', 'llm.ask']);
  });

  it('renders again only the rows whose figures changed', async () => {
    let methods = METHODS;
    const { fake, next } = changingStats(() => stats(methods));
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    await next();
    const renders = countRowRenders();
    try {
      methods = [METHODS[0]!, { ...METHODS[1]!, p95: 36 }, METHODS[2]!]; // one figure changed
      await next();
      await next();
      expect(renders.count()).toBe(1);
      const cells = [...m.root.querySelectorAll('table.methods tbody tr')[1]!.querySelectorAll('td')].map((td) => td.textContent);
      expect(cells[4]).toBe('36.0ms');
    } finally {
      renders.stop();
    }
  });

  it('keeps the rows in place while figures pass each other, and sorts them again after a while or on a click', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    let methods = METHODS;
    const { fake, next } = changingStats(() => stats(methods));
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    await next();
    expect(names(m.root)).toEqual(['npc.decide', 'pathfinder.route', 'llm.ask']);
    const rowsBefore = [...m.root.querySelectorAll('table.methods tbody tr')];
    methods = [{ ...METHODS[0]! }, { ...METHODS[1]!, calls: 900 }, { ...METHODS[2]! }];
    await next();
    // Same order, same elements; the new figure shown.
    expect(names(m.root)).toEqual(['npc.decide', 'pathfinder.route', 'llm.ask']);
    expect([...m.root.querySelectorAll('table.methods tbody tr')]).toEqual(rowsBefore);
    expect(m.root.querySelectorAll('table.methods tbody tr')[1]!.querySelectorAll('td')[0]!.textContent).toBe('900');
    vi.setSystemTime(1_000_000 + RESORT_MS);
    await next();
    expect(names(m.root)).toEqual(['pathfinder.route', 'npc.decide', 'llm.ask']);
    // A click sorts at once.
    methods = [{ ...METHODS[0]!, calls: 2_000 }, { ...METHODS[1]!, calls: 900 }, { ...METHODS[2]! }];
    await next();
    expect(names(m.root)).toEqual(['pathfinder.route', 'npc.decide', 'llm.ask']);
    const calls = [...m.root.querySelectorAll('table.methods thead th')].find((th) => th.textContent?.startsWith('calls'))!;
    await click(calls.querySelector('button'));
    expect(names(m.root)).toEqual(['llm.ask', 'pathfinder.route', 'npc.decide']);
  });

  it('draws the newest spans on one focusable canvas; keys select spans and levels, Enter opens the log on the span', async () => {
    // A root call (seq 10, 40 ms) with two children logged before it ends, and a short unrelated call.
    const entries = [
      span(11, { ts: 1200, dur: 2, spanId: 4, type: 'npc.tick', method: 'tick' }),
      span(10, { ts: 1100, dur: 40, spanId: 1, type: 'llm.ask', source: 'llm', method: 'ask', status: 'error', error: { name: 'Error', message: 'timeout' } }),
      span(9, { ts: 1090, dur: 5, spanId: 3, parentId: 1, type: 'pathfinder.route', source: 'pathfinder', method: 'route' }),
      span(8, { ts: 1080, dur: 10, spanId: 2, parentId: 1, type: 'npc.decide' }),
    ];
    const fake = fakeSource({ stats: stats(METHODS), query: () => entries });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    expect(fake.calls.query![0]![0]).toMatchObject({ kinds: ['agent'], order: 'newest', limit: 200 });
    // One canvas, no element per span.
    expect(m.root.querySelectorAll('canvas')).toHaveLength(1);
    expect(m.root.querySelectorAll('.wf-bar, .wf-row')).toHaveLength(0);
    const canvas = canvasOf(m.root);
    expect(canvas.tabIndex).toBe(0);
    expect(canvas.getAttribute('aria-label')).toContain('Arrow keys');
    expect(m.root.querySelector('.wf-detail')!.getAttribute('aria-live')).toBe('polite');

    // Focus selects the first span of the top level, the root call; its line is announced.
    await act(() => {
      canvas.dispatchEvent(new FocusEvent('focus'));
    });
    expect(detail(m.root)).toContain('llm.ask');
    expect(detail(m.root)).toContain('40.0ms');
    expect(detail(m.root)).toContain('timeout');
    await press(canvas, 'ArrowRight');
    expect(detail(m.root)).toContain('npc.tick');
    await press(canvas, 'ArrowLeft');
    await press(canvas, 'ArrowDown');
    expect(detail(m.root)).toContain('npc.decide');
    expect(detail(m.root)).toContain('level 2');
    await press(canvas, 'ArrowRight');
    expect(detail(m.root)).toContain('pathfinder.route');
    await press(canvas, 'ArrowUp');
    expect(detail(m.root)).toContain('llm.ask');

    await press(canvas, 'Enter');
    expect(m.state.tab.value).toBe('log');
    expect(m.state.focus.value).toEqual({ seqFrom: 8, seqTo: 10, label: 'llm.ask #10' });
  });

  it('draws nothing anew when a refresh finds the same spans', async () => {
    const fake = fakeSource({ stats: stats(METHODS), query: () => [span(3), span(2), span(1)] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    await new Promise((r) => setTimeout(r, 50)); // the first draw
    const changes: MutationRecord[] = [];
    const watch = new MutationObserver((r) => changes.push(...r));
    watch.observe(m.root.querySelector('.agents')!, { subtree: true, childList: true, attributes: true, characterData: true });
    await nextQuery(fake.calls);
    await nextQuery(fake.calls);
    changes.push(...watch.takeRecords());
    watch.disconnect();
    expect(changes).toEqual([]);
  });

  it('keeps its canvas and the selection when new spans come', async () => {
    let entries: TraceEntry[] = [span(3, { ts: 1030, dur: 2 }), span(2, { ts: 1020, dur: 2 }), span(1, { ts: 1010, dur: 2 })];
    const fake = fakeSource({ stats: stats(METHODS), query: () => entries });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    const canvas = canvasOf(m.root);
    await act(() => {
      canvas.dispatchEvent(new FocusEvent('focus'));
    });
    await press(canvas, 'ArrowRight');
    expect(detail(m.root)).toContain('#2');
    entries = [span(9, { ts: 1090, dur: 2 }), ...entries];
    await nextQuery(fake.calls);
    expect(canvasOf(m.root)).toBe(canvas); // the same element, not a look-alike
    expect(detail(m.root)).toContain('#2');
    await press(canvas, 'End');
    expect(detail(m.root)).toContain('#9');
  });

  it('holds the waterfall still when asked', async () => {
    const fake = fakeSource({ stats: stats(METHODS), query: () => [span(1)] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    const hold = m.root.querySelector('button.freeze')!;
    await click(hold);
    expect(hold.getAttribute('aria-pressed')).toBe('true');
    const n = fake.calls.query!.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.calls.query!.length).toBe(n);
  });

  it('says when analytics are off, and still draws the spans from the store', async () => {
    const fake = fakeSource({ stats: new Error('analytics are off'), query: () => [span(1)] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    expect(m.root.querySelector('.analytics-off')!.textContent).toContain('analytics are off');
    expect(m.root.querySelectorAll('canvas.fc-canvas')).toHaveLength(1);
  });

  it('renders what the trace says as text, never as markup', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const fake = fakeSource({ stats: stats([method(evil, evil)]), query: () => [span(1, { type: evil, source: evil, method: evil })] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    // The tooltip of a span hovered (happy-dom: the canvas at 0,0, 400 px wide).
    const canvas = canvasOf(m.root);
    await new Promise((r) => setTimeout(r, 50)); // the first draw sizes it
    await act(() => {
      canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: 200, clientY: 20, bubbles: true }));
    });
    const tip = m.root.querySelector('.fc-tip') as HTMLElement;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain(evil);
    expect(m.root.querySelector('img')).toBeNull();
    expect(m.text()).toContain(evil);
  });
});

describe('agents helpers', () => {
  it('sorts with nulls last and flips on the same column', () => {
    const rows = [method('a', 'x', { p95: null, calls: 0 }), method('b', 'y', { p95: 2 }), method('c', 'z', { p95: 1 })];
    expect(sortMethods(rows, { key: 'p95', desc: true }).map((r) => r.agent)).toEqual(['b', 'c', 'a']);
    expect(sortMethods(rows, { key: 'p95', desc: false }).map((r) => r.agent)).toEqual(['c', 'b', 'a']);
    expect(nextSort({ key: 'p95', desc: true }, 'p95')).toEqual({ key: 'p95', desc: false });
    expect(nextSort({ key: 'p95', desc: true }, 'name')).toEqual({ key: 'name', desc: false });
    expect(nextSort({ key: 'name', desc: false }, 'calls')).toEqual({ key: 'calls', desc: true });
  });

  it('lays out spans whose parent is not in view as roots, and survives a parent cycle', () => {
    const w = layoutWaterfall([span(2, { spanId: 2, parentId: 99 }), span(3, { spanId: 3, parentId: 4 }), span(4, { spanId: 4, parentId: 3 })]);
    expect(w.rows).toHaveLength(3);
    expect(w.rows.find((r) => r.e.seq === 2)!.depth).toBe(0);
    expect(w.to).toBeGreaterThan(w.from);
  });

  it('keeps the order until RESORT_MS passed, the sort changed or the methods did', () => {
    const sort = { key: 'calls' as const, desc: true };
    const first = orderRows(null, METHODS, sort, 10_000);
    expect(first.rows.map((r) => r.method)).toEqual(['decide', 'route', 'ask']);
    const passed = [METHODS[0]!, { ...METHODS[1]!, calls: 900 }, METHODS[2]!];
    const kept = orderRows(first.order, passed, sort, 10_000 + RESORT_MS - 1);
    expect(kept.rows.map((r) => r.method)).toEqual(['decide', 'route', 'ask']);
    expect(kept.rows[1]!.calls).toBe(900);
    expect(kept.order).toBe(first.order);
    expect(orderRows(first.order, passed, sort, 10_000 + RESORT_MS).rows.map((r) => r.method)).toEqual(['route', 'decide', 'ask']);
    expect(orderRows(first.order, passed, { key: 'calls', desc: true }, 10_001).rows.map((r) => r.method)).toEqual(['route', 'decide', 'ask']);
    // The sort itself changed (the user's click): sorted anew by it at once.
    expect(orderRows(first.order, passed, { key: 'calls', desc: false }, 10_001).rows.map((r) => r.method)).toEqual(['ask', 'decide', 'route']);
    const another = [...passed, method('npc', 'walk', { calls: 1 })];
    expect(orderRows(first.order, another, sort, 10_001).rows.map((r) => r.method)).toEqual(['route', 'decide', 'ask', 'walk']);
    const renamed = [METHODS[0]!, METHODS[1]!, method('llm', 'chat', { calls: 3 })];
    expect(orderRows(first.order, renamed, sort, 10_001).rows.map((r) => r.method)).toEqual(['decide', 'route', 'chat']);
    // A clock that went back: sorted anew.
    expect(orderRows(first.order, passed, sort, 9_000).rows.map((r) => r.method)).toEqual(['route', 'decide', 'ask']);
  });

  it('formats a row once into text and flags, equal when what it shows is', () => {
    const v = rowView(METHODS[2]!);
    expect(v).toMatchObject({ name: 'llm.ask', calls: '3', errors: '1', errorRate: '33%', p50: '900.0ms', p95: '1.50s', p99: '1.80s', last: '70.000s', hasErrors: true, rateBad: true, p95Slow: true, p99Slow: true });
    expect(sameRowView(v, rowView({ ...METHODS[2]! }))).toBe(true);
    expect(sameRowView(v, rowView({ ...METHODS[2]!, lastTs: 70_001 }))).toBe(false);
    expect(sameRowView(v, rowView({ ...METHODS[2]!, p50: 900.01 }))).toBe(true); // shows the same text
    expect(rowView(method('a', 'b', { calls: 0, p50: null, p95: null, p99: null }))).toMatchObject({ errorRate: '–', p50: '–', p95Slow: false });
  });

  it('tells a refreshed span list from a new one', () => {
    const a = [span(3), span(2), span(1)];
    expect(sameSpans(null, a)).toBe(false);
    expect(sameSpans(a, [span(3), span(2), span(1)])).toBe(true);
    expect(sameSpans(a, [span(4), span(3), span(2)])).toBe(false);
    expect(sameSpans(a, [span(3), span(2)])).toBe(false);
    expect(sameSpans([], [])).toBe(true);
    expect(sameSpans(a, [span(3, { sessionId: 's2' }), span(2), span(1)])).toBe(false);
  });
});
