/**
 * The counters of a Chrome trace, a value a second: events per second and
 * span latency (mean and max of the spans that ended in the second), counted
 * as the entries go by; fps and frame time from each `frame:stats` entry.
 */
import { FLAG_CLOCK, type TraceEntry } from '../core/entry';
import { FRAME_STATS, type FrameStatsData } from '../core/event-types';

export interface CounterSample {
  name: string;
  /** µs */
  ts: number;
  args: Record<string, number>;
}

export class SecondCounters {
  private second = -1;
  private events = 0;
  private spans = 0;
  private durSum = 0;
  private durMax = 0;

  /** Counts `e`; returns the samples of the seconds it closed, and of its frame stats. */
  add(e: TraceEntry): CounterSample[] {
    const out: CounterSample[] = [];
    const s = Math.max(0, Math.floor(e.ts / 1000));
    if (s !== this.second) {
      this.close(out);
      this.second = s;
    }
    this.events++;
    if (e.dur !== undefined && !((e.flags ?? 0) & FLAG_CLOCK)) {
      this.spans++;
      this.durSum += e.dur;
      this.durMax = Math.max(this.durMax, e.dur);
    }
    if (e.type === FRAME_STATS) out.push(...frameSamples(e));
    return out;
  }

  /** The samples of the last second. */
  finish(): CounterSample[] {
    const out: CounterSample[] = [];
    this.close(out);
    this.second = -1;
    return out;
  }

  private close(out: CounterSample[]): void {
    if (this.second < 0) return;
    const ts = this.second * 1e6;
    out.push({ name: 'event rate (/s)', ts, args: { events: this.events } });
    if (this.spans > 0) out.push({ name: 'latency (ms)', ts, args: { mean: round(this.durSum / this.spans), max: round(this.durMax) } });
    this.events = this.spans = this.durSum = this.durMax = 0;
  }
}

function frameSamples(e: TraceEntry): CounterSample[] {
  const times: unknown = (e.data as Partial<FrameStatsData> | undefined)?.times;
  if (!Array.isArray(times)) return [];
  const nums = times.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (nums.length === 0) return [];
  let sum = 0;
  let max = 0;
  for (const x of nums) {
    sum += x;
    if (x > max) max = x;
  }
  const mean = sum / nums.length;
  const ts = Math.round(e.ts * 1000);
  return [
    { name: 'frame time (ms)', ts, args: { mean: round(mean), max: round(max) } },
    { name: 'fps', ts, args: { fps: sum > 0 ? round((nums.length * 1000) / sum) : 0 } },
  ];
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
