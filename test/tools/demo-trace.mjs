// A demo-like trace file of N entries, for the CLI's tests and its 1M-entry
// run (cli-1m.mjs): the demo's agents (npc.decide, npc.move, director.plan
// async, pathfinder.findPath), its custom and player events, state changes,
// a story walking its graph, and one frame:stats entry a second. Seeded: the
// same options give the same file. A fault can be injected from an entry on:
// one method made slow (`slow`: × its latency) or failing (`failShare`).
//
//   node test/tools/demo-trace.mjs <entries> <out.json[.gz]> [--seed n] [--fault agent.method] [--slow x] [--fail share] [--from entry]
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';

/** Mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = [
  { agent: 'npc', method: 'decide', ms: 0.4, share: 0.35, results: ['wander', 'chase', 'flee', 'wait'] },
  { agent: 'npc', method: 'move', ms: 0.15, share: 0.3 },
  { agent: 'pathfinder', method: 'findPath', ms: 2.5, share: 0.1, errorShare: 0.01 },
  { agent: 'director', method: 'plan', ms: 12, share: 0.05, async: true },
];
const EVENTS = [
  { type: 'director:event', kind: 'custom', source: 'director', data: (r) => ({ event: r() < 0.5 ? 'wave' : 'calm', tension: Math.round(r() * 100) / 100 }) },
  { type: 'item:pickup', kind: 'player', source: 'game', data: (r) => ({ item: r() < 0.5 ? 'coin' : 'potion', value: 1 + Math.floor(r() * 9) }) },
  { type: 'enemy:defeated', kind: 'player', source: 'game', data: (r) => ({ enemy: `e${Math.floor(r() * 40)}` }) },
  { type: 'state:change', kind: 'state', source: 'state', data: (r) => ({ path: 'player.hp', prev: Math.floor(r() * 100), next: Math.floor(r() * 100) }) },
];
const STORY = ['village', 'forest', 'cave', 'river', 'castle', 'tower', 'village'];

export const SESSION = 'demo-session';

/** The header of the file, as the overlay's download writes it. */
export function demoHeader(n, seed = 1) {
  return {
    format: 'trace-agent',
    schemaVersion: 1,
    generator: { name: 'trace-agent', version: '0.1.0' },
    exportedAt: '2026-12-06T00:00:00.000Z',
    session: SESSION,
    sessions: [{ id: SESSION, startedAt: 1_765_000_000_000 + seed, firstSeq: 1, lastSeq: n, entries: n }],
    config: { seed },
    counters: { logged: n, rejected: 0, truncated: 0, redacted: 0, dropped: 0, droppedByStore: 0, internalErrors: 0, acked: 0, stored: 0, storedBytes: 0, evicted: 0, deleted: 0, recovered: 0, lostOnUnload: 0, paused: 0 },
    storage: { thread: 'worker', backend: 'indexeddb', problems: [] },
  };
}

/**
 * The entries, one at a time: ~2,000 a second of trace time.
 * fault: { method: 'agent.method', slow?: factor, failShare?: share, from?: entry index }
 */
