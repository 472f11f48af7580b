/**
 * The core of the trace agent: validates, copies, stamps and hands entries to
 * a sink. No DOM; the store, hooks and overlay are wired around it.
 */
import { now, newSessionId, roundMicros } from './clock';
import { FLAG_REDACTED, FLAG_TRUNCATED, isKind, isLevel, type Kind, type Level, type TraceEntry } from './entry';
import { TraceError } from './errors';
import { withDefaults } from './defaults';
import { Copier, DEFAULT_LIMITS, type CopyLimits } from './safe-copy';

/** Where stamped entries go: the store client, or a test's array. */
export interface EntrySink {
  write(entry: TraceEntry): void;
}

export interface CoreOptions {
  /** Throw a TraceError on bad input instead of counting and reporting it. */
  strict?: boolean;
  sessionId?: string;
  /** Limits for copying data and metadata (and, by default, span args/results). */
  limits?: Partial<CopyLimits>;
  /** Longest accepted `type`. */
  maxTypeLength?: number;
}

export interface LogOptions {
  kind?: Kind;
  level?: Level;
  source?: string;
}

/** An entry before the core stamps it. */
export type UnstampedEntry = Omit<TraceEntry, 'seq' | 'ts' | 'sessionId' | 'frame'> & { ts?: number };

export interface CoreCounters {
  /** Entries stamped and handed to the sink. */
  logged: number;
  /** Calls refused by validation. */
  rejected: number;
  /** Entries whose data was cut to fit the limits. */
  truncated: number;
  /** Entries in which a value was redacted. */
  redacted: number;
  /** Entries or spans lost to a failure inside the trace agent itself. */
  internalErrors: number;
}

/** How many rejections are written into the trace before they are only counted. */
const REPORTED_REJECTIONS = 20;

export class TraceCore {
  readonly sessionId: string;
  /** Wall clock at session start (epoch ms). */
  readonly startedAt: number;
  readonly strict: boolean;
  readonly limits: CopyLimits;
  readonly maxTypeLength: number;
  /** Set by the frame loop; stamped on every entry. */
  frame = 0;
  readonly counters: CoreCounters = { logged: 0, rejected: 0, truncated: 0, redacted: 0, internalErrors: 0 };

  private seq = 0;
  /** The seq of the newest entry this session logged (0: none yet). */
  get lastSeq(): number {
    return this.seq;
  }
  private readonly t0: number;
  private readonly copier: Copier;

  constructor(
    private sink: EntrySink,
    options: CoreOptions = {},
  ) {
    this.sessionId = options.sessionId ?? newSessionId();
    this.startedAt = Date.now();
    this.t0 = now();
    this.strict = options.strict ?? false;
    this.limits = withDefaults(DEFAULT_LIMITS, options.limits);
    this.maxTypeLength = options.maxTypeLength ?? 128;
    this.copier = new Copier(this.limits);
  }

  /** After destroy: entries go nowhere, and cost nothing but the stamp. */
  detach(): void {
    this.sink = { write: () => {} };
  }

  /** Milliseconds since the session started. */
  elapsed(): number {
    return now() - this.t0;
  }

  /** A reading of `now()` as ms since the session started (saves a second clock read). */
  sinceStart(clock: number): number {
    return clock - this.t0;
  }

  /**
   * Logs one event. Returns at once; never throws unless `strict` is set and
   * the input is invalid.
   */
  logEvent(type: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, options?: LogOptions): void {
    try {
      const problem = this.validate(type, data, metadata, options);
      if (problem) return this.reject(problem, type);
      let flags = 0;
      const copied = data === undefined || data === null ? {} : this.copier.copy(data);
      flags |= this.copier.flags;
      let meta: unknown;
      if (metadata !== undefined && metadata !== null) {
        meta = this.copier.copy(metadata);
        flags |= this.copier.flags;
      }
      this.emit({
        kind: options?.kind ?? 'custom',
        type,
        level: options?.level ?? 'info',
        source: options?.source,
        data: copied,
        metadata: meta,
        flags: flags || undefined,
      });
    } catch (err) {
      if (err instanceof TraceError) throw err; // strict mode only
      // Never into the game: a failure of our own is counted and shown.
      this.counters.internalErrors++;
    }
  }

  /**
   * Stamps an entry that the caller has already made safe (hooks copy their
   * own args and results) and hands it to the sink.
   */
  emit(e: UnstampedEntry): TraceEntry {
    const flags = e.flags || undefined;
    if (flags) {
      if (flags & FLAG_TRUNCATED) this.counters.truncated++;
      if (flags & FLAG_REDACTED) this.counters.redacted++;
    }
    // One object literal, every field set at once, for events and spans
    // alike: one hidden class in V8, where adding or deleting fields later
    // would slow every read and JSON.stringify. Undefined fields are left
    // out of the JSON.
    const entry: TraceEntry = {
      seq: ++this.seq,
      ts: roundMicros(e.ts ?? this.elapsed()),
      sessionId: this.sessionId,
      kind: e.kind,
      type: e.type,
      level: e.level,
      source: e.source,
      frame: this.frame,
      data: e.data,
      metadata: e.metadata,
      flags,
      spanId: e.spanId,
      parentId: e.parentId,
      method: e.method,
      args: e.args,
      result: e.result,
      dur: e.dur,
      status: e.status,
      error: e.error,
      async: e.async,
    };
    this.sink.write(entry);
    this.counters.logged++;
    return entry;
  }

  /** Copies a value with the core's limits (or others); returns the copy and its flags. */
  copy(value: unknown, limits?: CopyLimits): { value: unknown; flags: number } {
    const v = this.copier.copy(value, limits ?? this.limits);
    return { value: v, flags: this.copier.flags };
  }

  private validate(type: unknown, data: unknown, metadata: unknown, options: LogOptions | undefined): TraceError | null {
    if (typeof type !== 'string' || type.length === 0) {
      return new TraceError('INVALID_TYPE', `logEvent: type must be a non-empty string, got ${describe(type)}`);
    }
    if (type.length > this.maxTypeLength) {
      return new TraceError('INVALID_TYPE', `logEvent: type is ${type.length} characters, the limit is ${this.maxTypeLength}`);
    }
    if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
      return new TraceError('INVALID_DATA', `logEvent("${type}"): data must be an object, got ${describe(data)}`);
    }
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      return new TraceError('INVALID_DATA', `logEvent("${type}"): metadata must be an object, got ${describe(metadata)}`);
    }
    if (options) {
      if (options.kind !== undefined && !isKind(options.kind)) {
        return new TraceError('INVALID_OPTION', `logEvent("${type}"): unknown kind ${describe(options.kind)}`);
      }
      if (options.level !== undefined && !isLevel(options.level)) {
        return new TraceError('INVALID_OPTION', `logEvent("${type}"): unknown level ${describe(options.level)}`);
      }
      if (options.source !== undefined && typeof options.source !== 'string') {
        return new TraceError('INVALID_OPTION', `logEvent("${type}"): source must be a string`);
      }
    }
    return null;
  }

  private reject(problem: TraceError, type: unknown): void {
    if (this.strict) throw problem;
    this.counters.rejected++;
    if (this.counters.rejected <= REPORTED_REJECTIONS) {
      this.emit({
        kind: 'system',
        type: 'trace:rejected',
        level: 'warn',
        source: 'trace-agent',
        data: {
          code: problem.code,
          message: problem.message,
          type: typeof type === 'string' ? type.slice(0, 64) : describe(type),
          more: this.counters.rejected === REPORTED_REJECTIONS ? 'further rejections are counted, not logged' : undefined,
        },
      });
    }
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : 'a string';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
