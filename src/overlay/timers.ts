/**
 * The overlay's timers, set when the overlay mounts (`captureTimers`, from
 * mount.tsx) to those captured at start-up: a page that replaces setTimeout
 * or setInterval does not stop the overlay's refreshes. Until then (components rendered on their
 * own, as unit tests do) they are the page's, looked up at each call.
 */
import { clearRepeat, clearTimer, setRepeat, setTimer } from '../core/builtins';

type Timers = {
  setTimeout: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimeout: (id: ReturnType<typeof setTimeout> | null | undefined) => void;
  setInterval: (fn: () => void, ms: number) => ReturnType<typeof setInterval>;
  clearInterval: (id: ReturnType<typeof setInterval> | null | undefined) => void;
  /** A timeout of 16 ms where there is no requestAnimationFrame (some test DOMs). */
  requestFrame: (fn: () => void) => unknown;
};

export const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id ?? undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id ?? undefined),
  requestFrame: (fn) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(fn) : setTimeout(fn, 16)),
};

/**
 * From the builtins captured at start-up (the overlay mounts when first
 * opened, when the page may have replaced its timers); `fromPage`: the
 * page's now (the bench's probe wraps them, and wants its wrapped ones used).
 */
export function captureTimers(fromPage = false): void {
  if (!fromPage) {
    timers.setTimeout = (fn, ms) => setTimer(fn, ms);
    timers.clearTimeout = (id) => clearTimer(id ?? undefined);
    timers.setInterval = (fn, ms) => setRepeat(fn, ms);
    timers.clearInterval = (id) => clearRepeat(id ?? undefined);
    return;
  }
  const g = globalThis;
  timers.setTimeout = setTimeout.bind(g) as Timers['setTimeout'];
  timers.clearTimeout = clearTimeout.bind(g) as Timers['clearTimeout'];
  timers.setInterval = setInterval.bind(g) as Timers['setInterval'];
  timers.clearInterval = clearInterval.bind(g) as Timers['clearInterval'];
  if (typeof requestAnimationFrame === 'function') timers.requestFrame = requestAnimationFrame.bind(g);
}
