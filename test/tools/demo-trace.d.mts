// Types of demo-trace.mjs for the unit tests (test/unit/cli/*).
import type { TraceEntry } from '../../src/core/entry';
import type { TraceHeader } from '../../src/export/trace-json';

export interface DemoFault {
  /** `agent.method` */
  method: string;
  /** × the method's latency. */
  slow?: number;
  /** Share of its calls that fail. */
  failShare?: number;
  /** From this entry's seq on. */
  from?: number;
}
export interface DemoOptions {
  seed?: number;
  fault?: DemoFault | null;
  /** The seed of the story's path (default: seed). */
  storySeed?: number;
}
export const SESSION: string;
export function demoHeader(n: number, seed?: number): TraceHeader;
export function demoEntries(n: number, opts?: DemoOptions): Generator<TraceEntry>;
export function writeDemoTrace(path: string, n: number, opts?: DemoOptions): Promise<void>;
