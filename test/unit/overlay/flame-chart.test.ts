// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { layoutWaterfall } from '../../../src/overlay/panels/agents';
import { createFlameChart } from '../../../src/overlay/panels/flame-chart';
import { layoutFlame } from '../../../src/overlay/panels/flame-layout';
import { timers } from '../../../src/overlay/timers';
import { span } from './panels-fake';

// The controller with its browser parts faked: frames run by hand, a ResizeObserver and a
// devicePixelRatio media query the test drives. (Drawing itself is covered in Chromium.)
const frames: (() => void)[] = [];
const runFrames = () => {
  for (let i = 0; i < 10 && frames.length > 0; i++) frames.shift()!();
};
let resize: ((width: number) => void) | null = null;
let observed = 0;
/** The media queries made, newest last: a change is dispatched on them. */
let queries: EventTarget[] = [];

beforeEach(() => {
  vi.spyOn(timers, 'requestFrame').mockImplementation((fn) => frames.push(fn));
  vi.stubGlobal(
    'ResizeObserver',
    class {
      constructor(cb: ResizeObserverCallback) {
        resize = (width) => cb([{ contentRect: { width } } as ResizeObserverEntry], this as unknown as ResizeObserver);
      }
      observe() {
        observed++;
      }
      disconnect() {
        observed--;
      }
    },
  );
  vi.stubGlobal('matchMedia', () => {
    const q = new EventTarget();
    queries.push(q);
    return q;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  frames.length = 0;
  observed = 0;
  queries = [];
});

const data = (n: number) => {
  const w = layoutWaterfall(Array.from({ length: n }, (_, i) => span(i + 1, { ts: 10 * (i + 1), dur: 5 })));
  return layoutFlame(w.rows, w.from, w.to);
};

function mount() {
  const host = document.createElement('div');
  document.body.append(host);
  const chart = createFlameChart(host, { onPick: () => {} });
  return { host, chart, canvas: host.querySelector('canvas')!, range: host.querySelector('.fc-range')! };
}

describe('the flame chart controller', () => {
  it('draws nothing while its host has no width (the tab hidden), and draws at once when it has one again', () => {
    const { chart, canvas, range } = mount();
    chart.setData(data(3));
    runFrames();
    expect(range.textContent).toContain('shown');
    resize!(0);
    range.textContent = '';
    chart.setData(data(5));
    runFrames();
    expect(range.textContent).toBe('');
    resize!(500);
    runFrames();
    expect(range.textContent).toContain('shown');
    expect(canvas.width).toBe(500 * Math.max(1, devicePixelRatio || 1));
    chart.destroy();
  });

  it('draws again when the devicePixelRatio changes, and removes every observer and listener on destroy', () => {
    const { chart, host, range } = mount();
    expect(observed).toBe(1);
    chart.setData(data(2));
    runFrames();
    range.textContent = '';
    queries.at(-1)!.dispatchEvent(new Event('change'));
    expect(frames.length).toBe(1);
    runFrames();
    expect(range.textContent).toContain('shown');
    // Re-armed for the new ratio: the old query no longer listened to.
    expect(queries).toHaveLength(2);
    queries[0]!.dispatchEvent(new Event('change'));
    expect(frames.length).toBe(0);
    chart.destroy();
    expect(observed).toBe(0);
    for (const q of queries) q.dispatchEvent(new Event('change'));
    expect(frames.length).toBe(0);
    expect(host.childElementCount).toBe(0);
  });

  it('hit-tests again where the pointer rests when new data moves the spans, so the tooltip says what is under it', () => {
    const { chart, canvas, host } = mount();
    const at = (pairs: [number, number][]) => {
      const w = layoutWaterfall(pairs.map(([from, to], i) => span(i + 1, { ts: to, dur: to - from })));
      return layoutFlame(w.rows, w.from, w.to);
    };
    chart.setData(at([[0, 100], [100, 200]]));
    runFrames(); // the canvas is 400 px wide (no width from layout here)
    canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: 150, clientY: 24 }));
    const tip = host.querySelector('.fc-tip') as HTMLElement;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain('#1 ');
    // A third span: the view now spans 0..400 ms, and 150 px is at 150 ms, inside #2.
    chart.setData(at([[0, 100], [100, 200], [200, 400]]));
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toContain('#2 ');
    canvas.dispatchEvent(new PointerEvent('pointerleave'));
    chart.setData(at([[0, 100], [100, 200]]));
    expect(tip.hidden).toBe(true);
    chart.destroy();
  });

  it('draws new data when it follows it; zoomed in, only when something in view changed', () => {
    const { chart, canvas, range } = mount();
    const spans = (n: number, over: (i: number) => Partial<ReturnType<typeof span>> = () => ({})) => {
      const w = layoutWaterfall(Array.from({ length: n }, (_, i) => span(i + 1, { ts: 10 * (i + 1), dur: 5, ...over(i + 1) })));
      return layoutFlame(w.rows, w.from, w.to);
    };
    chart.setData(spans(10));
    expect(frames.length).toBe(1);
    runFrames();
    // Following: a new span is drawn (the view takes it in).
    chart.setData(spans(11));
    expect(frames.length).toBe(1);
    runFrames();
    // Zoomed into the middle (5..110 ms shown, three steps in around 57.5 ms): new spans at the end are not in view.
    for (let i = 0; i < 3; i++) canvas.dispatchEvent(new KeyboardEvent('keydown', { key: '+', bubbles: true, cancelable: true }));
    runFrames();
    const shown = range.textContent;
    expect(shown).not.toContain('115.0ms shown'); // zoomed
    chart.setData(spans(12));
    chart.setData(spans(13));
    expect(frames.length).toBe(0);
    // A span in view that changed (it failed): drawn.
    chart.setData(spans(13, (seq) => (seq === 6 ? { status: 'error' } : {})));
    expect(frames.length).toBe(1);
    runFrames();
    expect(range.textContent).toBe(shown);
    // Back to following (0 fits): every refresh drawn again.
    canvas.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true, cancelable: true }));
    runFrames();
    chart.setData(spans(14));
    expect(frames.length).toBe(1);
    chart.destroy();
  });
});
