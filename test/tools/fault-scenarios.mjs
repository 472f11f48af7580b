// Labelled synthetic game sessions for `npm run eval:faults`.
//
// A session is a profile (the game's agents and their habits: call rates,
// latencies, error rates, events, frames, heap) played tick by tick (100 ms
// of trace time, as the page's batches), optionally with one fault injected
// at a given time. Everything is drawn from a seeded PRNG: the same seed gives
// the same session.
//
// To add a fault: add an entry to FAULTS with its sizes, what it does to the
// session (any of the hooks below), and `detects(notice, fault)`: whether a
// notice of the engine is the warning a developer needs for it (it must name
// the method or the agent at fault where the fault has one). To add a clean
// profile: add an entry to PROFILES.
//
// Hooks a fault may have (all optional), called while the session is played:
//   setup(session, size, rand)            pick a victim, keep what it needs on `session.fault`
//   call(session, call, t)                change one call (dur, failed) at trace time t
//   extra(session, t, push, rand)         add entries in the tick starting at t (push(entry fields))
//   frames(session, t, times)             change the frame times of the second starting at t
//   heap(session, t, mb)                  the heap figure (MB) the page reports at t
// and `active(session, t)`: whether the fault is on at t (from `at` for its `lasts` ms by default).
//
// The profiles and the faults were written before any constant of the engine
// was looked at against them (see eval-faults.mjs on seeds).
//
// The unit tests' seeded PRNG is imported (a .ts file): eval-faults.mjs bundles
// this module with vite before Node imports it.
import { rng } from '../unit/analytics/rng';

/** A standard normal draw (Box–Muller). */
function gauss(rand) {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}
const logUniform = (rand, lo, hi) => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rand());

const AGENTS = ['npc', 'director', 'pathfinder', 'combat', 'dialogue', 'inventory', 'weather', 'quest', 'ai', 'physics', 'audio', 'ui', 'net', 'shop', 'camera', 'spawner'];
const VERBS = ['decide', 'plan', 'update', 'act', 'step', 'think', 'sync', 'score', 'resolve', 'tick', 'query', 'render'];

/**
 * A method: calls per second, usual latency (ms) and its log-normal spread,
 * error share; `burst` (0..1): the share of seconds in which it calls 5× as often.
 */
function m(agent, method, rate, ms, sigma = 0.2, errorShare = 0, burst = 0) {
  return { agent, method, rate, ms, sigma, errorShare, burst };
}

/** `n` methods drawn at random, none named like one of `fixed` (two methods of one name would be one method to the engine). */
function randomMethods(rand, n, { rate: [r0, r1], ms: [m0, m1], sigma }, fixed = []) {
  const out = [];
  const seen = new Set(fixed.map((x) => `${x.agent}.${x.method}`));
  while (out.length < n) {
    const agent = AGENTS[Math.floor(rand() * AGENTS.length)];
    const method = VERBS[Math.floor(rand() * VERBS.length)];
    if (seen.has(`${agent}.${method}`)) continue;
    seen.add(`${agent}.${method}`);
    out.push(m(agent, method, logUniform(rand, r0, r1), logUniform(rand, m0, m1), sigma));
  }
  return out;
}

/** The fixed methods of a profile and `n` random ones (with `burst`). */
function withRandom(rand, fixed, n, spec, burst = 0) {
  return [...fixed, ...randomMethods(rand, n, spec, fixed).map((x) => ({ ...x, burst }))];
}

/**
 * Clean profiles: how a game behaves when nothing is wrong. Each returns
 * { methods, eventsPerSecond, eventBurst, frameMs, frameJitter, heapMb, heapSaw }.
 */
export const PROFILES = {
  /** A menu or a quiet scene: a per-frame tick, a few slow-paced agents. */
  idle: (rand) => ({
    methods: withRandom(rand, [m('world', 'tick', 60, 0.3, 0.15), m('ui', 'update', 10, 0.5), m('npc', 'idle', 2, 1), m('ambient', 'sound', 1, 0.2)], 2, { rate: [0.5, 3], ms: [0.5, 5], sigma: 0.2 }),
    eventsPerSecond: 5,
    eventBurst: 0,
    frameMs: 16.7,
    frameJitter: 0.03,
    heapMb: 30,
    heapSaw: 0.2,
  }),
  /** A busy scene: two dozen agent methods at 5–150 calls a second, 0.2–8 ms each. */
  busy: (rand) => ({
    methods: withRandom(rand, [m('world', 'tick', 60, 0.5, 0.15)], 23, { rate: [5, 150], ms: [0.2, 8], sigma: 0.25 }),
    eventsPerSecond: 200,
    eventBurst: 0,
    frameMs: 16.7,
    frameJitter: 0.08,
    heapMb: 80,
    heapSaw: 1,
  }),
  /** Waves of activity: methods that call 5× as often in a third of the seconds, heavier latency tails, event bursts. */
  bursty: (rand) => ({
    methods: withRandom(rand, [m('world', 'tick', 60, 0.4, 0.2)], 9, { rate: [5, 60], ms: [0.3, 10], sigma: 0.35 }, 0.3),
    eventsPerSecond: 60,
    eventBurst: 0.3,
    frameMs: 16.7,
    frameJitter: 0.12,
    heapMb: 60,
    heapSaw: 2,
  }),
  /** A slow-but-steady path planner (~150 ms, twice a second), a network sync that fails 5 % of the time, and ordinary methods. */
  'slow-steady': (rand) => ({
    methods: withRandom(rand, [m('world', 'tick', 60, 0.4, 0.15), m('pathfinder', 'plan', 2, 150, 0.3), m('net', 'sync', 20, 4, 0.3, 0.05)], 6, { rate: [5, 60], ms: [0.3, 6], sigma: 0.25 }),
    eventsPerSecond: 40,
    eventBurst: 0,
    frameMs: 16.7,
    frameJitter: 0.05,
    heapMb: 50,
    heapSaw: 0.5,
  }),
};

