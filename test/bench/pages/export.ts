/**
 * export_1m_ms, export_1m_bytes: the trace agent (drop-in script, fresh
 * data-db, data-capacity above 1,000,000 and a byte capacity that evicts
 * nothing) holds 1,000,000 logged events; `await TraceAgent.exportBlob()`
 * then writes the session's trace JSON as a Blob, block by block in the
 * store's worker. Timed from the call to the Blob, on the page's clock.
 *
 * Warm-up: the first 20,000 events are logged and exported once (the
 * worker's export code runs before its clock), then the rest of the million.
 * Checked outside the clock: the Blob parses, and holds every bench.tick.
 */
import { flushedHoldingAll, keepUp, logTicksPaced, param, runBench, traceAgent } from './common';

runBench(async () => {
  const n = param('n', 1_000_000);
  const chunk = param('chunk', 5_000);
  const pace = param('pace', 50_000);
  const warm = Math.min(param('warm', 20_000), n);
  const ta = await traceAgent();
  const pacing = keepUp(ta, pace);

  await logTicksPaced(ta, 0, warm, chunk, pacing);
  await ta.exportBlob(); // warm-up (it flushes first)
  await logTicksPaced(ta, warm, n, chunk, pacing);
  await flushedHoldingAll(ta);

  const t0 = performance.now();
  const blob = await ta.exportBlob();
  const elapsed = performance.now() - t0;

  const trace = JSON.parse(await blob.text()) as { entries: { type: string }[] };
  const ticks = trace.entries.filter((e) => e.type === 'bench.tick').length;
  if (ticks !== n) throw new Error(`the export holds ${ticks} of ${n} bench.tick entries`);
  return {
    figures: { export_1m_ms: elapsed, export_1m_bytes: blob.size },
    info: { entries: trace.entries.length },
  };
});
