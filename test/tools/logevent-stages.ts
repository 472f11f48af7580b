/**
 * The page of `node test/tools/logevent-cost.mjs`: where the time of one
 * `logEvent` goes, each stage of the path timed on its own in headless
 * Chromium (the product's V8), many calls per sample, the stages interleaved
 * round by round so that the machine's other load falls on all of them alike.
 *
 * Stages, for each payload (none, the bench's 3 keys, 5 keys):
 *   alloc    making the payload object alone (the game's part of every stage that makes one)
 *   clock    now(), the captured performance.now
 *   copy     Copier.copy(data), the safe copy (redaction and limits on)
 *   copyNoRedact  the same with redactKeys null: what redaction costs
 *   json     copyJson(copy), the rest line of the entry
 *   encode   BatchEncoder.add(entry) and its take() every 1,000: JSON + columns + the batch's join
 *   core     TraceCore.logEvent into a sink that keeps nothing: checks, copy, clock, the entry object
 *   batched  core into a Batcher whose batches go nowhere: core + encode
 *   posted   core into a Batcher that posts each batch to a worker that drops it: the page's whole path
 *   drop     the same path but entries written to the agent's public arrow (as the drop-in script calls it)
 *   otel     an OpenTelemetry span as the bench's otel page makes it (BatchSpanProcessor, in-memory
 *            exporter, flushed between samples outside the clock): the issue's ratio under the same load
 *
 * Not run unless asked for (`--stages`), per entry of a full batch of 1,000:
 *   jsonOwn     flatJson (below) in place of copyJson: a JSON writer of our own, for the record
 *   coreEncode  core writing straight into an encoder (no Batcher): batched without the Batcher class
 *   postBatch   postMessage of a full batch made beforehand (the structured clone alone)
 *   postCols, postRest  of its columns' ArrayBuffer alone, of its rest string alone
 *   postXfer    a copy of that ArrayBuffer, transferred; sliceBuf  the copy alone
 *   slice4k, slice16k, slice32k  copies of 4, 16 and 32 KB; xfer4k  a new 4 KB buffer transferred
 *   postTiny    a message of one short string: the fixed cost of a post
 *   postFlat    the batch's message with its column buffer in place of its views: what the views cost
 *
 * What each stage adds is the difference of two lines (README: the breakdown).
 */
import { trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { TraceCore, type EntrySink } from '../../src/core/agent';
import { now } from '../../src/core/clock';
import { BatchEncoder, copyJson } from '../../src/core/columns';
import type { TraceEntry } from '../../src/core/entry';
import { Copier, DEFAULT_LIMITS } from '../../src/core/safe-copy';
import { Batcher } from '../../src/store/batcher';
import { toWire } from '../../src/store/wire';

const params = new URLSearchParams(location.search);
const token = params.get('token');
const CALLS = Number(params.get('calls') ?? 20_000);
const ROUNDS = Number(params.get('rounds') ?? 15);
const QUANTILE = Number(params.get('quantile') ?? 0.1);

type Payload = 'none' | 'small3' | 'small5';
const PAYLOADS: Payload[] = ['none', 'small3', 'small5'];
/** A fresh object per call, as a game logs them. */
const data = (p: Payload, i: number): Record<string, unknown> | undefined =>
  p === 'none' ? undefined : p === 'small3' ? { i, x: 1.5, name: 'npc' } : { i, x: 1.5, name: 'npc', alive: true, hp: 100 };

const nullSink: EntrySink = { write: () => {} };
const timers = { setTimer: setTimeout.bind(globalThis), clearTimer: clearTimeout.bind(globalThis) };
const batcherOpts = { maxBatch: 1_000, flushMs: 100, maxUnacked: Infinity, maxUnackedBytes: Infinity };
const session = { id: 'stages', startedAt: Date.now() };

const worker = new Worker(URL.createObjectURL(new Blob(['onmessage = () => {};'], { type: 'text/javascript' })));

/**
 * A sink into a Batcher; `post` true: each batch goes to the worker (a
 * structured clone, so the batcher may reuse its buffer, as the client lets it
 * for a worker) and is settled at once, as if acked.
 */
function batchSink(post: boolean): EntrySink {
  const b: Batcher = new Batcher(session, batcherOpts, timers, (msg) => {
    if (post) worker.postMessage(toWire(msg)); // as the worker transport posts it
    b.settle(msg.sessionId, msg.firstSeq, msg.lastSeq, post);
  });
  return { write: (e) => void b.add(e) };
}

let sink = 0; // what the loops leave behind, so that nothing is optimised away
const copier = new Copier(DEFAULT_LIMITS);
const plainCopier = new Copier({ ...DEFAULT_LIMITS, redactKeys: null });
const encoder = new BatchEncoder(1_000);
const coreNull = new TraceCore(nullSink);
const coreBatched = new TraceCore(batchSink(false));
const corePosted = new TraceCore(batchSink(true));
const dropIn = new TraceCore(batchSink(true));
const enc2 = new BatchEncoder(1_000);
const coreEncoded = new TraceCore({
  write: (e) => {
    enc2.add(e);
    if (enc2.full) sink += enc2.take().count;
  },
});
const exporter = new InMemorySpanExporter();
const provider = new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
provider.register();
const tracer = trace.getTracer('stages');
const api = { logEvent: (type: string, d?: Record<string, unknown>) => dropIn.logEvent(type, d) };

/** The data the core stamps on an entry logged with a type only (whatever this checkout makes it). */
const typeOnlyData = (() => {
  let d: unknown;
  new TraceCore({ write: (e) => void (d = e.data) }).logEvent('bench.tick');
  return d;
})();

function entryOf(p: Payload, i: number): TraceEntry {
  return { seq: i + 1, ts: i / 1000, sessionId: 's', kind: 'custom', type: 'bench.tick', level: 'info', frame: 0, data: p === 'none' ? typeOnlyData : copier.copy(data(p, i)) };
}

const batches: Record<string, ReturnType<BatchEncoder['take']>> = {};
function batchOf(p: Payload): ReturnType<BatchEncoder['take']> {
  if (!batches[p]) {
    const e = new BatchEncoder(1_000);
    for (let i = 0; i < 1_000; i++) e.add(entryOf(p, i));
    batches[p] = e.take();
  }
  return batches[p];
}

/** A JSON writer of our own for flat objects of strings, numbers and booleans: against V8's (stage jsonOwn). */
function flatJson(o: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const k in o) {
    const v = o[k];
    out += (first ? '"' : ',"') + k + '":' + (typeof v === 'string' ? JSON.stringify(v) : String(v));
    first = false;
  }
  return out + '}';
}

