/**
 * What every bench page shares: its parameters (from the URL the runner
 * opens), a yield to the next task, a chunked driver that times only the
 * synchronous chunks, and the POST of the result back to the runner.
 *
 * performance.now() is coarsened to 100 µs on a page without cross-origin
 * isolation, so time is taken per chunk of a few thousand events, never per call.
 */

const params = new URLSearchParams(location.search);

export function param(name: string, fallback: number): number {
  const v = params.get(name);
  return v === null ? fallback : Number(v);
}

export const token = params.get('token') ?? 'no-token';

/** The event every bench writes: what a small `logEvent('bench.tick', { i, x: 1.5, name: 'npc' })` stores. */
export function makeEvent(i: number): Record<string, unknown> {
  return { seq: i, ts: performance.now(), kind: 'custom', level: 'info', type: 'bench.tick', data: { i, x: 1.5, name: 'npc' } };
}

// A MessageChannel yields to the next task without the 4 ms clamp that nested setTimeout(0) gets.
const channel = new MessageChannel();
let wake: (() => void) | null = null;
channel.port1.onmessage = () => {
  const w = wake;
  wake = null;
  w?.();
};
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    wake = resolve;
    channel.port2.postMessage(null);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `body(from, to)` for chunks of `chunk` indices in [0, n), one chunk per
 * task, awaiting `before()` (if any) ahead of each chunk. Returns the time spent
 * inside the chunks, in ms: the main thread's busy time.
 */
export async function chunked(n: number, chunk: number, body: (from: number, to: number) => void, before?: () => Promise<void>): Promise<number> {
  let busy = 0;
  for (let from = 0; from < n; from += chunk) {
    if (before) await before();
    const t = performance.now();
    body(from, Math.min(n, from + chunk));
    busy += performance.now() - t;
    await nextTask();
  }
  return busy;
}

/** Figures for the runner: numbers only, named by their bench-results.json key. */
export type Figures = Record<string, number>;

function post(body: Record<string, unknown>): void {
  void fetch('/result', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, userAgent: navigator.userAgent, ...body }),
  });
}

/** Runs one bench and reports its figures, or its failure, to the runner. */
export function runBench(bench: () => Promise<{ figures: Figures; info?: Record<string, unknown> }>): void {
  const fail = (e: unknown) => post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  addEventListener('error', (e) => fail(e.error ?? e.message));
  addEventListener('unhandledrejection', (e) => fail(e.reason));
  bench().then(({ figures, info }) => post({ figures, info: info ?? {} }), fail);
}
