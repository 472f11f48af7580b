/**
 * Where the trace opener's code comes from (export/open-trace.ts and the
 * readers under it), set by the entry as the overlay's is: the drop-in
 * script takes it from dist/trace-agent.overlay.js (which the file picker and
 * the drop zone use too), the ESM build imports its chunk. The page's own
 * script does not carry it: a game that never opens a trace never loads it.
 */
import { rejected } from '../core/builtins';
import type { openTrace } from '../export/open-trace';

export type OpenTrace = typeof openTrace;
export type TraceOpenerLoader = () => Promise<OpenTrace>;

let loader: TraceOpenerLoader = () => rejected(new Error('no way to load the trace reader on this page'));

export function setTraceOpener(next: TraceOpenerLoader): void {
  loader = next;
}

export function loadTraceOpener(): Promise<OpenTrace> {
  return loader();
}
