/**
 * Chrome's Trace Event format (the JSON object form), which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open: spans are complete events
 * ('X', in µs) that nest by time on their track, other entries are instant
 * events ('i'), and each second's frame times become a counter ('C').
 *
 * Tracks: synchronous spans share the "agents" track, where a child's time is
 * inside its parent's, so they nest as a flame chart; an async span's time
 * overlaps others freely, so each agent's async spans get a track of their own.
 */
import type { TraceEntry } from '../core/entry';
import { FRAME_STATS, type FrameStatsData } from '../core/event-types';

export interface ChromeEvent {
  name: string;
  cat: string;
  ph: 'X' | 'i' | 'C' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't' | 'p' | 'g';
  args?: Record<string, unknown>;
}

const PID = 1;
const TID_AGENTS = 1;
const TID_EVENTS = 2;
const TID_FRAMES = 3;
const FIRST_ASYNC_TID = 10;

/** What closes the file after its last event. */
export const CHROME_TRACE_TAIL = ']}';

/** Turns entries into events, in order; keeps the async tracks it has named. */
export class ChromeTraceWriter {
  private readonly asyncTracks = new Map<string, number>();

  /**
   * The file's text up to its first entry's events: the envelope, with
   * `otherData` (our trace header), and the events naming the tracks. Each
   * entry's events follow, each after a comma; CHROME_TRACE_TAIL closes it.
   */
  fileHead(title: string, otherData: unknown): string {
    return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(otherData)},"traceEvents":[` + this.head(title).map((e) => JSON.stringify(e)).join(',');
  }

  /** The metadata events that name the process and the fixed tracks. */
  head(title: string): ChromeEvent[] {
    return [
      meta('process_name', TID_AGENTS, { name: title }),
      meta('thread_name', TID_AGENTS, { name: 'agents (sync spans)' }),
      meta('thread_name', TID_EVENTS, { name: 'events' }),
      meta('thread_name', TID_FRAMES, { name: 'frames' }),
    ];
  }

  /** The events of one entry (a new async track's name first, when it needs one). */
  events(e: TraceEntry): ChromeEvent[] {
    const out: ChromeEvent[] = [];
    if (e.dur !== undefined) {
      let tid = TID_AGENTS;
      if (e.async) {
        const track = e.source ?? 'async';
        let t = this.asyncTracks.get(track);
        if (t === undefined) {
          t = FIRST_ASYNC_TID + this.asyncTracks.size;
          this.asyncTracks.set(track, t);
          out.push(meta('thread_name', t, { name: `${track} (async)` }));
        }
        tid = t;
      }
      out.push({
        name: e.type,
        cat: e.kind,
        ph: 'X',
        ts: micros(e.ts - e.dur),
        dur: micros(e.dur),
        pid: PID,
        tid,
        args: compact({ seq: e.seq, frame: e.frame, spanId: e.spanId, parentId: e.parentId, status: e.status, args: e.args, result: e.result, error: e.error, data: e.data }),
      });
      return out;
    }
    if (e.type === FRAME_STATS) {
      const times: unknown = (e.data as Partial<FrameStatsData> | undefined)?.times;
      if (Array.isArray(times) && times.length > 0) {
        const nums = times.filter((x): x is number => typeof x === 'number');
        const mean = nums.reduce((a, b) => a + b, 0) / Math.max(1, nums.length);
        out.push({ name: 'frame time (ms)', cat: 'perf', ph: 'C', ts: micros(e.ts), pid: PID, tid: TID_FRAMES, args: { mean: round(mean), max: round(Math.max(...nums)) } });
      }
      return out;
    }
    out.push({
      name: e.type,
      cat: e.kind,
      ph: 'i',
      s: 't',
      ts: micros(e.ts),
      pid: PID,
      tid: e.kind === 'perf' ? TID_FRAMES : TID_EVENTS,
      args: compact({ seq: e.seq, frame: e.frame, level: e.level, source: e.source, parentId: e.parentId, data: e.data, metadata: e.metadata }),
    });
    return out;
  }
}

function meta(name: string, tid: number, args: Record<string, unknown>): ChromeEvent {
  return { name, cat: '__metadata', ph: 'M', ts: 0, pid: PID, tid, args };
}

function micros(ms: number): number {
  return Math.round(ms * 1000);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
