// The analytics page's stream (test/bench/pages/analytics.ts) as entries and
// batches, and the lockstep timing of two engine builds on it: shared by
// engine-cost.mjs in Node and the Chromium page it builds (--browser).

/** The stream's entries, in the order the page logs them (spans at their end). */
export function entries(methods, seconds, rate) {
  const out = [];
  let seq = 0;
  let calls = 0;
  const step = 1000 / rate;
  for (let k = 0; k < seconds * rate; k++) {
    const ts = k * step;
    if (k % Math.round(rate) === rate - 1) {
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
export function batches(BatchEncoder, list) {
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
function round(builds, names, sets, clock) {
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

/**
 * `builds`: name → { AnalyticsEngine, BatchEncoder }. Two warm-up rounds, then
 * `rounds` rounds; which build is fed first swaps every round too (a build fed
 * first may pay for what the other then finds warm). Returns each build's ns
 * per entry a round, and (with a head and a base) the median of the per-round ratios head/base.
 */
export function measure(builds, list, rounds, clock) {
  const names = Object.keys(builds);
  const sets = Object.fromEntries(names.map((n) => [n, batches(builds[n].BatchEncoder, list)]));
  const ns = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < 2; r++) round(builds, names, sets, clock);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    round(builds, order, sets, clock).forEach((x, j) => ns[order[j]].push(x));
  }
  return { ns, median: Object.fromEntries(names.map((k) => [k, median(ns[k])])), ratio: ns.head && ns.base ? median(ns.head.map((h, i) => h / ns.base[i])) : null };
}
