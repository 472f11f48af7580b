/**
 * The frame loop: counts requestAnimationFrame callbacks, so that every entry
 * carries the frame it happened in, and keeps the last second of frame times
 * for FPS. One rAF callback a frame; nothing is logged per frame here.
 */
import type { TraceCore } from '../core/agent';

const WINDOW = 240; // frame times kept: one second at 240 Hz

export class FrameLoop {
  /** Frame times in ms, newest at `(head - 1) % WINDOW`. */
  private readonly times = new Float64Array(WINDOW);
  private head = 0;
  private filled = 0;
  private last = 0;
  private handle = 0;
  private running = false;

  constructor(private readonly core: TraceCore) {}

  start(): void {
    if (this.running || typeof requestAnimationFrame !== 'function') return;
    this.running = true;
    const tick = (t: number) => {
      if (!this.running) return;
      this.core.frame++;
      if (this.last > 0) {
        this.times[this.head] = t - this.last;
        this.head = (this.head + 1) % WINDOW;
        if (this.filled < WINDOW) this.filled++;
      }
      this.last = t;
      this.handle = requestAnimationFrame(tick);
    };
    this.handle = requestAnimationFrame(tick);
  }

  stop(): void {
    this.running = false;
    if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.handle);
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
}
