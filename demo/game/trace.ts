/**
 * The demo's only link to the trace agent. Every call is optional-chained, so
 * the game runs the same with or without `/trace-agent.js` on the page, and a
 * throwing agent can never break the game loop.
 */
export type TraceKind = 'state' | 'player' | 'system' | 'agent' | 'perf' | 'error' | 'custom';
export type TraceLevel = 'debug' | 'info' | 'warn' | 'error' | 'critical';

export function logEvent(
  type: string,
  data?: Record<string, unknown>,
  options?: { kind?: TraceKind; level?: TraceLevel; source?: string },
  metadata?: Record<string, unknown>,
): void {
  try {
    window.TraceAgent?.logEvent?.(type, data, metadata, options);
  } catch {
    // The game must keep running whatever the tracer does.
  }
}

/** True when a trace agent with `logEvent` is present on the page. */
export function traceAvailable(): boolean {
  return typeof window.TraceAgent?.logEvent === 'function';
}
