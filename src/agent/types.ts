/**
 * The agent's public types: its options, its API and what stats() returns.
 * (create-agent.ts re-exports them; src/index.ts exports them.)
 */
import type { LogOptions } from '../core/agent';
import type { SessionInfo } from '../core/entry';
import type { CopyLimits } from '../core/safe-copy';
import type { FrameLoopOptions } from '../hooks/frame-loop';
import type { PlayerInputOptions } from '../hooks/input';
import type { NetworkOptions } from '../hooks/network';
import type { SystemEventsOptions } from '../hooks/system';
import type { HookOptions, HookReport } from '../hooks/hook';
import type { AlertRule, AlertStatus, GameAlert } from '../analytics/alerts';
import type { Anomaly, EngineStats } from '../analytics/engine';
import type { HealthReport } from '../analytics/health';
import type { PatternReport } from '../analytics/patterns';
import type { TrendReport } from '../analytics/trends';
import type { StateHandle, TrackStateOptions } from '../hooks/state';
import type { StoryHandle, TrackStoryOptions } from '../hooks/story';
import type { TraceCounters, TraceFile, TraceHeader } from '../export/trace-json';
import type { ClientOptions } from '../store/client';
import type { QueryParams, QueryResult } from '../store/protocol';
import type { Pin, PinOptions, PinReport } from '../store/pins';

export interface TraceAgentOptions {
  /** Toggles the overlay; default `Alt+Shift+D`. */
  hotkey?: string;
  /** Ring capacity in entries across all stored sessions; default 200,000. */
  capacity?: number;
  /** Ring capacity in bytes across all stored sessions; default 100 MB. */
  capacityBytes?: number;
  /** Sessions kept; older ones are deleted whole. Default 20. */
  maxSessions?: number;
  /** Show the overlay at once; default false. */
  open?: boolean;
  /** Mount the overlay at all (false for a headless tracer); default true in a page. */
  overlay?: boolean;
  /** IndexedDB database name; default `trace-agent`. */
  dbName?: string;
  /** Throw TraceError on bad input instead of counting it; default false. */
  strict?: boolean;
  /** Limits for copying logged data. */
  limits?: Partial<CopyLimits>;
  /** Run the store in a worker (default) or force it onto the main thread. */
  worker?: boolean;
  /** Batching and backpressure of the store client. */
  store?: ClientOptions;
  /** Player input (keyboard, pointer, touch, wheel, gamepad) as `player` entries; off by default. */
  input?: boolean | PlayerInputOptions;
  /** Page errors, unhandled rejections, focus, long tasks and frames (on); console.error/warn (off). */
  system?: SystemEventsOptions;
  /** Frame stats (`frame:stats` each second) and hitches (`frame:hitch`). */
  frames?: FrameLoopOptions;
  /** The game's fetch and XMLHttpRequest calls as spans (default on); false to leave them alone. */
  network?: boolean | NetworkOptions;
  /** The analytics engine in the store's worker (default on): stats, patterns, anomalies, alerts. */
  analytics?: boolean;
  /** Alert rules added to the defaults; a rule with a default's name replaces it. */
  alerts?: AlertRule[];
  /** Thresholds of alert rules, by rule name or metric: `{ fps: 25, errorRate: 0.1 }`. */
  thresholds?: Record<string, number>;
  /**
   * Pins: blocks eviction skips. `before`/`after` (ms) around an alert that fires or an anomaly found
   * (default 10,000 / 5,000), `maxShare` of the ring pinned blocks may hold (default 0.5; past it the
   * oldest pin is released and counted), `auto` (default true). At most 256 pins are held (past it
   * the oldest is released and counted); an automatic pin widens over overlapping ones up to 4 windows.
   */
  pins?: Partial<PinOptions>;
}

export interface AgentStats extends TraceCounters {
  sessionId: string;
  /** Entries logged but not yet durable. */
  pending: number;
  storage: TraceHeader['storage'];
  /** The store's ledger and how it keeps up: what the counters reconcile with (README, Guarantees). */
  ledger: StoreLedger;
  /** Pins held now, as of the store's last ack (absent before the first, and with a store on the main thread, which keeps none). */
  pins?: number;
  /** Pins released since the database was created, pinned blocks being past their share of the ring or pins past 256 (absent as `pins` is). */
  pinsReleased?: number;
  /** Reads and writes of the pins' state that failed (the pins held in memory; absent as `pins` is). */
  pinSaveFailures?: number;
  /** Why the last of them failed (absent while none did; also in `storage.problems`). */
  pinLastFailure?: string;
}

