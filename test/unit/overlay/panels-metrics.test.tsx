// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { marksOf, sessionTime, uplotChart, yRange } from '../../../src/overlay/charts';
import { displayHz, MetricsPanel, MetricsTab, trendData } from '../../../src/overlay/panels/metrics';
import { buttonByText, click, fakeSource, mount, recordingCharts, snapshot, trends, type Mounted } from './panels-fake';

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('the metrics tab', () => {
  it('feeds each chart from the trends, with the frame budget line and the latency percentiles as text', async () => {
    const fake = fakeSource();
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => null} />, rec.factory);
    expect(fake.calls.trends?.[0]).toEqual(['30s']);

    const frame = rec.byLabel('frame time')!;
    expect(frame).toBeDefined();
    // Charts are drawn one per animation frame (chartFeed's queue), not by the time the first fetches are in: wait for them.
    await vi.waitFor(() => {
      // x in seconds of session time, values as the trend has them.
      expect(frame.data.at(-1)).toEqual([[60, 61, 62], [16, 17, 25]]);
      expect(rec.byLabel('frames per second')!.data.at(-1)).toEqual([[60, 61, 62], [60, 59, 40]]);
      expect(rec.byLabel('events per second')!.data.at(-1)).toEqual([[60, 61, 62], [100, 120, 110], [0, 1, 0]]);
      const latency = rec.byLabel('latency')!.data.at(-1)!;
      expect(latency[1]).toEqual([5, 6, 7]);
      expect(latency[2]).toEqual([8, 9, 10]); // the busiest method's own p95
      expect(latency[3]).toEqual([null, null, null]);
      expect(rec.byLabel('error rate')!.data.at(-1)).toEqual([[60, 61, 62], [0, 2, null]]);
    });
    const marks = marksOf(frame.spec);
    expect(marks[0]!.value).toBeCloseTo(16.67, 2);
    expect(marks[0]!.label).toContain('60 Hz');
    // The y axis always reaches the budget, even at 240 Hz frame times.
    expect(yRange(frame.spec, 4.2)[1]).toBeGreaterThan(16.7);

    const text = m.text();
    expect(text).toContain('budget 16.7 ms a frame at 60 Hz');
    expect(text).toContain('p50 1.25ms');
    expect(text).toContain('p99 21.5ms');
    expect(text).toContain('p95 npc.decide');
    expect(text).toMatch(/agent\s*33\/s/);
    expect(text).toContain('memory');
    expect(text).toContain('not reported');
    expect(m.root.querySelector('.analytics-off')).toBeNull();
  });

  it('asks for the window chosen, without re-creating the charts', async () => {
    const fake = fakeSource();
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => null} />, rec.factory);
    const made = rec.charts.length;
    const five = buttonByText(m.root, '5 min')!;
    expect(five.getAttribute('aria-pressed')).toBe('false');
    await click(five);
    expect(fake.calls.trends!.at(-1)).toEqual(['5m']);
    expect(five.getAttribute('aria-pressed')).toBe('true');
    await click(buttonByText(m.root, 'session'));
    expect(fake.calls.trends!.at(-1)).toEqual(['session']);
    expect(rec.charts.length).toBe(made);
    expect(rec.charts.every((c) => !c.destroyed)).toBe(true);
  });

  it('destroys its charts on unmount and stops fetching', async () => {
    const fake = fakeSource();
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => null} />, rec.factory);
    m.unmount();
    m = null;
    expect(rec.charts.length).toBeGreaterThan(0);
    expect(rec.charts.every((c) => c.destroyed)).toBe(true);
    const n = fake.calls.trends!.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(fake.calls.trends!.length).toBe(n);
  });

  it('charts memory where the browser reports it', async () => {
    const fake = fakeSource();
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => 42.5} />, rec.factory);
    expect(m.text()).toContain('42.5 MB');
    await vi.waitFor(() => expect(rec.byLabel('JS heap')!.data.at(-1)).toEqual([[90], [42.5]]));
  });

  it('reads the JS heap at most once a second, while its text refreshes 4 times a second', async () => {
    const fake = fakeSource();
    const rec = recordingCharts();
    let reads = 0;
    const t0 = Date.now();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => (reads++, 42.5)} />, rec.factory);
    await vi.waitFor(() => expect(fake.calls.stats?.length ?? 0).toBeGreaterThanOrEqual(3), { timeout: 5_000 });
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(1 + Math.floor((Date.now() - t0) / 1000));
    expect(m.text()).toContain('42.5 MB');
  });

  it('says analytics are off and why, and charts what the snapshot has', async () => {
    const fake = fakeSource({ snap: snapshot({ analytics: false, fps: 58, store: { ...snapshot().store, thread: 'main' } }) });
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsTab source={fake.source} state={state} />, rec.factory);
    const off = m.root.querySelector('.analytics-off')!;
    expect(off.textContent).toContain('Analytics are off');
    expect(off.textContent).toContain('main thread');
    expect(fake.calls.trends).toBeUndefined();
    expect(fake.calls.stats).toBeUndefined();
    await vi.waitFor(() => {
      expect(rec.byLabel('frames per second')!.data.at(-1)).toEqual([[90], [58]]);
      expect(rec.byLabel('events per second')!.data.at(-1)).toEqual([[90], [0]]);
    });
    expect(rec.byLabel('frame time')).toBeUndefined();
    expect(m.text()).toContain('58');
  });

  it('says so when the engine refuses', async () => {
    const fake = fakeSource({ trends: new Error('analytics are disabled'), stats: new Error('analytics are disabled') });
    const rec = recordingCharts();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => null} />, rec.factory);
    expect(m.root.querySelector('.analytics-off')!.textContent).toContain('analytics are disabled');
    await vi.waitFor(() => {
      const fps = rec.charts.filter((c) => c.spec.label === 'frames per second');
      expect(fps.at(-1)!.data.at(-1)).toEqual([[90], [60]]);
    });
  });

  it('still renders its text where there is no canvas (the factory throws)', async () => {
    const fake = fakeSource();
    m = await mount(fake.source, (state) => <MetricsPanel source={fake.source} state={state} readMemory={() => null} />, () => {
      throw new Error('no canvas');
    });
    expect(m.text()).toContain('frame time p95');
    expect(m.root.querySelectorAll('.plot.no-canvas').length).toBeGreaterThan(0);
  });

  it('the uPlot factory refuses up front where there is no 2D context, instead of throwing later from a microtask', () => {
    // happy-dom's canvas has no 2D context; uPlot would fail in its deferred commit, out of reach of any catch.
    expect(document.createElement('canvas').getContext('2d')).toBeNull();
    const el = document.createElement('div');
    document.body.append(el);
    try {
      expect(() => uplotChart(el, { label: 'x', series: [{ label: 'a', color: 'accent' }] }, { width: 200, height: 100 })).toThrow('no 2D canvas context');
      expect(el.childElementCount).toBe(0);
    } finally {
      el.remove();
    }
  });
});

describe('metrics helpers', () => {
  it('turns a trend report into chart columns, missing metrics as nulls', () => {
    expect(trendData(trends(), ['fps', 'nope'])).toEqual([[60, 61, 62], [60, 59, 40], [null, null, null]]);
  });

  it('guesses the display rate from the frame rate', () => {
    expect(displayHz(null)).toBe(60);
    expect(displayHz(59)).toBe(60);
    expect(displayHz(119)).toBe(120);
    expect(displayHz(143)).toBe(144);
    expect(displayHz(238)).toBe(240);
  });

  it('writes session time for the axes', () => {
    expect(sessionTime(42)).toBe('42s');
    expect(sessionTime(185)).toBe('3:05');
    expect(sessionTime(3723)).toBe('1:02:03');
  });
});