/** A victim method: one of those called at least 10 times a second (other than the per-frame world tick), chosen by the session's PRNG. */
function pickVictim(session, rand) {
  const candidates = session.methods.filter((x) => x.rate >= 10 && x.agent !== 'world' && x.errorShare === 0);
  return candidates[Math.floor(rand() * candidates.length)];
}

/**
 * The faults. `sizes`: the sizes reported; `lasts`: how long it is on (ms);
 * `detects(notice, session)`: a notice that is the warning for it.
 */
export const FAULTS = {
  /** One method among many turns `size` times slower for 10 s. */
  slowdown: {
    sizes: [2, 5, 40],
    label: (size) => `×${size}`,
    lasts: 10_000,
    setup(s, size, rand) {
      s.fault.victim = pickVictim(s, rand);
      s.fault.factor = size;
    },
    call(s, c) {
      if (c.m === s.fault.victim) c.dur *= s.fault.factor;
    },
    detects: (n, s) => n.kind === 'anomaly' && n.anomaly.metric === 'latency' && n.anomaly.agent === `${s.fault.victim.agent}.${s.fault.victim.method}`,
  },
  /** One method that used to succeed fails `size` times in a row. */
  errors: {
    sizes: [3, 10, 50],
    label: (size) => `${size} failures`,
    lasts: Infinity,
    setup(s, size, rand) {
      s.fault.victim = pickVictim(s, rand);
      s.fault.left = size;
    },
    call(s, c) {
      if (c.m === s.fault.victim && s.fault.left > 0) {
        c.failed = true;
        s.fault.left--;
      }
    },
    detects: (n, s) => n.kind === 'anomaly' && n.anomaly.metric === 'errorRate' && (n.anomaly.agent ?? n.anomaly.culprits?.[0]?.name) === `${s.fault.victim.agent}.${s.fault.victim.method}`,
  },
  /** An agent stuck: the same replan('home') → 'home' four times a tick, for 10 s. */
  loop: {
    sizes: [1],
    label: () => 'stuck replan',
    lasts: 10_000,
    setup(s, _size, rand) {
      s.fault.victim = pickVictim(s, rand);
    },
    extra(s, t, push) {
      for (let r = 0; r < 4; r++) push({ ts: t + 7 + r, kind: 'agent', type: `${s.fault.victim.agent}.replan`, source: s.fault.victim.agent, method: 'replan', dur: 0.5, status: 'ok', args: ['home'], result: 'home' });
    },
    detects: (n, s) => (n.kind === 'loop' && n.loop.agent === s.fault.victim.agent) || (n.kind === 'alert' && n.alert.name === 'agent-loop' && n.alert.to === 'firing'),
  },
  /** The heap grows by 3 MB a second for 30 s. */
  'memory-leak': {
    sizes: [3],
    label: (size) => `+${size} MB/s`,
    lasts: 30_000,
    setup(s, size) {
      s.fault.rate = size;
    },
    heap: (s, t, mb) => mb + (s.fault.rate * Math.min(t - s.fault.at, 30_000)) / 1000,
    detects: (n) => n.kind === 'anomaly' && n.anomaly.metric === 'memory',
  },
  /** Frames of ~80 ms (12 fps) for 5 s. */
  'frame-storm': {
    sizes: [80],
    label: (size) => `${size} ms frames`,
    lasts: 5_000,
    setup(s, size) {
      s.fault.frameMs = size;
    },
    frames(s, _t, times, rand) {
      for (let i = 0; i < times.length; i++) times[i] = s.fault.frameMs * (0.9 + 0.2 * rand());
      times.length = Math.round(1000 / s.fault.frameMs);
    },
    detects: (n) => (n.kind === 'anomaly' && n.anomaly.metric === 'frameTime') || (n.kind === 'alert' && n.alert.to === 'firing' && ['low-fps', 'frame-hitch', 'slow-frames'].includes(n.alert.name)),
  },
  /** 8,000 extra custom events a second for 5 s. */
  'event-flood': {
    sizes: [8_000],
    label: (size) => `+${size}/s`,
    lasts: 5_000,
    setup(s, size) {
      s.fault.perTick = size / 10;
    },
    extra(s, t, push) {
      for (let k = 0; k < s.fault.perTick; k++) push({ ts: t + 50 + (k * 40) / s.fault.perTick, kind: 'custom', type: 'particle:spawn', source: 'fx', data: { k } });
    },
    detects: (n) => (n.kind === 'anomaly' && n.anomaly.metric === 'eventRate') || (n.kind === 'alert' && n.alert.name === 'event-flood' && n.alert.to === 'firing'),
  },
};

