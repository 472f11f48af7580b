/**
 * heap_mb_start, heap_mb_200k, heap_mb_1m: the main thread's JS heap
 * (`performance.memory.usedJSHeapSize`, precise with Chromium's
 * --enable-precise-memory-info) with the drop-in script and its defaults
 * (capacity 200,000 entries; the overlay closed, its file not loaded). Measured after a
 * warm-up of 20,000 events, after 200,000 (the ring is full), and after
 * 1,000,000 events, each time once flush() has resolved and after a full GC
 * (`gc()`, exposed by --js-flags=--expose-gc; no DevTools protocol needed).
 * The ring lives in the worker and IndexedDB, not in this heap.
 */
import { flushed, keepUp, logTicksPaced, param, runBench, sleep, traceAgent } from './common';

interface MemoryInfo {
  usedJSHeapSize: number;
}

runBench(async () => {
  const n = param('n', 1_000_000);
  const ring = param('ring', 200_000);
  const chunk = param('chunk', 5_000);
  const pace = param('pace', 50_000);
  const warm = param('warm', 20_000);
  const memory = (performance as unknown as { memory?: MemoryInfo }).memory;
  if (!memory) throw new Error('performance.memory is missing (Chromium only)');
  const gc = (globalThis as unknown as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('gc() is missing: Chromium needs --js-flags=--expose-gc');
  const ta = await traceAgent();
  const pacing = keepUp(ta, pace);

  let logged = 0;
  let lost = 0;
  const heapAfter = async (upTo: number): Promise<number> => {
    await logTicksPaced(ta, logged, upTo, chunk, pacing);
    logged = upTo;
    lost += (await flushed(ta)).lost;
    await sleep(50);
    gc();
    return memory.usedJSHeapSize / 2 ** 20;
  };

  const start = await heapAfter(warm);
  const atRing = await heapAfter(ring);
  const atN = await heapAfter(n);
  const s = ta.stats();
  if (lost !== 0 || s.dropped !== 0) throw new Error(`events lost: ${lost} not acked, ${s.dropped} dropped`);
  return {
    figures: { heap_mb_start: start, heap_mb_200k: atRing, heap_mb_1m: atN },
    info: { stored: s.stored, evicted: s.evicted },
  };
});
