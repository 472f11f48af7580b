// `node test/tools/engine-cost.mjs [--base <dir>] [--rounds 7] [--methods 20,1000] [--seconds 10] [--rate 20000] [--clock cpu|wall]`
//
// The analytics engine's cost per entry in Node, on the stream of the bench's
// analytics page (test/bench/pages/analytics.ts): half `bench.tick` events,
// half agent calls (sync decide() spans of a few µs, every 50th failing;
// async plan() spans of 10–30 ms, every 40th failing) over `methods` methods,
// `rate` entries a second of trace time, one frame:stats entry a second,
// encoded by the page's BatchEncoder into batches of at most 1,000 entries
// or 100 ms, as the client posts them.
//
// With --base, the engine and encoder of another checkout (a worktree of the
// base commit) are bundled too, and each round times both on the same batches,
// alternately in the same process: the ratio head/base is per round, its
// median over the rounds is printed. Each consume() is timed by the
// process's CPU time (`--clock cpu`, the default: a loaded machine's other
// work does not count) or by performance.now() (`--clock wall`). Not a test; `npm run bench` holds the
// Chromium figures. Also a profile target: `node --cpu-prof test/tools/engine-cost.mjs`.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleForNode } from './bundle-for-node.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '7' },
    methods: { type: 'string', default: '20,1000' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20000' },
    clock: { type: 'string', default: 'cpu' },
  },
});
const ROUNDS = Number(opts.rounds);
const SECONDS = Number(opts.seconds);
const RATE = Number(opts.rate);
const METHODS = opts.methods.split(',').map(Number);
// CPU time of this process (µs steps): other work on a loaded machine preempts the wall clock, not this one.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const clock = opts.clock === 'wall' ? () => performance.now() : cpuMs;

async function load(root, out) {
  const m = await bundleForNode(out, { engine: join(root, 'src/analytics/engine.ts'), columns: join(root, 'src/store/columns.ts') });
  return { AnalyticsEngine: m.engine.AnalyticsEngine, BatchEncoder: m.columns.BatchEncoder };
}
const builds = { head: await load(ROOT, join(ROOT, 'test-results/engine-cost/head')) };
if (opts.base) builds.base = await load(resolve(opts.base), join(ROOT, 'test-results/engine-cost/base'));

/** The stream's entries, in the order the page logs them (spans at their end). */
function entries(methods) {
  const out = [];
  let seq = 0;
  let calls = 0;
  const step = 1000 / RATE;
  for (let k = 0; k < SECONDS * RATE; k++) {
    const ts = k * step;
    if (k % Math.round(RATE) === RATE - 1) {
      const times = Array.from({ length: 60 }, (_, j) => 16.7 + (j % 5) * 0.1);
      out.push({ seq: ++seq, ts, sessionId: 'S', kind: 'perf', type: 'frame:stats', source: 'trace-agent', level: 'info', frame: Math.floor(ts / 16.7), data: { frames: 60, times, from: Math.floor(ts / 16.7) - 60 } });
    }
    if (k % 2 === 0) {
      out.push({ seq: ++seq, ts, sessionId: 'S', kind: 'custom', type: 'bench.tick', level: 'info', frame: Math.floor(ts / 16.7), data: { i: k, x: 1.5, name: 'npc' } });
      continue;
    }
    const a = calls % methods;
    const i = Math.floor(calls++ / methods);
    const agent = `agent${a}`;
    const common = { sessionId: 'S', kind: 'agent', source: agent, spanId: seq + 1, frame: Math.floor(ts / 16.7), args: [i] };
    if (a % 2 === 0) {
      const failed = i % 50 === 7;
      out.push({ ...common, seq: ++seq, ts, type: `${agent}.decide`, method: 'decide', dur: 0.005 + (i % 7) * 0.001, status: failed ? 'error' : 'ok', level: failed ? 'error' : 'info', ...(failed ? { error: { name: 'Error', message: `${agent} cannot decide` } } : { result: { action: i % 3 === 0 ? 'wander' : 'wait', i } }) });
    } else {
      const failed = i % 40 === 3;
      const dur = 10 * (1 + (a % 3)) + (i % 10) * 0.1;
      out.push({ ...common, seq: ++seq, ts: ts + dur, type: `${agent}.plan`, method: 'plan', dur, async: true, status: failed ? 'error' : 'ok', level: failed ? 'error' : 'info', ...(failed ? { error: { name: 'Error', message: `${agent}: no path` } } : { result: { path: i % 17, i } }) });
    }
  }
  // In log order (an async span is logged when it ends), seqs in that order.
  out.sort((x, y) => x.ts - y.ts || x.seq - y.seq);
  out.forEach((e, j) => (e.seq = j + 1));
  return out;
}

/** Batches as the client posts them: at most 1,000 entries, or what 100 ms of trace time brings. */
function batches(BatchEncoder, list) {
  const out = [];
  const enc = new BatchEncoder(1_000);
  let n = 0;
  let until = 100;
  for (const e of list) {
    const ts = e.ts;
    if (n > 0 && (n === 1_000 || ts >= until)) {
      out.push(enc.take());
      n = 0;
    }
    while (ts >= until) until += 100;
    enc.add(e);
    n++;
  }
  if (n > 0) out.push(enc.take());
  return out;
}

/**
 * One round: a fresh engine of each build, fed the same batches in lockstep
 * (batch i to one, then to the other, the order alternating), each consume()
 * timed on its own: a load that comes and goes on the machine falls on both.
 */
function round(names, sets) {
  const engines = names.map((k) => new builds[k].AnalyticsEngine({ sessionId: 'S' }));
  const ms = names.map(() => 0);
  const count = sets[names[0]].length;
  let entriesIn = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < names.length; j++) {
      const e = (i % 2 === 0 ? j : names.length - 1 - j);
      const t0 = clock();
      engines[e].consume(sets[names[e]][i], 'S', () => 0);
      ms[e] += clock() - t0;
    }
    entriesIn += sets[names[0]][i].count;
  }
  return ms.map((m) => (m * 1e6) / entriesIn);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const methods of METHODS) {
  const list = entries(methods);
  const sets = Object.fromEntries(Object.entries(builds).map(([name, b]) => [name, batches(b.BatchEncoder, list)]));
  const names = Object.keys(builds);
  const ns = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < 2; r++) round(names, sets); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Which build is fed first swaps every round too (a build fed first may pay for what the other then finds warm).
    const order = r % 2 === 0 ? names : [...names].reverse();
    round(order, sets).forEach((x, j) => ns[order[j]].push(x));
  }
  const row = Object.entries(ns).map(([k, xs]) => `${k} ${median(xs).toFixed(0)} ns/entry (${xs.map((x) => x.toFixed(0)).join(' ')})`);
  const ratio = ns.base ? `  head/base ${median(ns.head.map((h, i) => h / ns.base[i])).toFixed(3)}` : '';
  console.log(`${methods} methods, ${list.length} entries: ${row.join('; ')}${ratio}`);
}
