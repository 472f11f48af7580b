import { afterEach, describe, expect, it } from 'vitest';
import { chartFeed, type ChartData, type ChartHandle } from '../../../src/overlay/charts';
import { timers } from '../../../src/overlay/timers';

// Frames run by hand: each requestFrame callback waits here until `frame()`.
const frames: (() => void)[] = [];

timers.requestFrame = (fn) => frames.push(fn);
afterEach(() => {
  // Whatever a test left queued is drained, so the next starts with an idle queue.
  for (let i = 0; i < 100 && frames.length > 0; i++) frames.shift()!();
});
const frame = () => frames.shift()?.();

function handle(fail = false): ChartHandle & { drawn: ChartData[] } {
  const drawn: ChartData[] = [];
  return {
    drawn,
    setData(d) {
      drawn.push(d);
      if (fail) throw new Error('canvas gone');
    },
    resize() {},
    destroy() {},
  };
}

describe('the charts’ frame queue', () => {
  it('draws one chart a frame, the newest data of each, unchanged data not at all', () => {
    const a = handle();
    const b = handle();
    const fa = chartFeed(a);
    const fb = chartFeed(b);
    fa.push([[1], [1]]);
    fb.push([[1], [2]]);
    fa.push([[1, 2], [1, 3]]); // replaces a's pending data
    frame();
    expect(a.drawn).toEqual([[[1, 2], [1, 3]]]);
    expect(b.drawn).toEqual([]);
    frame();
    expect(b.drawn).toEqual([[[1], [2]]]);
    fa.push([[1, 2], [1, 3]]); // the same again: no draw
    expect(frames.length).toBe(0);
    fa.push([[1, 2, 3], [1, 3, 4]]); // the stream's last update is still drawn
    frame();
    expect(a.drawn.at(-1)).toEqual([[1, 2, 3], [1, 3, 4]]);
  });

  it('keeps drawing after one chart throws, and throws nothing out of the frame', () => {
    const bad = handle(true);
    const good = handle();
    const fbad = chartFeed(bad);
    const fgood = chartFeed(good);
    fbad.push([[1], [1]]);
    fgood.push([[1], [5]]);
    expect(() => frame()).not.toThrow();
    frame();
    expect(good.drawn).toEqual([[[1], [5]]]);
    // Later data of both still reaches them.
    fbad.push([[2], [2]]);
    fgood.push([[2], [6]]);
    expect(() => frame()).not.toThrow();
    frame();
    expect(bad.drawn).toHaveLength(2);
    expect(good.drawn.at(-1)).toEqual([[2], [6]]);
  });

  it('skips a chart stopped before its turn', () => {
    const a = handle();
    const fa = chartFeed(a);
    fa.push([[1], [1]]);
    fa.stop();
    frame();
    expect(a.drawn).toEqual([]);
    expect(frames.length).toBe(0);
  });
});

