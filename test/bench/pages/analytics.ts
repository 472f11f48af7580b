/**
 * analytics_ns_per_event, analytics_ns_per_event_1000_methods: what the
 * analytics engine costs per entry in the store's worker, on a stream like a
 * game built from agents writes: half small events, half agent calls (spans),
 * some of them failing, at 20,000 entries a second.
 *
 * The agents: `methods` objects (agent0 … agent999), each with one method,
 * hooked by `TraceAgent.hook(obj, 'agentK')`. Even agents decide() at once
 * (a sync span of a few µs; every 50th call throws), odd agents plan() and
 * answer 10 to 30 ms later (an async span settled by the page's tick; every
 * 40th call rejects). Phase one calls 20 of them in turn, phase two all 1,000.
 *
 * The figure is the engine's own account of its time (the worker's clock
 * around each stored batch's analysis, `generateStats().engine`) over the
 * entries of the phase alone. The page is cross-origin isolated, so that
 * clock (and the spans' durations) have 5 µs steps, not 100 µs.
 */
import { param, runBench, sleep, traceAgent, type TraceAgentApi } from './common';

interface Agent {
  decide?(i: number): { action: string; i: number };
  plan?(i: number): Promise<{ path: number; i: number }>;
}

runBench(async () => {
  const n = param('n', 100_000);
  const warm = param('warm', 20_000);
  const perTick = param('perTick', 200); // entries every 10 ms
  const methods = param('methods', 1_000);
  const few = param('few', 20);
  const ta = await traceAgent();

  // Async answers due at a later tick: [tick] -> settle functions.
  const due = new Map<number, (() => void)[]>();
  let tick = 0;
  const later = (ticks: number, settle: () => void) => {
    const at = tick + ticks;
    let list = due.get(at);
    if (!list) due.set(at, (list = []));
    list.push(settle);
  };
  const agents: Agent[] = [];
  for (let k = 0; k < methods; k++) {
    const agent: Agent =
      k % 2 === 0
        ? {
            decide(i: number) {
              if (i % 50 === 7) throw new Error(`agent${k} cannot decide`);
              return { action: i % 3 === 0 ? 'wander' : 'wait', i };
            },
          }
        : {
            plan(i: number) {
              return new Promise((resolve, reject) => later(1 + (k % 3), () => (i % 40 === 3 ? reject(new Error(`agent${k}: no path`)) : resolve({ path: i % 17, i }))));
            },
          };
    const report = ta.hook(agent, `agent${k}`);
    if (report[0]?.methods.length !== 1) throw new Error(`hook(agent${k}) hooked ${JSON.stringify(report)}`);
    agents.push(agent);
  }
  let calls = 0;
  let thrown = 0;
  const ignore = () => {};
  /** `total` entries at perTick every 10 ms, every other one a call of one of the first `spread` agents. */
  const stream = async (total: number, spread: number) => {
    for (let logged = 0; logged < total; ) {
      const end = Math.min(total, logged + perTick);
      for (; logged < end; logged++) {
        if (logged % 2 === 0) {
          ta.logEvent('bench.tick', { i: logged, x: 1.5, name: 'npc' });
          continue;
        }
        const a = agents[calls % spread]!;
        const i = Math.floor(calls++ / spread); // the agent's own call count
        try {
          if (a.decide) a.decide(i);
          else void a.plan!(i).then(ignore, ignore);
        } catch {
          thrown++;
        }
      }
      for (const settle of due.get(tick) ?? []) settle();
      due.delete(tick++);
      await sleep(10);
    }
    // Every call answered before the phase ends.
    while (due.size > 0) {
      for (const settle of due.get(tick) ?? []) settle();
      due.delete(tick++);
    }
  };

  await stream(warm, methods); // warm-up: JIT, worker, database, every method known to the engine
  const a0 = await engineCost(ta);
  await stream(n, few);
  const a1 = await engineCost(ta);
  await stream(n, methods);
  const a2 = await engineCost(ta);
  const end = await ta.flush().then(() => ta.stats());
  if (end.dropped !== 0) throw new Error(`${end.dropped} entries dropped`);

  return {
    figures: {
      analytics_ns_per_event: perEntry(a0, a1),
      analytics_ns_per_event_1000_methods: perEntry(a1, a2),
    },
    info: { entries: a2.entries - a0.entries, calls, thrown, methods },
  };
});

/** The engine's entries and ms so far, after every entry logged is stored (and so analysed). */
async function engineCost(ta: TraceAgentApi): Promise<{ entries: number; ms: number }> {
  await ta.flush();
  const e = (await ta.generateStats()).engine;
  return { entries: e.entries, ms: e.ms };
}

function perEntry(a: { entries: number; ms: number }, b: { entries: number; ms: number }): number {
  return b.entries > a.entries ? ((b.ms - a.ms) * 1e6) / (b.entries - a.entries) : Number.NaN;
}
