// Global declarations for the demo game. Deliberately loose: the demo talks to
// the trace agent only through `window.TraceAgent?.logEvent?.(...)`, so it runs
// unchanged when the agent is absent, and it never imports from ../src.

interface DemoTraceAgentOptions {
  kind?: string;
  level?: string;
  source?: string;
}

interface DemoTraceAgent {
  logEvent?(
    type: string,
    data?: Record<string, unknown>,
    metadata?: Record<string, unknown>,
    options?: DemoTraceAgentOptions,
  ): void;
  openTrace?(input: string): Promise<unknown>;
  [key: string]: unknown;
}

interface Window {
  TraceAgent?: DemoTraceAgent;
}

// Vite handles `import './style.css'`; tell TypeScript such imports exist.
declare module '*.css' {}
