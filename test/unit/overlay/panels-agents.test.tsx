// @vitest-environment happy-dom
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { AgentsTab, axisStyle, barStyle, layoutWaterfall, nextSort, sameSpans, sortMethods } from '../../../src/overlay/panels/agents';
import { click, fakeSource, method, mount, settle, span, stats, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

const METHODS = [
  method('npc', 'decide', { calls: 500, errors: 5, errorRate: 0.01, p50: 1, p95: 4, p99: 9, lastTs: 88_000 }),
  method('pathfinder', 'route', { calls: 40, errors: 0, errorRate: 0, p50: 12, p95: 35, p99: 80, lastTs: 89_500 }),
  method('llm', 'ask', { calls: 3, errors: 1, errorRate: 0.333, p50: 900, p95: 1500, p99: 1800, lastTs: 70_000 }),
];

/**
 * What a bar's `--x` or `--w` comes to, in % of the track: its CSS expression
 * (calc, min, max, var) worked out with the axis the waterfall sets, as a
 * browser would (happy-dom keeps the expression as text).
 */
function cssPercent(expr: string, vars: Record<string, string>): number {
  let s = expr;
  for (let i = 0; i < 4 && s.includes('var('); i++) s = s.replace(/var\((--[\w-]+)\)/g, (_, name: string) => `(${vars[name]})`);
  s = s.replace(/%/g, '').replace(/calc\(/g, '(').replace(/min\(/g, 'Math.min(').replace(/max\(/g, 'Math.max(');
  return Function(`return ${s}`)() as number;
}

function barPercent(bar: HTMLElement, prop: '--x' | '--w'): number {
  const wf = bar.closest('.wf') as HTMLElement;
  const vars = { '--wf-from': wf.style.getPropertyValue('--wf-from'), '--wf-span': wf.style.getPropertyValue('--wf-span'), '--x': bar.style.getPropertyValue('--x') };
  return cssPercent(bar.style.getPropertyValue(prop), vars);
}

/** Resolves once the tab has queried its spans again (it polls 4 times a second). */
async function nextQuery(calls: { query?: unknown[][] }): Promise<void> {
  const n = calls.query?.length ?? 0;
  while ((calls.query?.length ?? 0) === n) await new Promise((r) => setTimeout(r, 20));
  await settle();
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

  it('draws the newest spans as nested bars; hover tells the span, click focuses the log on its entries', async () => {
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
    const rows = [...m.root.querySelectorAll('.wf-row')];
    expect(rows.map((r) => r.querySelector('.wf-name')!.textContent)).toEqual(['llm.ask', 'npc.decide', 'pathfinder.route', 'npc.tick']);
    const depth = rows.map((r) => (r.querySelector('.wf-name') as HTMLElement).style.getPropertyValue('--depth'));
    expect(depth).toEqual(['0', '1', '1', '0']);
    const bars = rows.map((r) => r.querySelector('button.wf-bar') as HTMLButtonElement);
    // The axis runs 1060..1200 ms: the 40 ms call is visibly long, the 2 ms one short.
    expect(barPercent(bars[0]!, '--w')).toBeCloseTo((40 / 140) * 100, 1);
    expect(barPercent(bars[3]!, '--w')).toBeLessThan(2);
    expect(barPercent(bars[0]!, '--x')).toBe(0);
    expect(barPercent(bars[1]!, '--x')).toBeCloseTo((10 / 140) * 100, 1);
    expect(bars[0]!.className).toContain('err');
    expect(bars[0]!.className).toContain('slow');

    await act(() => {
      bars[0]!.dispatchEvent(new FocusEvent('focus'));
    });
    const detail = m.root.querySelector('.wf-detail')!.textContent!;
    expect(detail).toContain('llm.ask');
    expect(detail).toContain('40.0ms');
    expect(detail).toContain('error');
    expect(detail).toContain('timeout');

    await click(bars[0]);
    expect(m.state.tab.value).toBe('log');
    expect(m.state.focus.value).toEqual({ seqFrom: 8, seqTo: 10, label: 'llm.ask #10' });
  });

  it('draws nothing anew when a refresh finds the same spans', async () => {
    const fake = fakeSource({ stats: stats(METHODS), query: () => [span(3), span(2), span(1)] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    const changes: MutationRecord[] = [];
    const watch = new MutationObserver((r) => changes.push(...r));
    watch.observe(m.root.querySelector('.agents')!, { subtree: true, childList: true, attributes: true, characterData: true });
    await nextQuery(fake.calls);
    await nextQuery(fake.calls);
    changes.push(...watch.takeRecords());
    watch.disconnect();
    expect(changes).toEqual([]);
    expect(m.root.querySelectorAll('.wf-bar')).toHaveLength(3);
  });

  it('adds the row of a new span without touching the others, though the axis moves', async () => {
    let entries: TraceEntry[] = [span(3, { dur: 2 }), span(2, { dur: 2 }), span(1, { dur: 2 })];
    const fake = fakeSource({ stats: stats(METHODS), query: () => entries });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
    const before = [...m.root.querySelectorAll<HTMLElement>('.wf-bar')];
    const x2 = barPercent(before[1]!, '--x');
    const wf = m.root.querySelector('.wf') as HTMLElement;
    const span0 = wf.style.getPropertyValue('--wf-span');
    const changes: MutationRecord[] = [];
    const watch = new MutationObserver((r) => changes.push(...r));
    for (const bar of before) watch.observe(bar.closest('.wf-row')!, { subtree: true, attributes: true, characterData: true });
    entries = [span(9, { dur: 2 }), ...entries];
    await nextQuery(fake.calls);
    changes.push(...watch.takeRecords());
    watch.disconnect();
    const after = [...m.root.querySelectorAll<HTMLElement>('.wf-bar')];
    expect(after).toHaveLength(4);
    before.forEach((bar, i) => expect(after[i]).toBe(bar)); // the same elements, not look-alikes
    expect(changes).toEqual([]);
    expect(wf.style.getPropertyValue('--wf-span')).not.toBe(span0);
    // Where a bar sits follows the axis all the same.
    expect(barPercent(after[1]!, '--x')).toBeLessThan(x2);
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
    expect(m.root.querySelectorAll('.wf-bar')).toHaveLength(1);
  });

  it('renders what the trace says as text, never as markup', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const fake = fakeSource({ stats: stats([method(evil, evil)]), query: () => [span(1, { type: evil, source: evil, method: evil })] });
    m = await mount(fake.source, (state) => <AgentsTab source={fake.source} state={state} />);
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
    const axis = axisStyle(w);
    for (const r of w.rows) {
      const bar = barStyle(r);
      const x = cssPercent(bar['--x'], axis);
      const width = cssPercent(bar['--w'], { ...axis, '--x': bar['--x'] });
      expect(x).toBeGreaterThanOrEqual(0);
      expect(width).toBeGreaterThanOrEqual(0.4);
      expect(x + width).toBeLessThanOrEqual(100.0001);
    }
  });

  it('keeps a bar at the end visible and inside the track', () => {
    const w = layoutWaterfall([span(1, { ts: 1000, dur: 100 }), span(2, { ts: 1100, dur: 0 })]);
    const axis = axisStyle(w);
    const last = w.rows.find((r) => r.e.seq === 2)!;
    const x = cssPercent(barStyle(last)['--x'], axis);
    const width = cssPercent(barStyle(last)['--w'], { ...axis, '--x': barStyle(last)['--x'] });
    expect(x).toBeCloseTo(99.6, 5);
    expect(width).toBeCloseTo(0.4, 5);
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
