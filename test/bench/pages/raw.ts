/**
 * raw_block_write_events_per_s: the machine's limit for block writes. The page
 * batches the events (1,000 per batch) and serialises each batch once to a
 * JSON string before the clock starts; a bare worker (idb and nothing else)
 * writes one record per batch with durability 'relaxed' and acks it. The rate
 * runs from the first post to the last ack, as the page sees it.
 */
import { makeEvent, param, runBench, token } from './common';
import type { FromRawWorker } from './raw-worker';

runBench(async () => {
  const n = param('n', 500_000);
  const batch = param('batch', 1_000);
  const warm = param('warm', 20_000);

  const worker = new Worker(new URL('./raw-worker.ts', import.meta.url), { type: 'module', name: 'raw-block-writer' });
  let acked = 0;
  let waiter: { until: number; resolve: () => void } | null = null;
  let failed: (e: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  worker.onerror = (e) => failed(new Error(`raw worker: ${e.message}`));
  worker.onmessage = (e: MessageEvent<FromRawWorker>) => {
    const m = e.data;
    if ('error' in m) failed(new Error(`raw worker: ${m.error}`));
    else acked++; // 'ready' counts as ack number 0: see below
    if (waiter && acked >= waiter.until) waiter.resolve();
  };
  /** Resolves when `until` messages have come back from the worker (its 'ready' and the acks). */
  const acks = (until: number) => Promise.race([failure, new Promise<void>((resolve) => (acked >= until ? resolve() : (waiter = { until, resolve })))]);

  const batches = (first: number, count: number): string[] => {
    const out: string[] = [];
    for (let from = first; from < first + count; from += batch) {
      const events = [];
      for (let i = from; i < Math.min(first + count, from + batch); i++) events.push(makeEvent(i));
      out.push(JSON.stringify(events));
    }
    return out;
  };
  let key = 0;
  const send = (list: string[]) => {
    for (const json of list) worker.postMessage({ key: key++, json });
  };

  worker.postMessage({ open: `raw-${token}` });
  await acks(1); // ready

  const warmBatches = batches(0, warm); // warm-up
  send(warmBatches);
  await acks(1 + warmBatches.length);

  const measured = batches(warm, n); // serialised before the clock starts
  const t0 = performance.now();
  send(measured);
  await acks(1 + warmBatches.length + measured.length);
  const elapsed = performance.now() - t0;
  worker.terminate();
  return { figures: { raw_block_write_events_per_s: n / (elapsed / 1000) } };
});
