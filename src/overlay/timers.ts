/**
 * The overlay's timers, captured when the overlay mounts (`captureTimers`,
 * from mount.tsx): a page that later replaces setTimeout or setInterval does
 * not stop the overlay's refreshes. Until then (components rendered on their
 * own, as unit tests do) they are the page's, looked up at each call.
 */
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

export function captureTimers(): void {
  const g = globalThis;
  timers.setTimeout = setTimeout.bind(g) as Timers['setTimeout'];
  timers.clearTimeout = clearTimeout.bind(g) as Timers['clearTimeout'];
  timers.setInterval = setInterval.bind(g) as Timers['setInterval'];
  timers.clearInterval = clearInterval.bind(g) as Timers['clearInterval'];
  if (typeof requestAnimationFrame === 'function') timers.requestFrame = requestAnimationFrame.bind(g);
}
