/** The ESM API. */
export { createTraceAgent, VERSION } from './create-agent';
export type { TraceAgent, TraceAgentOptions, AgentStats, ExportOptions, DownloadOptions, TraceQuery } from './create-agent';
export type { LogOptions } from './core/agent';
export type { TraceEntry, Kind, Level, SessionInfo, SpanError } from './core/entry';
export { TraceError, type TraceErrorCode } from './core/errors';
export type { CopyLimits } from './core/safe-copy';
export type { HookOptions, HookReport } from './hooks/hook';
export type { TrackStateOptions, StateHandle, StateChange, StatePath } from './hooks/state';
export type { TrackStoryOptions, StoryHandle } from './hooks/story';
export type { PlayerInputOptions } from './hooks/input';
export type { SystemEventsOptions } from './hooks/system';
export type { NetworkOptions } from './hooks/network';
export type { FrameLoopOptions } from './hooks/frame-loop';
export type { QueryParams, QueryResult } from './store/protocol';
export { parseTrace, revive, SCHEMA_VERSION, type TraceFile, type TraceHeader, type TraceCounters } from './export/trace-json';
export { stateAt, type ReplayedState } from './export/state-replay';