/**
 * A session: `play(onTick)` calls onTick(entries, t, pageMetrics | null) for
 * every 100 ms tick, entries in ts order with seqs from 1; pageMetrics once a
 * second (as the page sends them).
 */
export function makeSession({ profile, seed, durationMs, fault = null }) {
  const rand = rng(seed);
  const p = PROFILES[profile](rand);
  const s = { profile, seed, durationMs, ...p, fault: null };
  if (fault) {
    const def = FAULTS[fault.kind];
    s.fault = { kind: fault.kind, size: fault.size, at: fault.at, def, lasts: fault.lasts ?? def.lasts };
    def.setup?.(s, fault.size, rand);
  }
  const phases = s.methods.map(() => rand());
  const active = (t) => s.fault !== null && t >= s.fault.at && t < s.fault.at + s.fault.lasts;
  s.play = (onTick) => {
    let seq = 0;
    let frame = 0;
    let burstOn = false;
    let eventBurstOn = false;
    for (let t = 0; t < durationMs; t += 100) {
      const entries = [];
      const push = (e) => entries.push({ sessionId: 'S', level: e.status === 'error' ? 'error' : 'info', frame: Math.floor(e.ts / 16.7), ...e });
      if (t % 1000 === 0) {
        burstOn = rand() < 0.3;
        eventBurstOn = p.eventBurst > 0 && rand() < p.eventBurst;
      }
      for (let j = 0; j < s.methods.length; j++) {
        const me = s.methods[j];
        const rate = me.rate * (me.burst > 0 && burstOn ? 5 : 1);
        // Calls at a regular pace with a random phase, each jittered within its slot.
        const step = 1000 / rate;
        const first = Math.ceil((t - phases[j] * step) / step);
        for (let k = first; phases[j] * step + k * step < t + 100; k++) {
          const ts = phases[j] * step + k * step + (rand() - 0.5) * 0.2 * Math.min(step, 100);
          const at = Math.min(t + 99.9, Math.max(t, ts));
          const c = { m: me, dur: me.ms * Math.exp(me.sigma * gauss(rand)), failed: rand() < me.errorShare };
          if (active(at)) s.fault.def.call?.(s, c, at);
          // Arguments as game code passes them (an entity id, a step count): the per-frame world tick takes none.
          const args = me.agent === 'world' ? undefined : [Math.floor(rand() * 50), k];
          push({ ts: at, kind: 'agent', type: `${me.agent}.${me.method}`, source: me.agent, method: me.method, args, dur: c.dur, status: c.failed ? 'error' : 'ok', ...(c.failed ? { error: { name: 'Error', message: `${me.method} failed` } } : {}) });
        }
      }
      const events = (p.eventsPerSecond * (eventBurstOn ? 10 : 1)) / 10;
      const nEvents = Math.floor(events) + (rand() < events % 1 ? 1 : 0);
      for (let k = 0; k < nEvents; k++) push({ ts: t + rand() * 99.9, kind: 'custom', type: 'game:event', source: 'game', data: { k } });
      if (active(t)) s.fault.def.extra?.(s, t, push, rand);
      let metrics = null;
      if (t % 1000 === 900) {
        const sec = t - 900;
        const times = [];
        for (let i = 0; i < 60; i++) times.push(p.frameMs * (1 + p.frameJitter * Math.max(-3, Math.min(3, gauss(rand)))));
        if (active(sec + 500)) s.fault.def.frames?.(s, sec, times, rand);
        push({ ts: t + 99, kind: 'perf', type: 'frame:stats', source: 'trace-agent', data: { frames: times.length, times, from: frame } });
        frame += times.length;
        // A heap that grows and is collected: a sawtooth of `heapSaw` MB a second, collected every 10 s, plus noise.
        let mb = p.heapMb + p.heapSaw * ((sec / 1000) % 10) + 0.05 * gauss(rand);
        if (s.fault !== null && sec >= s.fault.at && s.fault.def.heap) mb = s.fault.def.heap(s, sec, mb);
        metrics = { dropped: 0, memoryMb: Math.round(mb * 100) / 100 };
      }
      entries.sort((a, b) => a.ts - b.ts);
      for (const e of entries) e.seq = ++seq;
      onTick(entries, t, metrics);
    }
  };
  return s;
}
