/**
 * plainCall_ns, hookedCall_ns: a method of a small agent object,
 * `npc.decide(i)` returning a small object, called in a loop on the same
 * page in the same run: first as it is, then hooked with
 * `TraceAgent.hook(npc, 'npc')`, where every call becomes a span (its
 * arguments, result and duration) stored by the running store.
 *
 * Per call: the main thread's time inside the chunks / calls. The plain loop
 * runs in large chunks (a call costs a few ns; performance.now() has 100 µs
 * steps here); the hooked loop in chunks of a few thousand, paced like the
 * persist page so that nothing is dropped. Every hooked call must be logged,
 * and after flush() every entry acked.
 */
import { chunked, flushed, keepUp, param, runBench, traceAgent } from './common';

runBench(async () => {
  const n = param('n', 250_000);
  const chunk = param('chunk', 5_000);
  const pace = param('pace', 50_000);
  const warm = param('warm', 20_000);
  const plainN = param('plainN', 10_000_000);
  const plainChunk = param('plainChunk', 500_000);
  const ta = await traceAgent();

  const npc = {
    name: 'npc',
    mood: 0,
    decide(i: number): { action: string; mood: number; i: number } {
      this.mood = (this.mood + i) % 7;
      return { action: this.mood > 3 ? 'wander' : 'wait', mood: this.mood, i };
    },
  };
  let sink = 0; // the results are used, so the calls cannot be optimised away
  const call = (from: number, to: number) => {
    for (let i = from; i < to; i++) sink += npc.decide(i).mood;
  };

  await chunked(Math.min(plainN, 1_000_000), plainChunk, call); // warm-up
  const plainBusy = await chunked(plainN, plainChunk, call);

  const hooked = ta.hook(npc, 'npc');
  if (!hooked[0]?.methods.includes('decide')) throw new Error(`hook(npc) did not hook decide: ${JSON.stringify(hooked)}`);
  const pacing = keepUp(ta, pace);
  await chunked(warm, chunk, call, pacing.before); // warm-up
  await ta.flush();
  const before = ta.stats();
  const hookedBusy = await chunked(n, chunk, call, pacing.before);
  const s = await flushed(ta);
  ta.unhook(npc);
  // At least one span per call (the agent's own system entries may come on top).
  if (s.logged - before.logged < n) throw new Error(`${n} hooked calls logged ${s.logged - before.logged} entries`);
  if (s.lost !== 0 || s.dropped !== 0) throw new Error(`spans lost: ${s.lost} not acked, ${s.dropped} dropped`);

  // The same, hooked without copying arguments and results: what the span's timing and bookkeeping cost alone.
  ta.hook(npc, 'npc', { captureArgs: false, captureResult: false });
  await chunked(warm, chunk, call, pacing.before);
  await ta.flush();
  const bareBefore = ta.stats();
  const bareBusy = await chunked(n, chunk, call, pacing.before);
  const bare = await flushed(ta);
  ta.unhook(npc);
  if (bare.logged - bareBefore.logged < n) throw new Error(`${n} hooked calls (no capture) logged ${bare.logged - bareBefore.logged} entries`);
  if (bare.lost !== 0 || bare.dropped !== 0) throw new Error(`spans lost: ${bare.lost} not acked, ${bare.dropped} dropped`);

  return {
    figures: { plainCall_ns: (plainBusy * 1e6) / plainN, hookedCall_ns: (hookedBusy * 1e6) / n, hookedCallNoCapture_ns: (bareBusy * 1e6) / n },
    info: { sink: sink % 10, otherEntries: s.logged - before.logged - n, pacingWaits: pacing.waits() },
  };
});
