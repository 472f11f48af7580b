/** The ESM API. */
export { createTraceAgent, VERSION } from './create-agent';
export type { TraceAgent, TraceAgentOptions, AgentStats, ExportOptions } from './create-agent';
export type { LogOptions } from './core/agent';
export type { TraceEntry, Kind, Level, SessionInfo, SpanError } from './core/entry';
export { TraceError, type TraceErrorCode } from './core/errors';
export type { CopyLimits } from './core/safe-copy';
export type { HookOptions, HookReport } from './hooks/hook';
export { parseTrace, revive, SCHEMA_VERSION, type TraceFile, type TraceHeader, type TraceCounters } from './export/trace-json';
