/**
 * Chrome's Trace Event format (the JSON object form), which DevTools'
 * Performance panel, Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * - One process per session (named by its id), one thread per agent (named
 *   by it): its synchronous spans are complete events ('X', µs) laid out by
 *   chrome-layout.ts so that each nests in its parent; its async spans are
 *   async event pairs ('b'/'e', id = the span's id) on the same thread.
 * - Counters ('C'): fps and frame time from each `frame:stats`, event rate and
 *   span latency a second (chrome-counters.ts).
 * - Alerts and anomalies: process-wide instant events ('I', as Chrome writes
 *   them and its readers take them; s 'p') on the "analytics" thread; other
 *   entries: instants on "events" (perf: "frames").
 * - Every field of an entry is in its events' args (and the process's
 *   metadata names its session), so chrome-import.ts reads the entries back.
 */
import { jsonStringify, push } from '../core/builtins';
import type { TraceEntry } from '../core/entry';
import { agentOf, SpanLayout, startNs, type PlacedSpan } from './chrome-layout';
import { SecondCounters } from './chrome-counters';

export interface ChromeEvent {
  name: string;
  cat: string;
  ph: 'X' | 'I' | 'C' | 'M' | 'b' | 'e';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

const TID_EVENTS = 1;
const TID_FRAMES = 2;
const TID_ANALYTICS = 3;
const FIRST_AGENT_TID = 10;

/** What closes the file after its last event. */
export const CHROME_TRACE_TAIL = ']}';

/** One session's process: its layout, counters and agent threads. */
interface SessionTrack {
  id: string;
  pid: number;
  layout: SpanLayout;
  counters: SecondCounters;
  /** `${agent}\u0000${lane}` → tid */
  tids: Map<string, number>;
}

/** Turns entries into events, in the file's order (each session's entries one after another, in seq order). */
export class ChromeTraceWriter {
  private session: SessionTrack | null = null;
  private sessions = 0;
  private out: ChromeEvent[] = [];
  private wrote = false;

  constructor(private readonly opts: { title?: string; clamp?: boolean } = {}) {}

  /** The file's text up to its first event, with `otherData` (our trace header). */
  fileHead(otherData: unknown): string {
    return `{"displayTimeUnit":"ms","otherData":${jsonStringify(otherData)},"traceEvents":[`;
  }

  /** The text of one entry's events (each after a comma but the file's first). */
  entryText(e: TraceEntry): string {
    return this.text(this.events(e));
  }

  /** The text of the events still held (spans waiting for a parent, the last second's counters), and the tail. */
  fileTail(): string {
    return this.text(this.finish()) + CHROME_TRACE_TAIL;
  }

  /** The events an entry gives now: a span may wait for its parent, and come out with it. */
  events(e: TraceEntry): ChromeEvent[] {
    this.out = [];
    const s = this.track(e.sessionId);
    for (const c of s.counters.add(e)) push(this.out, { name: c.name, cat: 'stats', ph: 'C', ts: c.ts, pid: s.pid, tid: TID_FRAMES, args: c.args });
    if (e.dur !== undefined) s.layout.add(e);
    else this.instant(s, e);
    return this.out;
  }

  /** The events still held: call after the last entry. */
  finish(): ChromeEvent[] {
    this.out = [];
    this.endSession();
    return this.out;
  }

  private text(events: ChromeEvent[]): string {
    let s = '';
    for (const ev of events) {
      s += (this.wrote ? ',' : '') + jsonStringify(ev);
      this.wrote = true;
    }
    return s;
  }

  private track(sessionId: string): SessionTrack {
    if (this.session?.id === sessionId) return this.session;
    this.endSession();
    const pid = ++this.sessions;
    const s: SessionTrack = {
      id: sessionId,
      pid,
      counters: new SecondCounters(),
      tids: new Map(),
      layout: new SpanLayout({ sync: (p) => this.complete(s, p), async: (e) => this.asyncPair(s, e) }, this.opts.clamp !== false),
    };
    this.session = s;
    push(this.out, meta('process_name', pid, 0, { name: `${this.opts.title ?? 'trace-agent'} session ${sessionId}`, sessionId }));
    push(this.out, meta('thread_name', pid, TID_EVENTS, { name: 'events' }));
    push(this.out, meta('thread_name', pid, TID_FRAMES, { name: 'frames' }));
    push(this.out, meta('thread_name', pid, TID_ANALYTICS, { name: 'analytics' }));
    return s;
  }

  private endSession(): void {
    const s = this.session;
    if (!s) return;
    s.layout.finish();
    for (const c of s.counters.finish()) push(this.out, { name: c.name, cat: 'stats', ph: 'C', ts: c.ts, pid: s.pid, tid: TID_FRAMES, args: c.args });
    this.session = null;
  }

  /** The thread of an agent's lane, named when first used. */
  private tid(s: SessionTrack, agent: string, lane: number): number {
    const key = `${agent}\u0000${lane}`;
    let tid = s.tids.get(key);
    if (tid === undefined) {
      tid = FIRST_AGENT_TID + s.tids.size;
      s.tids.set(key, tid);
      push(this.out, meta('thread_name', s.pid, tid, { name: lane === 0 ? agent : `${agent} (${lane + 1})` }));
    }
    return tid;
  }

  private complete(s: SessionTrack, p: PlacedSpan): void {
    const e = p.e;
    const args = entryArgs(e);
    if (p.moved) args['clamped'] = { recordedTs: p.moved.startNs / 1000, recordedDur: (p.moved.endNs - p.moved.startNs) / 1000 };
    push(this.out, { name: e.type, cat: e.kind, ph: 'X', ts: p.startNs / 1000, dur: (p.endNs - p.startNs) / 1000, pid: s.pid, tid: this.tid(s, p.agent, p.lane), args });
  }

  private asyncPair(s: SessionTrack, e: TraceEntry): void {
    const tid = this.tid(s, agentOf(e), 0);
    const id = `0x${(e.spanId ?? e.seq).toString(16)}`;
    const start = startNs(e) / 1000;
    const end = Math.round(e.ts * 1e6) / 1000;
    push(this.out, { name: e.type, cat: e.kind, ph: 'b', id, ts: start, pid: s.pid, tid, args: entryArgs(e) });
    push(this.out, { name: e.type, cat: e.kind, ph: 'e', id, ts: Math.max(start, end), pid: s.pid, tid });
  }

  private instant(s: SessionTrack, e: TraceEntry): void {
    const analytics = e.source === 'analytics' && (e.type === 'anomaly' || e.type.startsWith('alert:'));
    push(this.out, {
      name: e.type,
      cat: e.kind,
      ph: 'I',
      s: analytics ? 'p' : 't',
      ts: Math.round(e.ts * 1e6) / 1000,
      pid: s.pid,
      tid: analytics ? TID_ANALYTICS : e.kind === 'perf' ? TID_FRAMES : TID_EVENTS,
      args: entryArgs(e),
    });
  }
}

/** Every field of the entry but those the event has itself (type: name, kind: cat, ts, dur, session: pid). */
function entryArgs(e: TraceEntry): Record<string, unknown> {
  return compact({ seq: e.seq, frame: e.frame, level: e.level, source: e.source, method: e.method, spanId: e.spanId, parentId: e.parentId, status: e.status, args: e.args, result: e.result, error: e.error, data: e.data, metadata: e.metadata, flags: e.flags, async: e.async });
}

function meta(name: string, pid: number, tid: number, args: Record<string, unknown>): ChromeEvent {
  return { name, cat: '__metadata', ph: 'M', ts: 0, pid, tid, args };
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
