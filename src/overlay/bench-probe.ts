/**
 * Bench only (`npm run bench`, test/bench/pages/overlay.ts): the overlay's
 * own main-thread time, which a page cannot attribute from outside without
 * DevTools. Compiled in only where the build defines `__TRACE_AGENT_BENCH__`
 * true (the bench's drop-in script, test/bench/vite.config.ts; the shipped
 * bundles leave it out). Even there off, and nothing patched, unless the page
 * defines `window.__TRACE_AGENT_BENCH__` as an object before the script runs.
 *
 * When on, it adds to `__TRACE_AGENT_BENCH__.overlayMs` the time spent in:
 * - the mount's first render and every Preact render flush (diff, commit,
 *   DOM writes, layout effects): Preact's `options.debounceRendering`, still
 *   a microtask, timed;
 * - every setTimeout, setInterval, requestAnimationFrame and queueMicrotask
 *   callback scheduled while such work runs (the overlay's refresh intervals,
 *   its after-paint effects and what they schedule in turn). Callbacks
 *   scheduled by anyone else pass through untouched.
 * Not counted: promise continuations outside a render (a query's result
 * before it sets state), observer and DOM event callbacks, and the browser's
 * style, layout and paint of the overlay (the bench's fps figures show those).
 */
import { options } from 'preact';

interface BenchProbe {
  overlayMs: number;
  blocks: number;
  installed?: boolean;
}

type Fn = (...args: unknown[]) => unknown;

/** Runs `fn` timed as overlay work, or null when the page did not ask for the probe. */
export function benchProbe(): ((fn: () => void) => void) | null {
  const g = globalThis as unknown as Record<string, unknown>;
  const probe = g['__TRACE_AGENT_BENCH__'] as BenchProbe | undefined;
  if (probe === null || typeof probe !== 'object') return null;
  let depth = 0;
  const timed = (fn: Fn, args: unknown[]): unknown => {
    if (depth > 0) return fn(...args);
    depth++;
    const t = performance.now();
    try {
      return fn(...args);
    } finally {
      probe.overlayMs += performance.now() - t;
      probe.blocks++;
      depth--;
    }
  };
  if (!probe.installed) {
    probe.installed = true;
    probe.overlayMs = 0;
    probe.blocks = 0;
    const microtask = queueMicrotask.bind(globalThis);
    for (const name of ['setTimeout', 'setInterval', 'requestAnimationFrame', 'queueMicrotask']) {
      const original = g[name] as Fn;
      g[name] = (cb: unknown, ...rest: unknown[]) =>
        original.call(globalThis, depth > 0 && typeof cb === 'function' ? (...a: unknown[]) => timed(cb as Fn, a) : cb, ...rest);
    }
    options.debounceRendering = (flush) => microtask(() => timed(flush, []));
  }
  return (fn) => void timed(fn, []);
}
