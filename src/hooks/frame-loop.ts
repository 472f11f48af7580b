/**
 * The frame loop: counts requestAnimationFrame callbacks, so that every entry
 * carries the frame it happened in, and keeps the last second of frame times
 * for FPS. One rAF callback a frame.
 *
 * With `stats` (the default) it also hands every frame time to the trace, at
 * one `frame:stats` entry a second rather than one entry a frame, and a
 * `frame:hitch` at once for a frame longer than `hitchMs`.
 */
import { push } from '../core/builtins';
import type { TraceCore } from '../core/agent';
import { DEFAULT_HITCH_MS, FRAME_HITCH, FRAME_STATS, type FrameHitchData, type FrameStatsData } from '../core/event-types';

const WINDOW = 240; // frame times kept: one second at 240 Hz
/** How often frame times are emitted, in rAF time. */
const STATS_MS = 1_000;

export interface FrameLoopOptions {
  /** Emit `frame:stats` every second and `frame:hitch` for long frames (default true). */
  stats?: boolean;
  /** A frame longer than this (ms) is a hitch (default DEFAULT_HITCH_MS, 50); the analytics count hitches by the same value. */
  hitchMs?: number;
}

export class FrameLoop {
  /** Frame times in ms, newest at `(head - 1) % WINDOW`. */
  private readonly times = new Float64Array(WINDOW);
  private head = 0;
  private filled = 0;
  private last = 0;
  private handle = 0;
  private running = false;
  private readonly stats: boolean;
  private readonly hitchMs: number;
  /** Frame times since the last `frame:stats`, and the frame of the first. */
  private pending: number[] = [];
  private pendingFrom = 0;
  private pendingSince = 0;
  private onVisibility: (() => void) | null = null;

  constructor(
    private readonly core: TraceCore,
    options: FrameLoopOptions = {},
  ) {
    this.stats = options.stats ?? true;
    this.hitchMs = options.hitchMs ?? DEFAULT_HITCH_MS;
  }

  start(): void {
    if (this.running || typeof requestAnimationFrame !== 'function') return;
    // Captured at start: a page that later replaces requestAnimationFrame does not stop the frame count.
    const raf = requestAnimationFrame.bind(globalThis);
    this.running = true;
    const tick = (t: number) => {
      if (!this.running) return;
      // The time since the last callback is the length of the frame that
      // ends now: the frame whose number entries logged in it carry.
      const ended = this.core.frame;
      this.core.frame++;
      if (this.last > 0) {
        const dur = t - this.last;
        this.times[this.head] = dur;
        this.head = (this.head + 1) % WINDOW;
        if (this.filled < WINDOW) this.filled++;
        if (this.stats) {
          try {
            this.frameStats(ended, dur, t);
          } catch {
            this.core.counters.internalErrors++;
          }
        }
      }
      this.last = t;
      this.handle = raf(tick);
    };
    this.handle = raf(tick);
    if (this.stats && typeof document !== 'undefined') {
      // No frames run while the page is hidden: the gap until it shows again
      // is no frame of the game's, and is neither a hitch nor a frame time.
      this.onVisibility = () => {
        try {
          this.flushStats();
          this.last = 0;
        } catch {
          this.core.counters.internalErrors++;
        }
      };
      document.addEventListener('visibilitychange', this.onVisibility);
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.handle);
    if (this.onVisibility) document.removeEventListener('visibilitychange', this.onVisibility);
    this.onVisibility = null;
    try {
      this.flushStats(); // the last part-second too
    } catch {
      this.core.counters.internalErrors++;
    }
    this.last = 0;
  }

  /** Frames per second over the last second of frames (0 before two frames). */
  fps(): number {
    let sum = 0;
    let n = 0;
    for (let i = 1; i <= this.filled && sum < 1000; i++) {
      sum += this.times[(this.head - i + WINDOW) % WINDOW]!;
      n++;
    }
    return sum > 0 ? (n * 1000) / sum : 0;
  }

  private frameStats(frame: number, dur: number, t: number): void {
    const ms = Math.round(dur * 100) / 100;
    if (this.pending.length === 0) {
      this.pendingFrom = frame;
      this.pendingSince = t - dur;
    }
    push(this.pending, ms);
    // The time as reported, the one the stats collector compares with the same threshold.
    if (ms > this.hitchMs) {
      this.core.emit({ kind: 'perf', type: FRAME_HITCH, level: 'warn', source: 'trace-agent', data: { frame, dur: ms } satisfies FrameHitchData });
    }
    if (t - this.pendingSince >= STATS_MS) this.flushStats();
  }

  private flushStats(): void {
    if (this.pending.length === 0) return;
    const times = this.pending;
    this.pending = [];
    this.core.emit({
      kind: 'perf',
      type: FRAME_STATS,
      level: 'info',
      source: 'trace-agent',
      data: { frames: times.length, times, from: this.pendingFrom } satisfies FrameStatsData,
    });
  }
}
