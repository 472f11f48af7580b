/**
 * persist_events_per_s, logEvent_ns, logEvent_nodata_ns, logEvent_small_ns,
 * logEvent_100k_ns, lost_events, dropped_events, consoleLog_ns,
 * logEvent_bound_events_per_s, persist_busy_share: the trace agent itself, loaded by the
 * drop-in script tag the runner writes into this page (a fresh data-db, a
 * capacity larger than all events logged), and console.log of the same
 * payload on the same page, after the agent's streams.
 *
 * Logs N small events in chunks of a few thousand per task, then awaits
 * flush(). The producer keeps at most `pace` entries un-acked (waiting between
 * chunks when it is ahead), well below the client's backpressure limit, so the
 * figure is the rate the store sustains with nothing dropped.
 */
import { chunked, flushed, keepUp, logTicks, param, runBench, sleep, traceAgent } from './common';

runBench(async () => {
  const n = param('n', 500_000);
  const chunk = param('chunk', 5_000);
  const pace = param('pace', 50_000);
  const warm = param('warm', 20_000);
  const consoleN = param('consoleN', 100_000);
  const ta = await traceAgent();

  const pacing = keepUp(ta, pace);
  const log = (from: number, to: number) => logTicks(ta, from, to);

  await chunked(warm, chunk, log, pacing.before); // warm-up: JIT, worker, database
  await ta.flush();
  const before = ta.stats();
  const waitsBefore = pacing.waits();

  const t0 = performance.now();
  const busy = await chunked(n, chunk, log, pacing.before);
  await ta.flush();
  const elapsed = performance.now() - t0;
  const s = ta.stats();

  // Every event logged; the agent's own entries (a frame:hitch after a long chunk) may come on top.
  if (s.logged - before.logged < n) throw new Error(`logged ${s.logged - before.logged} of ${n} events (rejected?)`);

  // The same events at a game's heavy but not saturating rate: 1,000 every
  // 10 ms (100,000/s), where the worker and the browser's IndexedDB thread do
  // not compete with the main thread for this machine's cores.
  const paced = Math.min(n, 200_000);
  let pacedBusy = 0;
  for (let from = 0; from < paced; from += 1_000) {
    const t = performance.now();
    log(from, from + 1_000);
    pacedBusy += performance.now() - t;
    await sleep(10);
  }
  // The same saturating stream, N/5 events each, with a type only and with a
  // 5-key object (the bench's 3 keys and two more), paced and flushed alike.
  const variantN = Math.max(1_000, Math.round(n / 5));
  const variant = async (body: (i: number) => void): Promise<number> => {
    const busy = await chunked(variantN, chunk, (from, to) => {
      for (let i = from; i < to; i++) body(i);
    }, pacing.before);
    await ta.flush();
    return (busy * 1e6) / variantN;
  };
  const nodataNs = await variant(() => ta.logEvent('bench.tick'));
  const smallNs = await variant((i) => ta.logEvent('bench.tick', { i, x: 1.5, name: 'npc', alive: true, hp: 100 }));
  const end = await flushed(ta);
  // The analytics engine's own account of its time in the worker, per entry, over every entry of this page.
  const engine = (await ta.generateStats()).engine;

  // console.log of the same payload, on the same page, with no DevTools
  // client attached: what it costs in a player's browser. Warmed up too.
  const consoleLog = (from: number, to: number) => {
    for (let i = from; i < to; i++) console.log('bench.tick', { i, x: 1.5, name: 'npc' });
  };
  await chunked(Math.min(10_000, consoleN), chunk, consoleLog);
  const consoleBusy = await chunked(consoleN, chunk, consoleLog);

  return {
    figures: {
      persist_events_per_s: n / (elapsed / 1000),
      logEvent_ns: (busy * 1e6) / n,
      logEvent_nodata_ns: nodataNs,
      logEvent_small_ns: smallNs,
      logEvent_100k_ns: (pacedBusy * 1e6) / paced,
      lost_events: end.lost,
      dropped_events: end.dropped,
      consoleLog_ns: (consoleBusy * 1e6) / consoleN,
      // What bounds persist from the page's side: the rate at which it can log at all (N / its logging time),
      // and how much of the stream's elapsed time it spent logging (persist / that bound): near 1, the page
      // is the limit; well below it, the page waited for the store (pacingWaits in info).
      logEvent_bound_events_per_s: n / (busy / 1000),
      persist_busy_share: busy / elapsed,
    },
    // The engine on this stream of events alone (analytics_ns_per_event, on the analytics page, has agent calls in it).
    // engineShare: the worker's analytics time over the stream's elapsed time (the engine's own clock; README: what bounds persist).
    info: { engineShare: engine.nsPerEntry === null ? null : Math.round(((engine.nsPerEntry * (s.logged - before.logged)) / 1e6 / elapsed) * 100) / 100, engineNsPerEntry: engine.nsPerEntry, thread: s.storage.thread, backend: s.storage.backend, otherEntries: s.logged - before.logged - n, pacingWaits: pacing.waits() - waitsBefore },
  };
});