/** One sample of a stage: CALLS calls; returns ns per call. Inputs made outside the clock where the stage does not make them itself. */
function sample(stage: string, p: Payload): number {
  const inputs: unknown[] = [];
  if (stage === 'copy' || stage === 'copyNoRedact') for (let i = 0; i < CALLS; i++) inputs.push(data(p, i) ?? {});
  if (stage === 'json' || stage === 'jsonOwn') for (let i = 0; i < CALLS; i++) inputs.push(p === 'none' ? {} : copier.copy(data(p, i)));
  if (stage === 'encode') for (let i = 0; i < CALLS; i++) inputs.push(entryOf(p, i));
  const t0 = performance.now();
  switch (stage) {
    case 'clock':
      for (let i = 0; i < CALLS; i++) sink += now();
      break;
    case 'copy':
      for (let i = 0; i < CALLS; i++) sink += copier.copy(inputs[i]) === null ? 1 : 0;
      break;
    case 'copyNoRedact':
      for (let i = 0; i < CALLS; i++) sink += plainCopier.copy(inputs[i]) === null ? 1 : 0;
      break;
    case 'json':
      for (let i = 0; i < CALLS; i++) sink += copyJson(inputs[i])!.length;
      break;
    case 'jsonOwn':
      for (let i = 0; i < CALLS; i++) sink += flatJson(inputs[i] as Record<string, unknown>).length;
      break;
    case 'encode':
      for (let i = 0; i < CALLS; i++) {
        encoder.add(inputs[i] as TraceEntry);
        if (encoder.full) sink += encoder.take().count;
      }
      break;
    case 'core':
      for (let i = 0; i < CALLS; i++) coreNull.logEvent('bench.tick', data(p, i));
      break;
    case 'coreEncode':
      for (let i = 0; i < CALLS; i++) coreEncoded.logEvent('bench.tick', data(p, i));
      break;
    case 'batched':
      for (let i = 0; i < CALLS; i++) coreBatched.logEvent('bench.tick', data(p, i));
      break;
    case 'posted':
      for (let i = 0; i < CALLS; i++) corePosted.logEvent('bench.tick', data(p, i));
      break;
    case 'drop':
      for (let i = 0; i < CALLS; i++) api.logEvent('bench.tick', data(p, i));
      break;
    case 'postBatch':
    case 'postCols':
    case 'postRest':
    case 'postTiny': {
      // Posting what a full batch is made of (made outside the clock), per entry: the structured clone alone.
      const b = batchOf(p);
      const msg = stage === 'postBatch' ? toWire({ type: 'batch', sessionId: 's', startedAt: 0, firstSeq: 1, lastSeq: 1_000, count: 1_000, cols: b }) : stage === 'postCols' ? b.seq.buffer : stage === 'postRest' ? b.rest : { type: 'x' };
      for (let i = 0; i < CALLS; i += 1_000) worker.postMessage(msg);
      break;
    }
    case 'postFlat': {
      // The batch as one buffer and its strings, no typed-array views: what the views cost the clone.
      const b = batchOf(p);
      const msg = { type: 'batch', sessionId: 's', startedAt: 0, firstSeq: 1, lastSeq: 1_000, count: 1_000, cols: { count: b.count, buf: b.seq.buffer, strings: b.strings, rest: b.rest } };
      for (let i = 0; i < CALLS; i += 1_000) worker.postMessage(msg);
      break;
    }
    case 'postXfer':
    case 'xfer4k':
      for (let i = 0; i < CALLS; i += 1_000) {
        const c = stage === 'xfer4k' ? new ArrayBuffer(4096) : batchOf(p).seq.buffer.slice(0);
        worker.postMessage(c, [c]);
      }
      break;
    case 'sliceBuf':
    case 'slice4k':
    case 'slice16k':
    case 'slice32k': {
      const buf = batchOf(p).seq.buffer;
      const n = stage === 'slice4k' ? 4096 : stage === 'slice16k' ? 16384 : stage === 'slice32k' ? 32768 : buf.byteLength;
      for (let i = 0; i < CALLS; i += 1_000) sink += buf.slice(0, n).byteLength;
      break;
    }
    case 'otel':
      for (let i = 0; i < CALLS; i++) {
        const d = data(p, i);
        tracer.startSpan('bench.tick', d ? { attributes: d as Record<string, number | string | boolean> } : undefined).end();
      }
      break;
    case 'alloc':
      // Making the payload object alone: every other stage that takes `data(p, i)` in its loop includes this.
      for (let i = 0; i < CALLS; i++) sink += data(p, i) === undefined ? 1 : 0;
      break;
  }
  return ((performance.now() - t0) * 1e6) / CALLS;
}

const ALL_STAGES = ['alloc', 'clock', 'copy', 'copyNoRedact', 'json', 'encode', 'core', 'batched', 'posted', 'drop', 'otel'];
// `stages=drop&payloads=small3`: a subset (a profile of one stage).
const STAGES = params.get('stages')?.split(',') ?? ALL_STAGES;
const RUN_PAYLOADS = (params.get('payloads')?.split(',') as Payload[] | undefined) ?? PAYLOADS;
const yieldTask = () => new Promise<void>((r) => setTimeout(r, 0));

async function run(): Promise<Record<string, Record<string, number>>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (const p of RUN_PAYLOADS) {
      for (const s of STAGES) {
        const ns = sample(s, p);
        if (round >= 2) (samples[`${p}.${s}`] ??= []).push(ns); // two rounds of warm-up (JIT)
        if (s === 'otel') {
          await provider.forceFlush(); // outside the clock, as the otel page does: no span dropped
          exporter.reset();
        }
        await yieldTask(); // the posted batches are cloned off this task's clock by the worker; GC may run
      }
    }
  }
  // The 10th percentile: other load on the machine only ever adds time to a sample,
  // so a low quantile of many short samples is the stage's own cost (medians too, for the record).
  const out: Record<string, Record<string, number>> = {};
  for (const [k, xs] of Object.entries(samples)) {
    const [p, s] = k.split('.') as [string, string];
    xs.sort((a, b) => a - b);
    (out[p] ??= {})[s] = xs[Math.floor(xs.length * QUANTILE)]!;
  }
  return out;
}

run().then(
  (figures) => {
    for (const c of [coreNull, coreBatched, corePosted, dropIn]) if (c.counters.internalErrors > 0) throw new Error(`a stage's core counted ${c.counters.internalErrors} internal errors`);
    return figures;
  },
).then(
  (figures) => fetch('/result', { method: 'POST', body: JSON.stringify({ token, figures, info: { sink } }) }),
  (e: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify({ token, error: String((e as Error)?.stack ?? e) }) }),
);
