/** The ESM API. */
import { createTraceAgent as createAgent, type TraceAgent, type TraceAgentOptions } from './create-agent';
import { moduleWorkerRoute } from './store/module-worker';
import { setWorkerRoutes } from './store/spawn-worker';
import { setOverlayLoader } from './agent/overlay-loader';
import { setTraceOpener } from './agent/open-loader';
import { setChromeWriter } from './store/export-stream';

export { VERSION } from './create-agent';

/** Starts the agent; its store runs in dist/esm/worker.js, started from the URL your bundler gives that file. */
export function createTraceAgent(options: TraceAgentOptions = {}): TraceAgent {
  setWorkerRoutes(moduleWorkerRoute);
  // A chunk of its own, imported when the overlay is first opened.
  setOverlayLoader(async () => (await import('./overlay/mount')).mountOverlay);
  // The same for the trace opener (openTrace(), the overlay's file picker and drop zone).
  setTraceOpener(async () => (await import('./export/open-trace')).openTrace);
  setChromeWriter(async () => new (await import('./export/chrome-trace')).ChromeTraceWriter()); // for a store on the main thread
  return createAgent(options);
}
export type { TraceAgent, TraceAgentOptions, AgentStats, ExportOptions, DownloadOptions, TraceQuery } from './create-agent';
export type { LogOptions } from './core/agent';
export type { TraceEntry, Kind, Level, SessionInfo, SpanError } from './core/entry';
export { TraceError, type TraceErrorCode } from './core/errors';
export type { CopyLimits } from './core/safe-copy';
export type { HookOptions, HookReport } from './hooks/hook';
export type { TrackStateOptions, StateHandle } from './hooks/state';
export type { StateChange, StatePath } from './core/event-types';
export type { TrackStoryOptions, StoryHandle } from './hooks/story';
export type { PlayerInputOptions } from './hooks/input';
export type { SystemEventsOptions } from './hooks/system';
export type { NetworkOptions } from './hooks/network';
export type { FrameLoopOptions } from './hooks/frame-loop';
export type { QueryParams, QueryResult } from './store/protocol';
export type { Pin, PinInfo, PinOptions, PinReason, PinReport } from './store/pins';
export { parseTrace, revive, SCHEMA_VERSION, type TraceFile, type TraceHeader, type TraceCounters, type TracePin } from './export/trace-json';
export { stateAt, type ReplayedState } from './export/state-replay';
export type { AlertRule, AlertStatus, AlertTransition, GameAlert, Severity } from './analytics/alerts';
export type { Anomaly, EngineStats } from './analytics/engine';
export type { HealthReport, HealthReason, HealthStatus } from './analytics/health';
export type { PatternReport } from './analytics/patterns';
export type { TrendReport } from './analytics/trends';
export type { GeneratedStats } from './analytics/stats';
export type { PlayerStats } from './analytics/player';
export { compareTraces, digestTrace, TraceDigester, type TraceComparison, type TraceDigest, type MethodComparison, type Comparable } from './analytics/compare';
