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

/** The part of `window.TraceAgent` (the drop-in script) that the bench pages use. */
export interface TraceAgentStats {
  logged: number;
  acked: number;
  dropped: number;
  pending: number;
  stored: number;
  evicted: number;
  storage: { thread: string | null; backend: string | null };
}
export interface TraceAgentApi {
  logEvent(type: string, data?: Record<string, unknown>): void;
  hook(target: unknown, name?: string, options?: { captureArgs?: boolean; captureResult?: boolean }): { methods: string[] }[];
  unhook(target: unknown): void;
  open(): void;
  close(): void;
  readonly isOpen: boolean;
  flush(): Promise<void>;
  exportBlob(): Promise<Blob>;
  stats(): TraceAgentStats;
  generateStats(): Promise<{ engine: { entries: number; ms: number; nsPerEntry: number | null } }>;
}

/** The agent the drop-in script tag started, once its store is up (its backend known). */
export async function traceAgent(): Promise<TraceAgentApi> {
  const started = performance.now();
  for (;;) {
    const ta = (window as unknown as { TraceAgent?: TraceAgentApi }).TraceAgent;
    if (ta?.stats().storage.backend) return ta;
    if (performance.now() - started > 15_000) throw new Error('TraceAgent did not start its store within 15 s');
    await sleep(10);
  }
}

/**
 * A `before` for chunked(): waits between chunks while more than `limit`
 * entries are un-acked, so a stream never reaches the client's backpressure
 * limit (nothing dropped). Counts its waits.
 */
export function keepUp(ta: TraceAgentApi, limit: number): { before: () => Promise<void>; waits: () => number } {
  let waits = 0;
  return {
    before: async () => {
      while (ta.stats().pending > limit) {
        waits++;
        await sleep(1);
      }
    },
    waits: () => waits,
  };
}

/**
 * flush(), then the stats, with `lost`: entries logged before flush() was
 * called that were not acked when it resolved. The agent may log entries of
 * its own meanwhile (a `frame:hitch` after a long chunk), which the flush
 * does not promise to cover, so `logged − acked` alone is not the loss.
 */
export async function flushed(ta: TraceAgentApi): Promise<TraceAgentStats & { lost: number }> {
  const logged = ta.stats().logged;
  await ta.flush();
  const s = ta.stats();
  return { ...s, lost: Math.max(0, logged - s.acked) };
}

/** Logs `bench.tick` events [from, to) through the agent: the payload every bench uses. */
export function logTicks(ta: TraceAgentApi, from: number, to: number): void {
  for (let i = from; i < to; i++) ta.logEvent('bench.tick', { i, x: 1.5, name: 'npc' });
}

/** Logs `bench.tick` events [from, to) in chunks of `chunk`, paced by keepUp(); returns chunked()'s busy time. */
export function logTicksPaced(ta: TraceAgentApi, from: number, to: number, chunk: number, pacing: ReturnType<typeof keepUp>): Promise<number> {
  return chunked(to - from, chunk, (a, b) => logTicks(ta, from + a, from + b), pacing.before);
}

/** flushed(), failing unless the store holds every event logged: none lost, dropped or evicted. */
export async function flushedHoldingAll(ta: TraceAgentApi): Promise<TraceAgentStats & { lost: number }> {
  const s = await flushed(ta);
  if (s.evicted !== 0 || s.dropped !== 0 || s.lost !== 0) {
    throw new Error(`the store does not hold every event: ${s.lost} not acked, ${s.dropped} dropped, ${s.evicted} evicted`);
  }
  return s;
}

/** Runs one bench and reports its figures, or its failure, to the runner. */
export function runBench(bench: () => Promise<{ figures: Figures; info?: Record<string, unknown> }>): void {
  const fail = (e: unknown) => post({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  addEventListener('error', (e) => fail(e.error ?? e.message));
  addEventListener('unhandledrejection', (e) => fail(e.reason));
  bench().then(({ figures, info }) => post({ figures, info: info ?? {} }), fail);
}

/** The overlay's shadow root (the drop-in script mounts it on a `trace-agent-overlay` element). */
export function overlayRoot(): ShadowRoot {
  const root = document.querySelector('trace-agent-overlay')?.shadowRoot;
  if (!root) throw new Error('no trace-agent-overlay element with an open shadow root');
  return root;
}

/** The log rows that show an entry: neither a placeholder still loading nor a gap. */
export function shownLogRows(root: ShadowRoot): number {
  return root.querySelectorAll('.log-row:not(.loading):not(.gap)').length;
}

export const nextFrame = (): Promise<number> => new Promise((r) => requestAnimationFrame(() => r(performance.now())));

/** Waits until the demo game runs (its window.game), failing after 15 s. */
export async function demoRunning(): Promise<void> {
  const started = performance.now();
  while (!(window as unknown as { game?: { running: boolean } }).game?.running) {
    if (performance.now() - started > 15_000) throw new Error('the demo game did not start within 15 s');
    await sleep(20);
  }
}

/**
 * Logs `rate` small events a second on top of the game: every 10 ms, as many
 * as the clock says are due. stop() ends it and gives the rate reached.
 */
export function streamEvents(ta: TraceAgentApi, rate: number): { stop(): number } {
  let streamed = 0;
  const t0 = performance.now();
  const id = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    for (; streamed < due; streamed++) ta.logEvent('bench.tick', { i: streamed, x: 1.5, name: 'npc' });
  }, 10);
  return {
    stop: () => {
      clearInterval(id);
      return (streamed * 1000) / (performance.now() - t0);
    },
  };
}
