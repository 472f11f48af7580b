/**
 * Who an anomaly is about: the methods named as its culprits, with their
 * share of what went wrong, and the words the anomaly's reason gives them.
 * The engine (engine.ts) picks the bucket; the rules of who and how much are
 * here.
 */
import type { MetricBucket } from './metric-ring';
import { ms, pct, round } from './figures';

/** Methods an anomaly names at most. */
export const MAX_CULPRITS = 3;

/** Who an anomaly is about: a method and its share of what went wrong. */
export interface Culprit {
  /** `agent.method`. */
  name: string;
  /**
   * 0..1. Errors: its share of the failed calls of the second; latency: its
   * share of the time spent in agent calls in the second; frame time: its
   * call's share of the second's summed frame time.
   */
  share: number;
  /** Errors: its failed calls; latency: its calls; frame time: 1. */
  calls: number;
  /** Frame time: the call's duration (ms) and frame. */
  ms?: number;
  frame?: number;
}

/** The methods with failed calls in a bucket, most failures first, with their share of the failures. */
export function errorCulprits(bucket: MetricBucket, names: readonly string[]): Culprit[] {
  const out: Culprit[] = [];
  const total = bucket.callErrors;
  if (total === 0) return out;
  for (let m = 0; m < bucket.methodErrors.length; m++) {
    const e = bucket.methodErrors[m];
    if (e) out.push({ name: names[m] ?? `#${m}`, share: round(e / total), calls: e });
  }
  return out.sort((a, b) => b.calls - a.calls).slice(0, MAX_CULPRITS);
}

/** A method's calls in a bucket and its share of the time spent in agent calls. */
export function latencyCulprit(bucket: MetricBucket, id: number, name: string): Culprit {
  const s = bucket.methods[id];
  const total = bucket.latency.count > 0 ? bucket.latency.sum : 0;
  const mine = s ? s.sum : 0;
  return { name, share: total > 0 ? round(Math.min(1, mine / total)) : 1, calls: s ? s.count : 0 };
}

export function describeCulprits(metric: string, cs: readonly Culprit[]): string {
  if (metric === 'frameTime') return `longest agent calls of that second: ${cs.map((c) => `${c.name} ${ms(c.ms ?? 0)} (frame ${c.frame})`).join(', ')}`;
  if (metric === 'errorRate') return `failed calls: ${cs.map((c) => `${c.name} ${pct(c.share)}`).join(', ')}`;
  return cs.map((c) => c.name).join(', ');
}
