/**
 * A demo-like session as the agent records it on a page without cross-origin
 * isolation: agents calling each other in frames (nested sync calls, some
 * across agents, many shorter than the clock's 100 µs), async calls whose sync
 * prologue calls others, events inside spans, frame stats, an anomaly and an
 * alert. Times are read from a 100 µs clock, as the page would read them.
 */
import type { TraceEntry } from '../../../src/core/entry';
import { rng } from '../analytics/rng';

const AGENTS = ['npc', 'llm', 'path', 'quest'] as const;
const CLOCK_MS = 0.1;

export function demoTrace(seed = 7, frames = 60, sessionId = 'demo'): TraceEntry[] {
  const r = rng(seed);
  const out: TraceEntry[] = [];
  let trueMs = 1; // the real time; the page reads it through the coarse clock
  let seq = 0;
  let spanId = 0;
  const read = () => Math.round(Math.floor(trueMs / CLOCK_MS) * CLOCK_MS * 1000) / 1000; // to the µs, as the agent rounds
  const pendingAsync: { due: number; start: number; id: number; parent?: number; agent: string; frame: number }[] = [];
  let frame = 0;

  const log = (e: Omit<TraceEntry, 'seq' | 'sessionId' | 'frame' | 'level'> & { level?: TraceEntry['level'] }) => {
    out.push({ level: 'info', ...e, seq: ++seq, sessionId, frame } as TraceEntry);
  };

  const call = (agent: string, depth: number, parent: number | undefined): void => {
    const id = ++spanId;
    const start = read();
    const isAsync = depth > 0 && r() < 0.12;
    trueMs += r() * 0.01;
    const kids = depth < 4 ? Math.floor(r() * (3 - depth * 0.5)) : 0;
    for (let k = 0; k < kids; k++) {
      call(r() < 0.3 ? AGENTS[Math.floor(r() * AGENTS.length)]! : agent, depth + 1, id);
      trueMs += r() * 0.02;
    }
    if (r() < 0.2) log({ ts: read(), kind: 'custom', type: `${agent}:note`, source: agent, parentId: id, data: { depth } });
    trueMs += r() * 0.03;
    if (isAsync) {
      pendingAsync.push({ due: frame + 1 + Math.floor(r() * 3), start, id, parent, agent, frame });
      return;
    }
    const end = read();
    const failed = r() < 0.05;
    log({
      ts: end,
      kind: 'agent',
      type: `${agent}.${['think', 'move', 'ask', 'plan'][depth % 4]}`,
      source: agent,
      spanId: id,
      parentId: parent,
      method: ['think', 'move', 'ask', 'plan'][depth % 4],
      dur: Math.round((end - start) * 1e4) / 1e4,
      status: failed ? 'error' : 'ok',
      error: failed ? { name: 'Error', message: 'no path' } : undefined,
      level: failed ? 'error' : 'info',
      async: false,
    });
  };

  const frameTimes: number[] = [];
  for (frame = 1; frame <= frames; frame++) {
    const frameStart = trueMs;
    for (let i = pendingAsync.length - 1; i >= 0; i--) {
      const a = pendingAsync[i]!;
      if (a.due > frame) continue;
      pendingAsync.splice(i, 1);
      trueMs += r() * 0.3;
      const end = read();
      log({ ts: end, kind: 'agent', type: `${a.agent}.fetch`, source: a.agent, spanId: a.id, parentId: a.parent, method: 'fetch', dur: Math.round((end - a.start) * 1e4) / 1e4, status: 'ok', async: true });
    }
    const roots = 1 + Math.floor(r() * 3);
    for (let i = 0; i < roots; i++) {
      call(AGENTS[Math.floor(r() * AGENTS.length)]!, 0, undefined);
      trueMs += r() * 0.5;
    }
    if (frame === 20) log({ ts: read(), kind: 'system', type: 'anomaly', level: 'warn', source: 'analytics', data: { metric: 'latency', z: 4.2 } });
    if (frame === 40) log({ ts: read(), kind: 'system', type: 'alert:firing', level: 'error', source: 'analytics', data: { name: 'fps', value: 22 } });
    trueMs = frameStart + 16 + r() * 2;
    frameTimes.push(trueMs - frameStart);
    if (frame % 30 === 0) log({ ts: read(), kind: 'perf', type: 'frame:stats', data: { frames: frameTimes.length, times: frameTimes.splice(0), from: frame - 29 } });
  }
  return out;
}
