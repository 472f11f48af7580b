/**
 * Counts with a per-second ring of the last 60 s, and a table of them by name
 * with a cap on the names (the rest count under OTHER_NAME): the stats
 * collector's counts and rates per kind, level, type and source.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { OTHER_NAME } from './timeframe';

/** A count with a per-second ring of the last 60 s. */
export class KeyCounter {
  count = 0;
  private readonly ring = new Float64Array(60);
  private readonly stamp = new Float64Array(60).fill(-1);

  inc(sec: number): void {
    this.count++;
    const j = sec % 60;
    if (this.stamp[j] !== sec) {
      this.stamp[j] = sec;
      this.ring[j] = 1;
    } else this.ring[j]!++;
  }

  /** Entries in the 60 seconds ending with second `nowSec`. */
  last60(nowSec: number): number {
    let n = 0;
    for (let j = 0; j < 60; j++) {
      const s = this.stamp[j]!;
      if (s > nowSec - 60 && s <= nowSec) n += this.ring[j]!;
    }
    return n;
  }
}

/** Counters by name, at most `cap` names; the rest count under OTHER_NAME. */
export class KeyTable {
  readonly map = new Map<string, KeyCounter>();
  constructor(private readonly cap: number) {}
  get(name: string): KeyCounter {
    let c = this.map.get(name);
    if (c) return c;
    if (this.map.size >= this.cap) name = OTHER_NAME;
    c = this.map.get(name);
    if (!c) this.map.set(name, (c = new KeyCounter()));
    return c;
  }
}
