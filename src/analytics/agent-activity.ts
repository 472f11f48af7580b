/**
 * Agent activity for the pattern report: spans per source, their total and
 * mean time, and the failed ones, per agent id (an Interner's).
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { roundFigure } from './sketch';

export interface AgentActivity {
  agent: string;
  calls: number;
  errors: number;
  totalMs: number;
  meanMs: number;
}

export class AgentTotals {
  calls: number[] = [];
  errors: number[] = [];
  ms: number[] = [];
  add(id: number, dur: number, failed: boolean): void {
    this.calls[id] = (this.calls[id] ?? 0) + 1;
    this.ms[id] = (this.ms[id] ?? 0) + dur;
    if (failed) this.errors[id] = (this.errors[id] ?? 0) + 1;
  }
  merge(o: AgentTotals): void {
    for (let i = 0; i < o.calls.length; i++) {
      if (!o.calls[i]) continue;
      this.calls[i] = (this.calls[i] ?? 0) + o.calls[i]!;
      this.ms[i] = (this.ms[i] ?? 0) + (o.ms[i] ?? 0);
      this.errors[i] = (this.errors[i] ?? 0) + (o.errors[i] ?? 0);
    }
  }

  /** Every agent with a call, in id order; `names` by id. */
  activity(names: readonly string[]): AgentActivity[] {
    const out: AgentActivity[] = [];
    for (let a = 0; a < this.calls.length; a++) {
      const calls = this.calls[a];
      if (!calls) continue;
      const ms = this.ms[a] ?? 0;
      out.push({ agent: names[a]!, calls, errors: this.errors[a] ?? 0, totalMs: roundFigure(ms), meanMs: roundFigure(ms / calls) });
    }
    return out;
  }
}
