/**
 * Every message between the page and the store (a worker, or the same code on
 * the main thread when workers are forbidden). Both sides import this file,
 * so the compiler checks each message against its one definition.
 */
import type { Kind, Level, SessionInfo, TraceEntry } from '../core/entry';
import type { TraceHeader } from '../export/trace-json';
import type { AlertRule, AlertStatus, AlertTransition, GameAlert } from '../analytics/alerts';
import type { Anomaly, EngineStats } from '../analytics/engine';
import type { Loop } from '../analytics/loops';
import type { PatternReport } from '../analytics/patterns';
import type { TrendReport } from '../analytics/trends';
import type { PackedBatch } from '../core/columns';
import type { ColumnBatch } from '../core/columns';
import type { PinRequests } from './pin-requests';
import type { PinOptions, PinSummary } from './pins';

/** 3: replies carry their operation (`op`), so a worker script of an older version is refused at init, not answered in a shape the page cannot read. */
export const PROTOCOL_VERSION = 3;

/** The name every store worker is started with (a worker of someone else's that loads the drop-in script is not ours). */
export const STORE_WORKER_NAME = 'trace-agent-store';

export type Backend = 'indexeddb' | 'memory';
export type StoreThread = 'worker' | 'main';

export interface StoreConfig {
  dbName: string;
  /** Ring capacity in entries, across all sessions. Holds within one block. */
  capacity: number;
  /** Ring capacity in bytes (see `batchBytes`), across all sessions. Holds within one block. */
  maxBytes: number;
  /** Sessions kept; the oldest beyond this are deleted whole (data rotation). */
  maxSessions: number;
  /** Entries of the newest blocks the store keeps in memory for the overlay. */
  tailSize: number;
  /**
   * The analytics engine's alert rules (null: the defaults), thresholds and
   * hitch threshold (the frame loop's `hitchMs`, so both count the same
   * frames as hitches; default DEFAULT_HITCH_MS); false: no engine.
   */
  analytics: { sessionId: string; rules: AlertRule[] | null; thresholds: Record<string, number>; hitchMs?: number } | false;
  /** Pins (pins.ts): the window around an alert or anomaly, and the share of the ring they may hold; what is not given is DEFAULT_PIN_OPTIONS's. */
  pins?: Partial<PinOptions>;
}

/** A page of entries: filters are ANDed; a missing filter matches everything. */
export interface QueryParams {
  sessionId: string;
  /** 'newest' (default) or 'oldest' first. */
  order?: 'newest' | 'oldest';
  /** Entries per page; default 200, at most 5,000. */
  limit?: number;
  fromSeq?: number;
  toSeq?: number;
  /** Time range in ms since the session started, inclusive. */
  fromTs?: number;
  toTs?: number;
  kinds?: Kind[];
  levels?: Level[];
  /** Exact types, or prefixes ending in `*` (`npc.*`). */
  types?: string[];
  sources?: string[];
  /** Case-insensitive text searched in the type and the JSON of data, metadata, args, result and error. */
  text?: string;
  /** Spans with these ids (a span's detail: its parent). */
  spanIds?: number[];
  /** Entries whose parent span is one of these (a span's children, the state changes it caused). */
  parentIds?: number[];
  /** The `next` of the previous page: continue after it. */
  after?: number;
}

export interface QueryResult {
  entries: TraceEntry[];
  /** Pass as `after` for the next page; null when there is none. */
  next: number | null;
  /** Blocks whose entries were read (the others were skipped by their summary). */
  blocksRead: number;
}

export interface ExportParams {
  session: string | 'all';
  /** Everything of the header but `sessions`, which the store knows. */
  header: Omit<TraceHeader, 'sessions'>;
  gzip: boolean;
  /** The trace-agent JSON (default), or Chrome's Trace Event format (Perfetto). */
  format?: 'trace-agent' | 'chrome';
  /**
   * The live session's last seq when the export was asked for: what it logs
   * while the store writes the file stays out, so the file holds what its
   * header's counters count.
   */
  upTo?: { sessionId: string; seq: number };
}

export interface ExportResult {
  blob: Blob;
  entries: number;
}

// ---- page → store ----------------------------------------------------------

export interface InitMessage {
  type: 'init';
  version: number;
  config: StoreConfig;
}

/** One batch of entries, in columns (see columns.ts). */
export interface BatchMessage {
  type: 'batch';
  sessionId: string;
  /** Wall clock of the session's start, for the session record. */
  startedAt: number;
  firstSeq: number;
  lastSeq: number;
  count: number;
  cols: ColumnBatch;
}

/** What only the page knows, for the engine's metrics; sent once a second. */
export interface MetricsMessage {
  type: 'metrics';
  dropped: number;
  memoryMb: number | null;
}

/** Requests that the store answers with a `reply` of the same id. */
export interface StoreRequests extends PinRequests {
  query: { params: QueryParams; result: QueryResult };
  /** The trace file of one session or all, built and compressed by the store; `progress` messages on the way. */
  export: { params: ExportParams; result: ExportResult };
  sessions: { params: Record<string, never>; result: SessionInfo[] };
  /** Deletes a stored session. The session being written may be deleted too (cleared): its later blocks start it again. */
  deleteSession: { params: { sessionId: string }; result: { deleted: number } };
  /** The analytics engine's figures (the page's session). */
  stats: { params: Record<string, never>; result: EngineStats };
  patterns: { params: { timeframe: string }; result: PatternReport };
  trends: { params: { timeframe: string }; result: TrendReport };
  anomalies: { params: { sinceMs?: number }; result: { anomalies: Anomaly[]; total: number } };
  alerts: { params: Record<string, never>; result: { statuses: AlertStatus[]; rules: AlertRule[]; metrics: Record<string, number | null> } };
  triggerAlert: { params: GameAlert; result: AlertStatus[] };
}
export type RequestOp = keyof StoreRequests;

