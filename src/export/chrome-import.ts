/**
 * A Chrome trace made by us (chrome-trace.ts) read back into entries: its
 * `otherData` is our trace header, each entry's fields are in its events'
 * args, the process's metadata names its session. Complete events are sync
 * spans (their recorded times from `clamped` when the layout moved them),
 * `b`/`e` pairs async spans, instants the other entries; counters and
 * metadata are derived and left out. A Chrome trace made by another tool has
 * no trace-agent header and is refused, saying so.
 */
import { dateNow, jsonParse, push } from '../core/builtins';
import { TraceError } from '../core/errors';
import { isKind, type TraceEntry } from '../core/entry';
import { jsonError } from './json-error';
import { entryProblem, headerProblem, type TraceFile, type TraceHeader } from './trace-json';

interface ChromeLike {
  ph?: unknown;
  name?: unknown;
  cat?: unknown;
  ts?: unknown;
  dur?: unknown;
  pid?: unknown;
  id?: unknown;
  args?: Record<string, unknown>;
}

const ENTRY_ARGS = ['seq', 'frame', 'level', 'source', 'method', 'spanId', 'parentId', 'status', 'args', 'result', 'error', 'data', 'metadata', 'flags', 'async'] as const;

/** Events converted between two looks at the clock (a pause for the page when the slice is used up). */
const EVENTS_PER_STEP = 1024;

/** The whole conversion at once (the CLI, the tests). */
export function parseChromeTrace(text: string): TraceFile {
  const steps = convert(text);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The conversion with a `pause()` for the page whenever `sliceMs` have gone by
 * since the last (between steps of EVENTS_PER_STEP events; the parse and the
 * final sort are each one step): a 500 MB trace does not hold the frame for seconds.
 */
export async function parseChromeTraceSliced(text: string, pause: () => Promise<void>, sliceMs: number): Promise<TraceFile> {
  const steps = convert(text);
  let slice = dateNow();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (dateNow() - slice >= sliceMs) {
      await pause();
      slice = dateNow();
    }
  }
}

/** Yields after the parse and every EVENTS_PER_STEP events (where a caller may pause); returns the trace. */
function* convert(text: string): Generator<void, TraceFile, void> {
  let v: unknown;
  try {
    v = jsonParse(text);
  } catch (err) {
    throw jsonError('the Chrome trace', text, err);
  }
  yield;
  const o = v as { otherData?: unknown; traceEvents?: unknown };
  const header = o.otherData as Partial<TraceHeader> | undefined;
  if (!header || typeof header !== 'object' || header.format === undefined) {
    throw new TraceError('IMPORT_INVALID', 'a Chrome trace not made by trace-agent (its otherData holds no trace-agent header): open it in Perfetto or DevTools');
  }
  const problem = headerProblem(header);
  if (problem) throw new TraceError('IMPORT_INVALID', `the Chrome trace's header: ${problem}`);
  if (!Array.isArray(o.traceEvents)) throw new TraceError('IMPORT_INVALID', 'the Chrome trace has no traceEvents array');
  const events = o.traceEvents as ChromeLike[];

  const sessionOf = new Map<unknown, string>();
  // Each async span's end, in file order per id (the writer puts a span's 'e' right after its 'b'; an id may come again).
  const ends = new Map<string, number[]>();
  for (let i = 0; i < events.length; i++) {
    if (i % EVENTS_PER_STEP === EVENTS_PER_STEP - 1) yield;
    const ev = events[i]!;
    if (!ev || typeof ev !== 'object') continue;
    if (ev.ph === 'M' && ev.name === 'process_name' && typeof ev.args?.['sessionId'] === 'string') sessionOf.set(ev.pid, ev.args['sessionId']);
    if (ev.ph === 'e' && typeof ev.ts === 'number') {
      const key = `${String(ev.pid)}:${String(ev.id)}`;
      const list = ends.get(key);
      if (list) push(list, ev.ts);
      else ends.set(key, [ev.ts]);
    }
  }

  const entries: TraceEntry[] = [];
  for (let i = 0; i < events.length; i++) {
    if (i % EVENTS_PER_STEP === EVENTS_PER_STEP - 1) yield;
    const ev = events[i]!;
    if (!ev || typeof ev !== 'object' || (ev.ph !== 'X' && ev.ph !== 'b' && ev.ph !== 'I' && ev.ph !== 'i')) continue;
    const args = ev.args ?? {};
    if (typeof args['seq'] !== 'number') continue; // not one of our entries
    const sessionId = sessionOf.get(ev.pid);
    if (sessionId === undefined) throw new TraceError('IMPORT_INVALID', `traceEvents[${i}]: its process (${String(ev.pid)}) names no session`);
    if (typeof ev.ts !== 'number') throw new TraceError('IMPORT_INVALID', `traceEvents[${i}]: ts is not a number`);
    const e: Record<string, unknown> = { seq: args['seq'], ts: 0, sessionId, kind: isKind(ev.cat) ? ev.cat : 'custom', type: ev.name, level: args['level'] ?? 'info' };
    for (const k of ENTRY_ARGS) if (k !== 'seq' && k !== 'level' && args[k] !== undefined) e[k] = args[k];
    if (ev.ph === 'I' || ev.ph === 'i') e['ts'] = ms(ev.ts);
    else {
      const clamped = args['clamped'] as { recordedTs?: unknown; recordedDur?: unknown } | undefined;
      let start = ev.ts;
      let dur = ev.ph === 'X' ? ev.dur : (ends.get(`${String(ev.pid)}:${String(ev.id)}`)?.shift() ?? ev.ts) - ev.ts;
      if (clamped && typeof clamped.recordedTs === 'number' && typeof clamped.recordedDur === 'number') {
        start = clamped.recordedTs;
        dur = clamped.recordedDur;
      }
      if (typeof dur !== 'number') throw new TraceError('IMPORT_INVALID', `traceEvents[${i}]: dur is not a number`);
      e['ts'] = ms(start + dur);
      e['dur'] = ms(dur);
    }
    const bad = entryProblem(e);
    if (bad) throw new TraceError('IMPORT_INVALID', `traceEvents[${i}] (entry ${entries.length}): ${bad}`);
    push(entries, e as unknown as TraceEntry);
  }
  yield;
  // The file's order: oldest session first (as its header lists them, newest first), each in seq order.
  const order = new Map((header.sessions ?? []).map((s, i) => [s.id, -i]));
  entries.sort((a, b) => (order.get(a.sessionId) ?? 0) - (order.get(b.sessionId) ?? 0) || a.seq - b.seq);
  return { ...(header as TraceHeader), entries };
}

/** µs of the file to the ms of an entry, to the µs (the layout's ns moves round away). */
function ms(us: number): number {
  return Math.round(us) / 1000;
}