export interface StoreLedger {
  /** Entries ever written to the ring, all sessions: stored + evicted + deleted + abandoned. */
  appended: number;
  /** Entries left in a database the store lost hold of (it went on in memory). */
  abandoned: number;
  /** Of `evicted`: evicted early because the storage quota was full. */
  quotaEvicted: number;
  /** Entries the quota refused outright (of `droppedByStore`). */
  quotaRefused: number;
  /** Entries that could not be serialised for the store (of `internalErrors`). */
  unserialisable: number;
  /** ms since the store last acked while entries are pending. */
  stalledMs: number;
  /** Stores the watchdog declared dead on this page (restarted or replaced). */
  deadStores: number;
}

export interface ExportOptions {
  /** The current session (default), another session's id, or 'all'. */
  session?: string;
  /** Called as the store writes the file: entries done of the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface DownloadOptions extends ExportOptions {
  /** Gzip the file (`.json.gz`) where the browser has CompressionStream. */
  gzip?: boolean;
}

/** A query of the store; the session defaults to the current one. */
export type TraceQuery = Omit<QueryParams, 'sessionId'> & { sessionId?: string };

export interface TraceAgent {
  readonly sessionId: string;
  readonly version: string;
  logEvent(type: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, options?: LogOptions): void;
  /** Traces an object's, a class's or an array's methods; `target` may be a global path such as `game.npcs`. */
  hook(target: unknown, name?: string, options?: HookOptions): HookReport[];
  unhook(target: unknown): void;
  /**
   * Records the changes of a state: a store with subscribe/getState, a
   * signal, or a plain object (through a Proxy: use the handle's `proxy`, or
   * pass a global path such as `game.state`, where the proxy is put in place).
   * Null when it cannot (the reason is in health).
   */
  trackState(target: unknown, options?: TrackStateOptions): StateHandle | null;
  /** Records a story graph's node transitions; `target` may be a global path. Null when it cannot. */
  trackStory(target: unknown, options?: TrackStoryOptions): StoryHandle | null;
  open(): void;
  close(): void;
  toggle(): void;
  readonly isOpen: boolean;
  /** Resolves when everything logged so far is durable. */
  flush(): Promise<void>;
  /** The trace as the Download button saves it, parsed. */
  exportTrace(options?: ExportOptions): Promise<TraceFile>;
  /** The trace file as a Blob, built by the store (gzipped when asked). */
  exportBlob(options?: DownloadOptions): Promise<Blob>;
  /** Saves `trace-<session>.json` (or `.json.gz`). */
  download(options?: DownloadOptions): Promise<void>;
  /**
   * Opens a trace file (a File or Blob, a URL, or the JSON text; plain or
   * gzipped; ours or a Chrome trace we made), checked whole, and shows it in
   * the overlay. Rejects with a TraceError saying what is wrong and where.
   */
  openTrace(input: Blob | URL | string): Promise<TraceFile>;
  /** A page of stored entries, filtered by the store. */
  query(query?: TraceQuery): Promise<QueryResult>;
  /** Stored sessions, newest first. */
  sessions(): Promise<SessionInfo[]>;
  /** Deletes a stored session; resolves to the entries deleted. */
  deleteSession(sessionId: string): Promise<number>;
  /** Counts, rates, per-method latency, frames and player statistics of this session, from the analytics engine. */
  generateStats(): Promise<EngineStats>;
  /** Frequent sequences, loops, busiest agents and story transitions over `timeframe` ('30s', '5m', '1h', 'session'). */
  analyzePatterns(timeframe?: string): Promise<PatternReport>;
  /** Per metric (event rate, error rate, latency p95, frame time p95, fps) over `timeframe`: slope, direction and a smoothed series. */
  analyzeTrends(timeframe?: string): Promise<TrendReport>;
  /** Anomalies found so far (newest first), with what, where, how far from normal and why. */
  detectAnomalies(): Promise<{ anomalies: Anomaly[]; total: number }>;
  /** ok / degraded / critical, with the reasons. */
  checkHealth(): Promise<HealthReport>;
  /** The game's own alert: fires now; `{ name, resolve: true }` resolves it. Resolves to every alert's status. */
  triggerAlert(condition: GameAlert | string): Promise<AlertStatus[]>;
  /** Every alert's status and the rules. */
  alerts(): Promise<{ statuses: AlertStatus[]; rules: AlertRule[] }>;
  /** Pins the last `lastMs` (default 30 s) of this session: eviction skips its blocks until unpinned or past the pins' share. */
  pin(lastMs?: number, label?: string): Promise<Pin>;
  /** Releases a pin; resolves to whether it was there. */
  unpin(id: number): Promise<boolean>;
  /** The pins (alerts', anomalies' and the user's), with the entries each holds and how many were released. */
  pins(): Promise<PinReport>;
  stats(): AgentStats;
  destroy(): void;
}