export type RequestMessage = {
  [K in RequestOp]: { type: 'request'; id: number; op: K; params: StoreRequests[K]['params'] };
}[RequestOp];

/** The page's watchdog: the store answers with a `pong` at once, whatever it is busy with. */
export interface PingMessage {
  type: 'ping';
  id: number;
}

export type PageToStore = InitMessage | BatchMessage | RequestMessage | MetricsMessage | PingMessage;

/** A batch as it crosses a worker's port: its extra columns left out when they are all defaults (column-extras.ts). */
export type WireBatchMessage = Omit<BatchMessage, 'cols'> & { cols: PackedBatch };

/** What the store receives: the page's messages, a batch possibly packed (the host expands it before anything reads it). */
export type WirePageToStore = Exclude<PageToStore, BatchMessage> | WireBatchMessage;

// ---- store → page ----------------------------------------------------------

export interface StoreTotals {
  /** Entries in the ring now. */
  stored: number;
  /** Bytes of the entries in the ring now (see `batchBytes`). */
  bytes: number;
  /** Entries evicted by capacity (entries, bytes, sessions, quota) since the database was created. */
  evicted: number;
  /** Entries of sessions deleted on request since the database was created. */
  deleted: number;
  /**
   * Entries ever written to the ring (since the database was created). The
   * ring's ledger: stored + evicted + deleted + abandoned = appended, always.
   */
  appended: number;
  /** Of `evicted`: entries evicted early because the origin's storage quota was full. */
  quotaEvicted: number;
  /** Entries left in a database the store lost hold of (it went on in memory): out of reach, not gone. */
  abandoned: number;
}

export interface ReadyMessage {
  type: 'ready';
  backend: Backend;
  /** Why the store is not on IndexedDB, when it is not. */
  problem?: string;
  /** The problem is the database's, not this context's (a VersionError): another store would meet it too. */
  sameEverywhere?: boolean;
  totals: StoreTotals;
}

/** The batches of `sessionId` within `fromSeq..upTo` are stored (their transaction completed). */
export interface AckMessage {
  type: 'ack';
  sessionId: string;
  fromSeq: number;
  upTo: number;
  /** Entries of the acked batches that were already stored (replays, resends). */
  duplicates: number;
  totals: StoreTotals;
  /** The pins' count and releases after the write. */
  pins?: PinSummary;
}

/** The batches of `sessionId` within `fromSeq..upTo` could not be stored and never will be. */
export interface NackMessage {
  type: 'nack';
  sessionId: string;
  fromSeq: number;
  upTo: number;
  problem: string;
  /** Refused because the storage quota cannot hold the batch even with the ring emptied. */
  quota?: boolean;
}

/** The store changed backend mid-session (IndexedDB failed). */
export interface BackendMessage {
  type: 'backend';
  backend: Backend;
  problem: string;
}

/** How far a long request (an export) is. */
export interface ProgressMessage {
  type: 'progress';
  id: number;
  done: number;
  total: number;
}

/** Something the page should record as a system entry (the store has no seq of its own). */
export type NoticeMessage =
  | { type: 'notice'; event: 'store:quota' | 'analytics:off'; level: Level; data: Record<string, unknown> }
  | { type: 'notice'; event: 'alert'; level: Level; data: AlertTransition }
  | { type: 'notice'; event: 'anomaly'; level: Level; data: Anomaly }
  | { type: 'notice'; event: 'loop'; level: Level; data: Loop };

/** The answer to a request of `op`: it carries its operation, so its result has that operation's type. */
export interface ReplyOf<K extends RequestOp> {
  type: 'reply';
  id: number;
  op: K;
  ok: true;
  result: StoreRequests[K]['result'];
}

/** A request the store could not answer. */
export interface ErrorReply {
  type: 'reply';
  id: number;
  op: RequestOp;
  ok: false;
  error: string;
}

export type ReplyMessage = { [K in RequestOp]: ReplyOf<K> }[RequestOp] | ErrorReply;

/** A reply's result, what the store computed for one operation (host.ts builds it, case by case). */
export type ResultOf = { [K in RequestOp]: { op: K; result: StoreRequests[K]['result'] } }[RequestOp];

/** Whether `reply` answers a request of `op` with a result (a reply of another operation is a protocol error). */
export function isReplyTo<K extends RequestOp>(reply: ReplyMessage | ReplyOf<K>, op: K): reply is ReplyOf<K> {
  return reply.ok && reply.op === op;
}

/** The answer to a `ping`: the store is alive, with how far its writes are. */
export interface PongMessage {
  type: 'pong';
  id: number;
  /** Batches received and not yet written (or refused). */
  queued: number;
}

export type StoreToPage = ReadyMessage | AckMessage | NackMessage | BackendMessage | ProgressMessage | NoticeMessage | ReplyMessage | PongMessage;

/**
 * The worker's first word, posted as soon as its script runs (before `init`):
 * the page's proof that the route it was started by works (spawn-worker.ts).
 */
export interface HelloMessage {
  type: 'hello';
}

/** What the store's worker posts: the store's messages, and its hello. */
export type WorkerToPage = StoreToPage | HelloMessage;
