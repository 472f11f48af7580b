/**
 * The core of the trace agent: validates, copies, stamps and hands entries to
 * a sink. No DOM; the store, hooks and overlay are wired around it.
 */
import { now, newSessionId, roundMicros } from './clock';
import { FLAG_REDACTED, FLAG_TRUNCATED, isKind, isLevel, NO_DATA, type Kind, type Level, type TraceEntry } from './entry';
import { dateNow, isArray } from './builtins';
import { errorMessage, TraceError } from './errors';
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
  /** Wall clock (epoch ms) of the session's start, when the session was made before the core (the agent's store needs it first). */
  startedAt?: number;
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
    this.startedAt = options.startedAt ?? dateNow();
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

  /** The latest `sinceStart` so far: entry times never go back, whatever the clock does. */
  private latest = 0;

  /** Milliseconds since the session started. */
  elapsed(): number {
    return this.sinceStart(now());
  }

  /**
   * A reading of `now()` as ms since the session started (saves a second
   * clock read). Monotonic: a clock that jumps back (a shim the page put in
   * place before the agent) holds at the latest time until it catches up,
   * so the trace's time series never run backwards.
   */
  sinceStart(clock: number): number {
    const t = clock - this.t0;
    if (t > this.latest) this.latest = t;
    return this.latest;
  }

  /**
   * Logs one event. Returns at once; never throws unless `strict` is set and
   * the input is invalid.
   */
  logEvent(type: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, options?: LogOptions): void {
    // The caller's input is read once, here: what is checked is what is
    // stored (a getter that answers differently the second time cannot slip
    // a Symbol or a throwing object past the checks). What cannot even be
    // read (a revoked Proxy, a getter that throws) is the caller's bad input.
    let opts: EventOptions | TraceError;
    try {
      opts = this.validate(type, data, metadata) ?? this.readOptions(type, options);
    } catch (err) {
      opts = new TraceError('INVALID_DATA', `logEvent: the input could not be read (${errorMessage(err)})`);
    }
    if (opts instanceof TraceError) {
      try {
        return this.reject(opts, type);
      } catch (err) {
        if (err instanceof TraceError) throw err; // strict mode only
        this.counters.internalErrors++; // the report of the rejection failed; the rejection is counted
        return;
      }
    }
    try {
      let flags = 0;
      let copied: unknown = NO_DATA;
      if (data !== undefined && data !== null) {
        copied = this.copier.copy(data);
        flags |= this.copier.flags; // the copier's flags are its last copy's: read only after one
      }
      let meta: unknown;
      if (metadata !== undefined && metadata !== null) {
        meta = this.copier.copy(metadata);
        flags |= this.copier.flags;
      }
      this.emit({
        kind: opts.kind,
        type,
        level: opts.level,
        source: opts.source,
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

  private validate(type: unknown, data: unknown, metadata: unknown): TraceError | null {
    if (typeof type !== 'string' || type.length === 0) {
      return new TraceError('INVALID_TYPE', `logEvent: type must be a non-empty string, got ${describe(type)}`);
    }
    if (type.length > this.maxTypeLength) {
      return new TraceError('INVALID_TYPE', `logEvent: type is ${type.length} characters, the limit is ${this.maxTypeLength}`);
    }
    if (data !== undefined && data !== null && (typeof data !== 'object' || isArray(data))) {
      return new TraceError('INVALID_DATA', `logEvent("${type}"): data must be an object, got ${describe(data)}`);
    }
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || isArray(metadata))) {
      return new TraceError('INVALID_DATA', `logEvent("${type}"): metadata must be an object, got ${describe(metadata)}`);
    }
    return null;
  }

  /** Each option read once, checked, and kept; the problem when one is wrong. */
  private readOptions(type: string, options: LogOptions | undefined): EventOptions | TraceError {
    if (options === undefined || options === null) return DEFAULT_OPTIONS;
    const kind: unknown = options.kind;
    const level: unknown = options.level;
    const source: unknown = options.source;
    if (kind !== undefined && !isKind(kind)) return new TraceError('INVALID_OPTION', `logEvent("${type}"): unknown kind ${describe(kind)}`);
    if (level !== undefined && !isLevel(level)) return new TraceError('INVALID_OPTION', `logEvent("${type}"): unknown level ${describe(level)}`);
    if (source !== undefined && typeof source !== 'string') return new TraceError('INVALID_OPTION', `logEvent("${type}"): source must be a string`);
    if (kind === undefined && level === undefined && source === undefined) return DEFAULT_OPTIONS;
    return { kind: (kind as Kind | undefined) ?? 'custom', level: (level as Level | undefined) ?? 'info', source: source as string | undefined };
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

/** A logged event's options once read and checked. */
interface EventOptions {
  kind: Kind;
  level: Level;
  source: string | undefined;
}

const DEFAULT_OPTIONS: EventOptions = Object.freeze({ kind: 'custom', level: 'info', source: undefined });

function describe(v: unknown): string {
  if (v === null) return 'null';
  try {
    if (isArray(v)) return 'an array';
  } catch {
    return 'a revoked proxy';
  }
  if (typeof v === 'string') return v.length === 0 ? 'an empty string' : 'a string';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
