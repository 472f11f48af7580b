/** Clock and ids. No DOM: runs in the page, the worker and Node. */
import { dateNow } from './builtins';

// The clock is captured at start-up, from the prototype: a page that later
// replaces `performance.now` (or shims it on the instance) does not move ours.
// A bound function, not a lookup of `performance` on the global object each
// call (that cost ~0.1-0.2 µs in Chromium, as much as the reading itself, on a
// path taken for every entry and twice per span).
const perfNow: (() => number) | null = (() => {
  const perf = typeof performance !== 'undefined' ? (performance as { now?: unknown }) : null;
  const proto = typeof Performance === 'function' ? (Performance.prototype as { now?: unknown }) : null;
  // The prototype's, else the object's own (a page may have put a plain object in
  // place of `performance`): the first one that reads as a number.
  for (const fn of [proto?.now, perf?.now]) {
    try {
      if (typeof fn !== 'function') continue;
      const read = (fn as () => number).bind(perf);
      if (typeof read() === 'number') return read;
    } catch {
      /* not callable on this object: try the next */
    }
  }
  return null;
})();

/**
 * A reading of the clock in ms. Not monotonic when a shim installed before
 * the agent jumps: TraceCore.sinceStart makes entry times monotonic, and
 * spans check their durations (`spanDuration`).
 */
export const now: () => number = perfNow ?? dateNow;

/**
 * A span's duration from two readings of `now()`, or -1 when the clock jumped
 * under it: backwards, or so far forward that the span would have begun
 * before the session did (`sinceStart` is the end's time since the session
 * started). Such a span is flagged FLAG_CLOCK and kept out of latency figures.
 */
export function spanDuration(t0: number, t1: number, sinceStart: number): number {
  const d = t1 - t0;
  return d >= 0 && d <= sinceStart + 1 ? roundMicros(d) : -1;
}

/** Rounds to microseconds: shorter JSON, and no clock offers more. */
export function roundMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function newSessionId(): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(Math.random() * 16).toString(16);
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}
