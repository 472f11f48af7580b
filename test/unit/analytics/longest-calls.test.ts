import { describe, expect, it } from 'vitest';
import { LongestCalls, TOP } from '../../../src/analytics/longest-calls';
import { rng } from './rng';

interface Call {
  id: number;
  dur: number;
  ts: number;
  frame: number;
}

/** The longest TOP calls of the second starting at `startMs`, by brute force (ties: the first one added stays). */
function reference(calls: Call[], startMs: number): { id: number; dur: number; frame: number }[] {
  return calls
    .filter((c) => c.ts >= startMs && c.ts < startMs + 1000)
    .map((c, order) => ({ c, order }))
    .sort((a, b) => b.c.dur - a.c.dur || a.order - b.order)
    .slice(0, TOP)
    .map(({ c }) => ({ id: c.id, dur: c.dur, frame: c.frame }));
}

describe('the longest calls of each second', () => {
  it('keeps the TOP longest calls of each of the last seconds, calls arriving late (an async span logged when it ends) included', () => {
    const random = rng(13);
    const calls: Call[] = [];
    const longest = new LongestCalls();
    let ts = 0;
    for (let i = 0; i < 20_000; i++) {
      ts += random() * 0.6;
      // One call in ten belongs to an earlier second still kept (up to 2.5 s back); durations repeat so ties happen.
      const at = random() < 0.1 ? Math.max(0, ts - random() * 2_500) : ts;
      const c = { id: i % 37, dur: Math.round(random() * 400) / 10, ts: at, frame: Math.floor(at / 16.7) };
      calls.push(c);
      longest.add(c.id, c.dur, c.ts, c.frame);
      if (i % 997 === 0) {
        const sec = Math.floor(ts / 1000) * 1000;
        // Durations are distinct enough to compare as sets sorted by duration.
        for (const start of [sec, sec - 1000, sec - 2000]) {
          if (start < 0) continue;
          const got = longest.of(start).map((x) => x.dur);
          expect(got).toEqual(reference(calls, start).map((x) => x.dur));
        }
      }
    }
  });

  it('the first calls of a second are kept whatever their duration, a zero included', () => {
    const longest = new LongestCalls();
    longest.add(1, 5, 100, 6);
    longest.add(2, 0, 1_200, 72);
    longest.add(3, 0, 1_300, 78);
    expect(longest.of(0)).toEqual([{ id: 1, dur: 5, frame: 6 }]);
    expect(longest.of(1_000).map((c) => c.id).sort()).toEqual([2, 3]);
    // A second no longer kept (SECONDS = 4 back) gives nothing rather than another second's calls.
    longest.add(4, 1, 4_100, 245);
    expect(longest.of(0)).toEqual([]);
  });
});
