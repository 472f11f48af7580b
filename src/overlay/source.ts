/** What the overlay reads from the agent: snapshots and queries, never the raw stream. */
import type { TraceEntry } from '../core/entry';
import type { StoreStatus } from '../store/client';
import type { TraceCounters } from '../export/trace-json';

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
}

export interface OverlaySource {
  snapshot(): OverlaySnapshot;
  /** The newest entries, oldest first. */
  tail(limit: number): Promise<TraceEntry[]>;
  download(): Promise<void>;
}
