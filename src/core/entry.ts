/** The entry model: one shape for everything the trace records. */
import { hasOwn } from './builtins';

export const KINDS = ['state', 'player', 'system', 'agent', 'perf', 'error', 'custom'] as const;
export type Kind = (typeof KINDS)[number];

export const LEVELS = ['debug', 'info', 'warn', 'error', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** Bits of `TraceEntry.flags`. */
export const FLAG_TRUNCATED = 1;
export const FLAG_REDACTED = 2;
/** A span over which the clock jumped (backwards, or forward past the session's start): its `dur` is 0 and says nothing. */
export const FLAG_CLOCK = 4;

export interface SpanError {
  name: string;
  message: string;
  stack?: string;
}

export interface TraceEntry {
  /** Monotonic per session: the total order of the trace. */
  seq: number;
  /** Milliseconds since the session started (high resolution). For spans: when the span ended. */
  ts: number;
  sessionId: string;
  kind: Kind;
  /** Hierarchical event type such as `npc.decide` or `quest:start`. */
  type: string;
  level: Level;
  /** The agent (or subsystem) that produced the entry. */
  source?: string;
  /** The animation frame the entry happened in (0 before the first frame). */
  frame: number;
  data?: unknown;
  metadata?: unknown;
  /** FLAG_TRUNCATED | FLAG_REDACTED | FLAG_CLOCK; absent when 0. */
  flags?: number;

  // Agent spans
  spanId?: number;
  parentId?: number;
  method?: string;
  args?: unknown;
  result?: unknown;
  /** Span duration in ms; the span started at `ts - dur`. */
  dur?: number;
  status?: 'ok' | 'error';
  error?: SpanError;
  async?: boolean;
}

/**
 * The data of an event logged with a type only: one shared frozen `{}`, so
 * that such an entry allocates no data object and the encoder writes its
 * JSON line (`{}`) without serialising anything.
 */
export const NO_DATA: Readonly<Record<string, never>> = Object.freeze({});

/** What a session is, stored once per session rather than on every entry. */
export interface SessionInfo {
  id: string;
  /** Wall clock (epoch ms) at session start; `ts` of entries is relative to it. */
  startedAt: number;
  firstSeq: number;
  lastSeq: number;
  /** Entries of this session currently stored (evicted ones are not counted). */
  entries: number;
}

// Lookups in frozen null-prototype objects, not `Array.prototype.includes`, which the page may replace.
const KIND_SET: Readonly<Record<string, boolean>> = Object.freeze(Object.fromEntries(KINDS.map((k) => [k, true])));
const LEVEL_SET: Readonly<Record<string, boolean>> = Object.freeze(Object.fromEntries(LEVELS.map((l) => [l, true])));

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && hasOwn(KIND_SET, value);
}

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && hasOwn(LEVEL_SET, value);
}
