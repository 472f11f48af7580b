import { describe, expect, it } from 'vitest';
import { TraceError } from '../../../src/core/errors';
import { parseTrace, revive, SCHEMA_VERSION, traceHead, TRACE_FORMAT, TRACE_TAIL, type TraceHeader } from '../../../src/export/trace-json';

const header: TraceHeader = {
  format: TRACE_FORMAT,
  schemaVersion: SCHEMA_VERSION,
  generator: { name: 'trace-agent', version: 'test' },
  exportedAt: '2026-11-25T00:00:00.000Z',
  session: 's',
  sessions: [],
  config: {},
  counters: { logged: 3, rejected: 0, truncated: 0, redacted: 0, dropped: 0, droppedByStore: 0, internalErrors: 0, acked: 3, stored: 3, storedBytes: 300, evicted: 0, deleted: 0, recovered: 0, lostOnUnload: 0, paused: 0 },
  storage: { thread: 'worker', backend: 'indexeddb', problems: [] },
};
const e = (seq: number) => ({ seq, ts: seq, sessionId: 's', kind: 'custom', type: 't', level: 'info', frame: 0 });

describe('trace JSON', () => {
  it('is the header, the entries and a tail: what the store streams parses back', () => {
    const file = parseTrace(traceHead(header) + [e(1), e(2), e(3)].map((x) => JSON.stringify(x)).join(',') + TRACE_TAIL);
    expect(file.entries.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(file.counters.logged).toBe(3);
    expect(parseTrace(traceHead(header) + TRACE_TAIL).entries).toEqual([]);
  });

  it('revive leaves malformed tags as they are instead of throwing', () => {
    const bad = [{ $t: 'bigint', v: 'x' }, { $t: 'map', v: 5 }, { $t: 'set', v: null }];
    expect(revive(bad)).toEqual(bad);
    expect(revive({ ok: { $t: 'bigint', v: '5' }, bad: { $t: 'map', v: 'no' } })).toEqual({ ok: 5n, bad: { $t: 'map', v: 'no' } });
  });

  it('refuses what is not a trace, saying why', () => {
    const bad = (text: string, msg: RegExp) => {
      expect(() => parseTrace(text)).toThrow(TraceError);
      expect(() => parseTrace(text)).toThrow(msg);
    };
    bad('{', /not JSON/);
    bad('[]', /not a trace-agent file/);
    bad(JSON.stringify({ ...header, format: 'other' }), /not a trace-agent file/);
    bad(JSON.stringify({ ...header, schemaVersion: SCHEMA_VERSION + 1 }), /newer than this reader/);
    bad(JSON.stringify({ ...header }), /no entries/);
    bad(JSON.stringify({ ...header, entries: [{ seq: 1 }] }), /entry 0: lacks/);
    // Fields the overlay renders must have their types (a file is data from anywhere).
    bad(JSON.stringify({ ...header, entries: [e(1), { ...e(2), dur: '5' }] }), /entry 1: dur is not a number/);
    bad(JSON.stringify({ ...header, entries: [{ ...e(1), kind: 'boss' }] }), /entry 0: unknown kind "boss"/);
    bad(JSON.stringify({ ...header, entries: [{ ...e(1), status: 'maybe' }] }), /status is not ok or error/);
  });
});
