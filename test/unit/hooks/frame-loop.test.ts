// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceCore } from '../../../src/core/agent';
import type { TraceEntry } from '../../../src/core/entry';
import { FrameLoop, type FrameLoopOptions } from '../../../src/hooks/frame-loop';

let loop: FrameLoop | null = null;
afterEach(() => {
  loop?.stop();
  loop = null;
  vi.unstubAllGlobals();
});

/** A requestAnimationFrame driven by the test: `frame(t)` runs one frame at rAF time t. */
function setup(options?: FrameLoopOptions, sink?: (e: TraceEntry) => void) {
  const queue: FrameRequestCallback[] = [];
  let cancelled = 0;
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => queue.push(cb));
  vi.stubGlobal('cancelAnimationFrame', () => {
    cancelled++;
    queue.length = 0;
  });
  const entries: TraceEntry[] = [];
  const core = new TraceCore({ write: sink ?? ((e) => entries.push(e)) });
  loop = new FrameLoop(core, options);
  loop.start();
  const frame = (t: number) => {
    for (const cb of queue.splice(0)) cb(t);
  };
  /** `n` frames of `ms` each, from time `t0`; returns the time after the last. */
  const run = (n: number, ms: number, t0: number) => {
    let t = t0;
    for (let i = 0; i < n; i++) frame((t += ms));
    return t;
  };
  const of = (type: string) => entries.filter((e) => e.type === type);
  return { core, loop, entries, frame, run, of, queue, cancelled: () => cancelled };
}

type Stats = { frames: number; times: number[]; from: number };

describe('FrameLoop', () => {
  it('counts frames and measures fps, as before', () => {
    const { core, loop, run } = setup({ stats: false });
    run(61, 1000 / 60, 0);
    expect(core.frame).toBe(61);
    expect(loop.fps()).toBeCloseTo(60, 0);
  });

  it('stats: false logs nothing, not even hitches', () => {
    const { entries, run } = setup({ stats: false });
    run(200, 16.7, 0);
    run(2, 300, 5_000);
    expect(entries).toEqual([]);
  });

  it('emits every frame time once a second, in one entry, from the frame they belong to', () => {
    const { core, entries, of, run } = setup();
    run(1 + 150, 16, 0); // the first frame only starts the clock
    const stats = of('frame:stats');
    expect(stats).toHaveLength(2);
    expect(stats[0]).toMatchObject({ kind: 'perf', level: 'info', source: 'trace-agent' });
    const d0 = stats[0]!.data as Stats;
    const d1 = stats[1]!.data as Stats;
    expect(d0.frames).toBe(d0.times.length);
    expect(d0.frames).toBe(63); // 63 frames of 16 ms fill the second (62 would be 992 ms)
    expect(d0.from).toBe(1);
    expect(d1.from).toBe(d0.from + d0.frames);
    expect(d0.times.every((t) => t === 16)).toBe(true);
    expect(entries.filter((e) => e.type !== 'frame:stats')).toEqual([]);
    // The entry is stamped with the frame that closed the second.
    expect(stats[0]!.frame).toBe(d0.from + d0.frames);
    expect(core.frame).toBe(151);
  });

  it('at 240 Hz as at 30 Hz: one entry a second, every frame counted once', () => {
    for (const hz of [240, 30]) {
      const { of, run, loop } = setup();
      run(1 + hz * 3, 1000 / hz, 0);
      loop.stop(); // flushes the part-second left
      const stats = of('frame:stats').map((e) => e.data as Stats);
      expect(stats.length).toBeGreaterThanOrEqual(3);
      expect(stats.length).toBeLessThanOrEqual(4);
      expect(stats.reduce((n, s) => n + s.frames, 0)).toBe(hz * 3);
      expect(stats.flatMap((s) => s.times).every((ms) => ms === Math.round(100_000 / hz) / 100)).toBe(true); // 4.17, 33.33
      for (let i = 1; i < stats.length; i++) expect(stats[i]!.from).toBe(stats[i - 1]!.from + stats[i - 1]!.frames);
    }
  });

  it('reports a hitch at once, with the frame that was long', () => {
    const { entries, of, run, frame } = setup();
    let t = run(11, 16, 0);
    frame((t += 80.123));
    const hitch = of('frame:hitch');
    expect(hitch).toHaveLength(1);
    expect(hitch[0]).toMatchObject({ kind: 'perf', level: 'warn', source: 'trace-agent', data: { frame: 11, dur: 80.12 }, frame: 12 });
    expect(entries).toHaveLength(1); // no stats yet: the second is not over
    frame((t += 50)); // not longer than 50
    expect(of('frame:hitch')).toHaveLength(1);
  });

  it('takes the hitch threshold as an option', () => {
    const { of, run } = setup({ hitchMs: 100 });
    run(3, 80, 0);
    expect(of('frame:hitch')).toEqual([]);
    run(1, 120, 1_000);
    expect(of('frame:hitch')).toHaveLength(1);
  });

  it('does not count the time the page was hidden as a frame, and flushes when it hides', () => {
    const { of, frame, run } = setup();
    const t = run(21, 16, 0);
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    const flushed = of('frame:stats');
    expect(flushed).toHaveLength(1);
    expect((flushed[0]!.data as Stats).frames).toBe(20);
    // Back after 30 s: the first frame restarts the clock.
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    frame(t + 30_000);
    frame(t + 30_016);
    expect(of('frame:hitch')).toEqual([]);
    Reflect.deleteProperty(document, 'visibilityState');
  });

  it('stop cancels the frame, flushes the part-second, and removes its listener', () => {
    const remove = vi.spyOn(document, 'removeEventListener');
    const { of, run, loop, queue, cancelled, core } = setup();
    run(11, 16, 0);
    loop.stop();
    expect(cancelled()).toBe(1);
    expect(queue).toHaveLength(0);
    expect(of('frame:stats').map((e) => (e.data as Stats).frames)).toEqual([10]);
    expect(remove.mock.calls.map((c) => c[0])).toContain('visibilitychange');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(of('frame:stats')).toHaveLength(1);
    expect(core.frame).toBe(11);
    loop.stop(); // twice is fine
    remove.mockRestore();
  });

  it('a failing sink is counted and the loop goes on', () => {
    const { core, run, queue } = setup({}, () => {
      throw new Error('sink down');
    });
    expect(() => run(200, 16.7, 0)).not.toThrow();
    run(2, 100, 10_000);
    expect(core.frame).toBe(202);
    expect(core.counters.internalErrors).toBe(5); // 3 stats + 2 hitches (one is the jump to 10 s)
    expect(queue).toHaveLength(1);
  });
});
