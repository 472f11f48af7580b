import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { ChromeTraceWriter, type ChromeEvent } from '../../../src/export/chrome-trace';

const base = { sessionId: 's', level: 'info', frame: 3 } as const;

function file(entries: TraceEntry[]): { displayTimeUnit: string; otherData: unknown; traceEvents: ChromeEvent[] } {
  const w = new ChromeTraceWriter({ title: 'game' });
  let text = w.fileHead({ session: 's' });
  for (const e of entries) text += w.entryText(e);
  return JSON.parse(text + w.fileTail()) as never;
}

describe("Chrome's Trace Event format", () => {
  it('a process per session, a thread per agent; sync spans are complete events in µs, async ones b/e pairs, the rest instants', () => {
    const think: TraceEntry = { ...base, seq: 2, ts: 30, kind: 'agent', type: 'npc.think', source: 'npc', spanId: 1, dur: 20, status: 'ok', args: ['hi'], async: true };
    const move: TraceEntry = { ...base, seq: 1, ts: 12.5, kind: 'agent', type: 'npc.move', source: 'npc', spanId: 2, dur: 2.25, status: 'ok' };
    const key: TraceEntry = { ...base, seq: 3, ts: 40, kind: 'player', type: 'input:keydown', data: { key: 'a' } };
    const f = file([move, think, key]);
    expect(f.displayTimeUnit).toBe('ms');
    expect(f.otherData).toEqual({ session: 's' });
    const ev = f.traceEvents;
    expect(ev.find((e) => e.name === 'process_name')).toMatchObject({ ph: 'M', pid: 1, args: { name: 'game session s' } });
    const npc = ev.find((e) => e.name === 'thread_name' && e.args?.['name'] === 'npc')!;
    expect(ev.find((e) => e.name === 'npc.move')).toMatchObject({ ph: 'X', ts: 10_250, dur: 2_250, tid: npc.tid, args: { seq: 1, spanId: 2 } });
    expect(ev.filter((e) => e.name === 'npc.think').map((e) => [e.ph, e.ts, e.id, e.tid])).toEqual([
      ['b', 10_000, '0x1', npc.tid],
      ['e', 30_000, '0x1', npc.tid],
    ]);
    expect(ev.find((e) => e.name === 'input:keydown')).toMatchObject({ ph: 'I', s: 't', ts: 40_000, args: { seq: 3, data: { key: 'a' } } });
  });

  it("a child the clock put outside its parent is clamped inside it, and says what it recorded; ties follow the call order", () => {
    // A 100 µs clock: the parent took "0 ms", its child began and ended on the same tick, a sibling after it.
    const child: TraceEntry = { ...base, seq: 1, ts: 5.1, kind: 'agent', type: 'npc.move', source: 'npc', spanId: 2, parentId: 1, dur: 0.1 };
    const sib: TraceEntry = { ...base, seq: 2, ts: 5, kind: 'agent', type: 'llm.ask', source: 'llm', spanId: 3, parentId: 1, dur: 0 };
    const parent: TraceEntry = { ...base, seq: 3, ts: 5, kind: 'agent', type: 'npc.think', source: 'npc', spanId: 1, dur: 0 };
    const ev = file([child, sib, parent]).traceEvents.filter((e) => e.ph === 'X');
    const by = (id: number) => ev.find((e) => e.args?.['spanId'] === id)!;
    const [p, c, s] = [by(1), by(2), by(3)];
    expect(p.ts).toBe(5000);
    expect(c.ts).toBeGreaterThan(p.ts);
    expect(c.ts + c.dur!).toBeLessThanOrEqual(s.ts);
    expect(s.ts + s.dur!).toBeLessThan(p.ts + p.dur!);
    expect(p.dur!).toBeLessThan(0.01); // a few ns, not a made-up duration
    expect(c.args!['clamped']).toEqual({ recordedTs: 5000, recordedDur: 100 });
    expect(p.args!['clamped']).toBeUndefined();
    // The child of another agent is on its caller's thread: nesting needs one track.
    expect(new Set([p.tid, c.tid, s.tid]).size).toBe(1);
  });

  it('a child whose parent never comes is placed as a root at the end; counters a second and from frame stats', () => {
    const orphan: TraceEntry = { ...base, seq: 1, ts: 1, kind: 'agent', type: 'npc.move', source: 'npc', spanId: 2, parentId: 99, dur: 0.5 };
    const frames: TraceEntry = { ...base, seq: 2, ts: 1000, kind: 'perf', type: 'frame:stats', data: { times: [16, 18, 50] } };
    const alert: TraceEntry = { ...base, seq: 3, ts: 1200, kind: 'system', type: 'alert:firing', source: 'analytics', data: { name: 'fps' } };
    const ev = file([orphan, frames, alert]).traceEvents;
    expect(ev.find((e) => e.name === 'npc.move')).toMatchObject({ ph: 'X', ts: 500, dur: 500 });
    expect(ev.find((e) => e.name === 'frame time (ms)')).toMatchObject({ ph: 'C', args: { mean: 28, max: 50 } });
    expect(ev.find((e) => e.name === 'fps')).toMatchObject({ ph: 'C', args: { fps: 35.71 } });
    expect(ev.filter((e) => e.name === 'event rate (/s)').map((e) => [e.ts, e.args])).toEqual([
      [0, { events: 1 }],
      [1_000_000, { events: 2 }],
    ]);
    expect(ev.find((e) => e.name === 'alert:firing')).toMatchObject({ ph: 'I', s: 'p', cat: 'system' });
  });
});

describe('a deep trace', () => {
  it('50,000 nested spans are laid out without recursion (no stack overflow), each strictly inside its parent on one track', () => {
    const n = 50_000;
    // Depth d starts d µs in and ends d µs before the end; the innermost ends first (the order of a real trace).
    const entries: TraceEntry[] = [];
    for (let d = n - 1; d >= 0; d--) {
      const start = d / 1000;
      const end = (2 * n - d) / 1000;
      entries.push({ ...base, seq: n - d, ts: end, dur: end - start, kind: 'agent', type: `f${d}`, source: 'npc', spanId: d + 1, ...(d > 0 ? { parentId: d } : {}) });
    }
    const ev = file(entries).traceEvents.filter((e) => e.ph === 'X');
    expect(ev).toHaveLength(n);
    const byDepth = new Map(ev.map((e) => [(e.args!['spanId'] as number) - 1, e]));
    let bad = 0;
    for (let d = 1; d < n; d++) {
      const p = byDepth.get(d - 1)!;
      const c = byDepth.get(d)!;
      if (!(c.ts > p.ts && c.ts + c.dur! < p.ts + p.dur! && c.tid === p.tid)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('50,000 nested async spans (each resolved after its parent) are written too', () => {
    const n = 50_000;
    const entries: TraceEntry[] = [];
    for (let d = n - 1; d >= 0; d--) entries.push({ ...base, seq: n - d, ts: (2 * n - d) / 1000, dur: (2 * n - 2 * d) / 1000, kind: 'agent', type: `a${d}`, source: 'npc', spanId: d + 1, async: true, ...(d > 0 ? { parentId: d } : {}) });
    const begins = file(entries).traceEvents.filter((e) => e.ph === 'b');
    expect(begins.map((e) => e.args!['spanId'])).toEqual(Array.from({ length: n }, (_, d) => d + 1)); // parent first
  });
});
