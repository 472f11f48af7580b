/**
 * Trace JSON: a versioned envelope (format, schema, sessions, config,
 * counters) followed by the entries. The store writes it block by block
 * (store/export-stream.ts) between `traceHead` and `TRACE_TAIL`.
 */
import { jsonParse, jsonStringify } from '../core/builtins';
import { isKind, isLevel, type SessionInfo, type TraceEntry } from '../core/entry';
import { errorMessage, TraceError } from '../core/errors';

export const TRACE_FORMAT = 'trace-agent';
export const SCHEMA_VERSION = 1;

export interface TraceCounters {
  /** Entries stamped by the agent in this session. */
  logged: number;
  /** Calls refused by validation. */
  rejected: number;
  /** Entries whose data was cut to fit. */
  truncated: number;
  /** Entries with redacted values. */
  redacted: number;
  /** Entries dropped because the store was too far behind. */
  dropped: number;
  /** Entries the store could not write. */
  droppedByStore: number;
  /** Entries or spans lost to a failure inside the trace agent. */
  internalErrors: number;
  /** Entries durable in the store. */
  acked: number;
  /** Entries of the store now, all sessions. */
  stored: number;
  /** Bytes of the store now, all sessions. */
  storedBytes: number;
  /** Entries evicted by capacity (entries, bytes, session limit, quota), all sessions, since the database was created. */
  evicted: number;
  /** Entries of sessions deleted on request, since the database was created. */
  deleted: number;
  /** Entries of earlier sessions recovered from the emergency log on this load. */
  recovered: number;
  /** Entries of earlier pages lost on unload: their emergency log had no room for them. */
  lostOnUnload: number;
  /** Entries logged while recording was paused (counted, not stored). */
  paused: number;
}

export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  schemaVersion: number;
  generator: { name: string; version: string };
  exportedAt: string;
  /** The session exported, or 'all'. */
  session: string;
  sessions: SessionInfo[];
  config: Record<string, unknown>;
  counters: TraceCounters;
  /** How the trace was stored: thread, backend, and problems met. */
  storage: { thread: string | null; backend: string | null; problems: string[] };
  /** The pins of the sessions exported (time ranges eviction skips: alerts', anomalies' and the user's). Absent in files made before pins. */
  pins?: TracePin[];
}

/** A pin as the file lists it (store/pins.ts's Pin, with the stored entries and blocks it held when exported). */
export interface TracePin {
  id: number;
  sessionId: string;
  /** Trace time (ms since the session started), inclusive. */
  fromTs: number;
  toTs: number;
  reason: 'alert' | 'anomaly' | 'user';
  /** What it was pinned for (the alert's or anomaly's summary, or the user's label). */
  label: string;
  entries: number;
  blocks: number;
}

export interface TraceFile extends TraceHeader {
  entries: TraceEntry[];
}

/** The trace file's text up to its first entry: the header, then `"entries":[`. */
export function traceHead(header: TraceHeader): string {
  const head = jsonStringify(header);
  return head.slice(0, -1) + ',"entries":[';
}

/** What closes the trace file after its last entry. */
export const TRACE_TAIL = ']}';

/** Parses and checks a trace file; throws a TraceError saying what is wrong. */
export function parseTrace(text: string): TraceFile {
  let v: unknown;
  try {
    v = jsonParse(text);
  } catch (err) {
    throw new TraceError('IMPORT_INVALID', `not JSON: ${errorMessage(err)}`);
  }
  if (!v || typeof v !== 'object') throw new TraceError('IMPORT_INVALID', 'not a trace: expected an object');
  const t = v as Partial<TraceFile>;
  const problem = headerProblem(t);
  if (problem) throw new TraceError('IMPORT_INVALID', problem);
  if (!Array.isArray(t.entries)) throw new TraceError('IMPORT_INVALID', 'the trace has no entries array');
  for (let i = 0; i < t.entries.length; i++) {
    const problem = entryProblem(t.entries[i]);
    if (problem) throw new TraceError('IMPORT_INVALID', `entry ${i}: ${problem}`);
  }
  return t as TraceFile;
}

/** What is wrong with a trace's header (its format and version), or null. */
export function headerProblem(t: Partial<TraceHeader>): string | null {
  if (!t || typeof t !== 'object') return 'not a trace: expected an object';
  if (t.format !== TRACE_FORMAT) return `not a trace-agent file (format ${jsonStringify(t.format)})`;
  if (typeof t.schemaVersion !== 'number' || !Number.isInteger(t.schemaVersion) || t.schemaVersion < 1) return `unknown schema version ${jsonStringify(t.schemaVersion)}`;
  if (t.schemaVersion > SCHEMA_VERSION) return `schema version ${t.schemaVersion} is newer than this reader (${SCHEMA_VERSION})`;
  return null;
}

/** What is wrong with an entry of a file, or null: a file is data from anywhere, and the overlay renders it. */
export function entryProblem(v: unknown): string | null {
  if (!v || typeof v !== 'object') return 'not an object';
  const e = v as Record<string, unknown>;
  if (typeof e['seq'] !== 'number' || typeof e['ts'] !== 'number' || typeof e['type'] !== 'string') return 'lacks seq, ts or type';
  if (!isKind(e['kind'])) return `unknown kind ${jsonStringify(e['kind'])}`;
  if (!isLevel(e['level'])) return `unknown level ${jsonStringify(e['level'])}`;
  for (const k of ['frame', 'dur', 'spanId', 'parentId', 'flags'] as const) {
    if (e[k] !== undefined && typeof e[k] !== 'number') return `${k} is not a number`;
  }
  for (const k of ['sessionId', 'source', 'method'] as const) {
    if (e[k] !== undefined && typeof e[k] !== 'string') return `${k} is not a string`;
  }
  if (e['status'] !== undefined && e['status'] !== 'ok' && e['status'] !== 'error') return 'status is not ok or error';
  if (e['error'] !== undefined && (typeof e['error'] !== 'object' || e['error'] === null)) return 'error is not an object';
  return null;
}

/**
 * Turns tagged values of a copied value back into what they were (Map, Set,
 * BigInt, Error, Date, undefined, non-finite numbers); other tags (cycle,
 * fn, node, redacted, trunc, ...) stay as they are, being descriptions.
 */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  try {
    return reviveTag(value as Record<string, unknown>);
  } catch {
    return value; // a tag of the wrong shape (a hand-edited file): left as it is
  }
}

function reviveTag(o: Record<string, unknown>): unknown {
  switch (o['$t']) {
    case 'undef':
      return undefined;
    case 'num':
      return Number(o['v']);
    case 'bigint':
      return BigInt(String(o['v']));
    case 'date':
      return new Date(String(o['v']));
    case 'map':
      return new Map((o['v'] as unknown[][]).filter(Array.isArray).map(([k, v]) => [revive(k), revive(v)]));
    case 'set':
      return new Set((o['v'] as unknown[]).map(revive));
    case 'error': {
      const e = new Error(String(o['message']));
      e.name = String(o['name']);
      if (typeof o['stack'] === 'string') e.stack = o['stack'];
      return e;
    }
    case 'obj':
      return reviveObject(o['v'] as Record<string, unknown>);
    case undefined:
      return reviveObject(o);
    default:
      return o;
  }
}

function reviveObject(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key "__proto__" (which JSON.parse makes an own key) would set the prototype.
  for (const k of Object.keys(o)) Object.defineProperty(out, k, { value: revive(o[k]), enumerable: true, writable: true, configurable: true });
  return out;
}
