import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../src/core/entry';
import { CHROME_TRACE_TAIL, ChromeTraceWriter } from '../../../src/export/chrome-trace';

const base = { sessionId: 's', level: 'info', frame: 3 } as const;

describe("Chrome's Trace Event format", () => {
  it('spans are complete events in µs that nest on one track; async spans get a track per agent; the rest are instants', () => {
    const w = new ChromeTraceWriter();
    const head = w.head('game');
    expect(head.every((e) => e.ph === 'M')).toBe(true);
    const think: TraceEntry = { ...base, seq: 2, ts: 30, kind: 'agent', type: 'npc.think', source: 'npc', spanId: 1, dur: 20, status: 'ok', args: ['hi'], async: true };
    const move: TraceEntry = { ...base, seq: 1, ts: 12.5, kind: 'agent', type: 'npc.move', source: 'npc', spanId: 2, dur: 2.25, status: 'ok' };
    const [track, span] = w.events(think);
    expect(track).toMatchObject({ ph: 'M', name: 'thread_name', args: { name: 'npc (async)' } });
    expect(span).toMatchObject({ ph: 'X', name: 'npc.think', cat: 'agent', ts: 10_000, dur: 20_000, tid: track!.tid, args: { seq: 2, args: ['hi'], status: 'ok' } });
    expect(w.events(think)).toHaveLength(1); // the track is named once
    expect(w.events(move)[0]).toMatchObject({ ph: 'X', ts: 10_250, dur: 2_250, tid: 1 });
    const ev: TraceEntry = { ...base, seq: 3, ts: 40, kind: 'player', type: 'input:keydown', data: { key: 'a' } };
    expect(w.events(ev)[0]).toMatchObject({ ph: 'i', s: 't', ts: 40_000, args: { seq: 3, data: { key: 'a' } } });
    const frames: TraceEntry = { ...base, seq: 4, ts: 1000, kind: 'perf', type: 'frame:stats', data: { times: [16, 18, 50] } };
    expect(w.events(frames)[0]).toMatchObject({ ph: 'C', name: 'frame time (ms)', args: { mean: 28, max: 50 } });
  });

  it('the file is its head, each entry\'s events after a comma, and the tail', () => {
    const w = new ChromeTraceWriter();
    const e: TraceEntry = { ...base, seq: 1, ts: 5, kind: 'custom', type: 'quest:start' };
    const text = w.fileHead('game', { session: 's' }) + w.events(e).map((ev) => ',' + JSON.stringify(ev)).join('') + CHROME_TRACE_TAIL;
    const file = JSON.parse(text) as { displayTimeUnit: string; otherData: unknown; traceEvents: { ph: string; name: string }[] };
    expect(file.displayTimeUnit).toBe('ms');
    expect(file.otherData).toEqual({ session: 's' });
    expect(file.traceEvents.map((ev) => [ev.ph, ev.name])).toEqual([...w.head('game').map((ev) => ['M', ev.name]), ['i', 'quest:start']]);
  });
});