export function* demoEntries(n, { seed = 1, fault = null, storySeed = seed } = {}) {
  const r = rng(seed);
  const rs = rng(storySeed);
  const step = 0.5; // ms of trace time an entry
  let spanId = 0;
  let lastSecond = 0;
  let story = 0;
  let storyAt = 0;
  for (let seq = 1; seq <= n; seq++) {
    const ts = Math.round(seq * step * 1000) / 1000;
    const frame = Math.floor(ts / 16.7);
    const base = { seq, ts, sessionId: SESSION, frame };
    if (Math.floor(ts / 1000) > lastSecond) {
      lastSecond = Math.floor(ts / 1000);
      const times = Array.from({ length: 60 }, () => Math.round((16.6 + (r() - 0.5) * 1.2 + (r() < 0.02 ? 20 * r() : 0)) * 100) / 100);
      yield { ...base, kind: 'perf', type: 'frame:stats', level: 'info', source: 'trace-agent', data: { frames: 60, times, from: frame - 60 } };
      continue;
    }
    if (ts - storyAt >= 1_000 && seq < n) {
      // The story moves every second; which way is the story seed's.
      const from = STORY[story % STORY.length];
      story += rs() < 0.8 ? 1 : 2;
      const to = STORY[story % STORY.length];
      yield { ...base, kind: 'player', type: 'story:transition', level: 'info', source: 'story', data: { from, to, via: 'choose', dwellMs: Math.round(ts - storyAt), choice: to } };
      storyAt = ts;
      continue;
    }
    const pick = r();
    if (pick < 0.8) {
      let acc = 0;
      let m = METHODS[METHODS.length - 1];
      for (const x of METHODS) if (pick < (acc += x.share)) { m = x; break; }
      const name = `${m.agent}.${m.method}`;
      const faulty = fault && fault.method === name && seq >= (fault.from ?? 0);
      const dur = Math.round(m.ms * (faulty && fault.slow ? fault.slow : 1) * Math.exp(0.25 * (r() + r() + r() - 1.5)) * 1000) / 1000;
      const failed = r() < (faulty && fault.failShare !== undefined ? fault.failShare : m.errorShare ?? 0);
      const e = { ...base, kind: 'agent', type: name, level: failed ? 'error' : 'info', source: m.agent, method: m.method, spanId: ++spanId, dur, status: failed ? 'error' : 'ok', args: [Math.floor(r() * 40)] };
      if (m.async) e.async = true;
      else e.async = false;
      if (failed) e.error = { name: 'Error', message: `${name} failed: no route to "x\\y"` };
      else if (m.results) e.result = m.results[Math.floor(r() * m.results.length)];
      yield e;
      continue;
    }
    const ev = EVENTS[Math.floor(r() * EVENTS.length)];
    yield { ...base, kind: ev.kind, type: ev.type, level: 'info', source: ev.source, data: ev.data(r) };
  }
}

/** Writes the trace of `n` entries to `path` (gzipped when it ends in .gz); resolves with its size in bytes written. */
export async function writeDemoTrace(path, n, opts = {}) {
  const file = createWriteStream(path);
  const gz = path.endsWith('.gz') ? createGzip() : null;
  if (gz) gz.pipe(file);
  const out = gz ?? file;
  const head = JSON.stringify(demoHeader(n, opts.seed ?? 1));
  let chunk = head.slice(0, -1) + ',"entries":[';
  let first = true;
  const write = async (s) => {
    if (!out.write(s)) await new Promise((resolve) => out.once('drain', resolve));
  };
  for (const e of demoEntries(n, opts)) {
    chunk += (first ? '' : ',') + JSON.stringify(e);
    first = false;
    if (chunk.length > 65_536) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk + ']}');
  await new Promise((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
    out.end();
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [n, out, ...rest] = process.argv.slice(2);
  if (!n || !out) {
    console.error('usage: node test/tools/demo-trace.mjs <entries> <out.json[.gz]> [--seed n] [--fault agent.method] [--slow x] [--fail share] [--from entry]');
    process.exit(2);
  }
  const opt = (name) => {
    const k = rest.indexOf(name);
    return k >= 0 ? rest[k + 1] : undefined;
  };
  const method = opt('--fault');
  const fault = method ? { method, slow: opt('--slow') ? Number(opt('--slow')) : undefined, failShare: opt('--fail') ? Number(opt('--fail')) : undefined, from: Number(opt('--from') ?? 0) } : null;
  const t0 = performance.now();
  await writeDemoTrace(out, Number(n), { seed: Number(opt('--seed') ?? 1), fault });
  console.log(`${n} entries written to ${out} in ${Math.round(performance.now() - t0)} ms`);
}
