/**
 * What the overlay reads from the agent: snapshots, the store's queries and
 * the analytics engine's figures, never the raw stream. Every panel gets its
 * data here, so the panels can be tested with a fake source (happy-dom).
 */
import type { AlertRule, AlertStatus } from '../analytics/alerts';
import type { Anomaly, EngineStats } from '../analytics/engine';
import type { HealthReport } from '../analytics/health';
import type { PatternReport } from '../analytics/patterns';
import type { TrendReport } from '../analytics/trends';
import type { TraceEntry } from '../core/entry';
import type { TraceCounters, TraceFile } from '../export/trace-json';
import type { StoreStatus } from '../store/client';
import type { QueryParams, QueryResult } from '../store/protocol';
import type { Pin, PinReport } from '../store/pins';

export interface OverlaySnapshot {
  sessionId: string;
  /** ms since session start. */
  elapsed: number;
  counters: TraceCounters;
  /** Entries logged but not yet durable. */
  pending: number;
  fps: number;
  /** The current animation frame number. */
  frame: number;
  /** Ring capacity in entries. */
  capacity: number;
  store: StoreStatus;
  /** Hook paths that could not be hooked, with the reason. */
  hookProblems: { path: string; reason: string }[];
  /** What the browser cannot report (long-animation-frame, longtask). */
  unsupported: string[];
  /** Recording is paused (entries are counted, not stored). */
  paused: boolean;
  /** Whether analytics run (in the worker). */
  analytics: boolean;
  /** Origin storage used and available (navigator.storage.estimate), when known. */
  quota: { usage: number; quota: number } | null;
}

/** A store query; the session defaults to the live one. */
export type OverlayQuery = Omit<QueryParams, 'sessionId'> & { sessionId?: string };

export interface DownloadProgress {
  done: number;
  total: number;
}

/** A trace file opened for viewing. */
export interface OpenedFile {
  name: string;
  trace: TraceFile;
}

export interface OverlaySource {
  snapshot(): OverlaySnapshot;
  /** The newest entries, oldest first. */
  tail(limit: number): Promise<TraceEntry[]>;
  /** A page of stored entries, filtered by the store (see QueryParams). */
  query(q: OverlayQuery): Promise<QueryResult>;

  // The analytics engine (each rejects when analytics are off or the store runs on the main thread).
  stats(): Promise<EngineStats>;
  trends(timeframe: string): Promise<TrendReport>;
  patterns(timeframe: string): Promise<PatternReport>;
  anomalies(): Promise<{ anomalies: Anomaly[]; total: number }>;
  alerts(): Promise<{ statuses: AlertStatus[]; rules: AlertRule[] }>;
  health(): Promise<HealthReport>;

  // Pins (the store's, with or without analytics).
  pins(): Promise<PinReport>;
  /** Pins the last `lastMs` of the live session. */
  pin(lastMs: number): Promise<Pin>;
  unpin(id: number): Promise<boolean>;

  // The toolbar.
  /** Saves the trace JSON (gzipped when asked), reporting progress for large traces. */
  download(options?: { gzip?: boolean; onProgress?: (p: DownloadProgress) => void }): Promise<void>;
  /** Saves the trace in Chrome's Trace Event format (opens in Perfetto and chrome://tracing). */
  downloadChromeTrace(options?: { onProgress?: (p: DownloadProgress) => void }): Promise<void>;
  /** Reads a downloaded trace file (JSON, or gzipped JSON, or a Chrome trace we made) for viewing. */
  openTraceFile(file: Blob): Promise<TraceFile>;
  /**
   * Calls `show` with each trace the game opens (`openTrace()`), or why it
   * could not be opened; the last one before the overlay mounted too. Returns
   * the unsubscribe.
   */
  onTraceOpened?(show: (opened: OpenedFile | { problem: string }) => void): () => void;
  /** Stops or resumes storing entries (they are counted while paused). */
  setPaused(paused: boolean): void;
  /** Deletes what the store holds of the live session. */
  clear(): Promise<void>;
}
