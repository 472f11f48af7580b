/**
 * Space-Saving (Metwally et al. 2005): the heavy hitters of a stream in k
 * counters, each count an overestimate by at most its `error`; an item whose
 * true count exceeds N/k is always kept. Summaries merge approximately: the
 * merged count of an item adds, for each summary that did not keep it, that
 * summary's smallest count, so counts stay upper bounds and `error` says by
 * how much at most (Agarwal et al., "Mergeable summaries", 2012).
 *
 * With a `KeyTally` to add a batch's keys once per distinct key, weighted by
 * their counts. The pattern analyzer counts n-grams of event types with them.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */

export interface HeavyHitter {
  key: number;
  /** An upper bound of the true count. */
  count: number;
  /** count − error is a lower bound of the true count. */
  error: number;
}

/**
 * Space-Saving with k counters in a min-heap keyed by count: an increment
 * sifts down, a new item replaces the minimum (inheriting its count as error).
 * O(log k) per update, no allocation once full. Keys are numbers.
 */
export class SpaceSaving {
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly errs: Float64Array;
  private readonly pos = new Map<number, number>();
  private size = 0;
  /** Items counted. */
  total = 0;

  constructor(readonly k = 200) {
    this.keys = new Float64Array(k);
    this.counts = new Float64Array(k);
    this.errs = new Float64Array(k);
  }

  /** The smallest count kept (0 when not full: an item not kept was not seen). */
  get min(): number {
    return this.size >= this.k ? this.counts[0]! : 0;
  }

  add(key: number, w = 1): void {
    this.total += w;
    const at = this.pos.get(key);
    if (at !== undefined) {
      this.counts[at]! += w;
      this.down(at);
      return;
    }
    if (this.size < this.k) {
      const i = this.size++;
      this.keys[i] = key;
      this.counts[i] = w;
      this.errs[i] = 0;
      this.pos.set(key, i);
      this.up(i);
      return;
    }
    this.pos.delete(this.keys[0]!);
    this.keys[0] = key;
    this.errs[0] = this.counts[0]!;
    this.counts[0]! += w;
    this.pos.set(key, 0);
    this.down(0);
  }

  private up(i: number): void {
    const key = this.keys[i]!;
    const c = this.counts[i]!;
    const e = this.errs[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.counts[p]! <= c) break;
      this.move(p, i);
      i = p;
    }
    this.place(i, key, c, e);
  }

  private down(i: number): void {
    const n = this.size;
    const key = this.keys[i]!;
    const c = this.counts[i]!;
    const e = this.errs[i]!;
    const start = i;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.counts[r]! < this.counts[l]! ? r : l;
      if (c <= this.counts[m]!) break;
      this.move(m, i);
      i = m;
    }
    if (i !== start) this.place(i, key, c, e);
  }

  /** Moves the item at `from` to `to` (sifting with a hole: one map write per moved item). */
  private move(from: number, to: number): void {
    const k = this.keys[from]!;
    this.keys[to] = k;
    this.counts[to] = this.counts[from]!;
    this.errs[to] = this.errs[from]!;
    this.pos.set(k, to);
  }

  private place(i: number, key: number, c: number, e: number): void {
    this.keys[i] = key;
    this.counts[i] = c;
    this.errs[i] = e;
    this.pos.set(key, i);
  }

  /** Kept items, highest count first. */
  top(limit = this.k): HeavyHitter[] {
    const out: HeavyHitter[] = [];
    for (let i = 0; i < this.size; i++) out.push({ key: this.keys[i]!, count: this.counts[i]!, error: this.errs[i]! });
    return out.sort((a, b) => b.count - a.count || a.key - b.key).slice(0, limit);
  }

  clear(): void {
    this.pos.clear();
    this.size = 0;
    this.total = 0;
  }

  /**
   * The merge of summaries, top `k` kept: counts add, and a summary that is
   * full and did not keep an item adds its minimum to that item's count and
   * error (what it may have missed). Counts stay upper bounds.
   */
  static merge(parts: readonly SpaceSaving[], k: number): HeavyHitter[] {
    let sumMins = 0;
    const acc = new Map<number, { count: number; error: number; mins: number }>();
    for (const p of parts) {
      const min = p.min;
      sumMins += min;
      for (let i = 0; i < p.size; i++) {
        const key = p.keys[i]!;
        let a = acc.get(key);
        if (!a) acc.set(key, (a = { count: 0, error: 0, mins: 0 }));
        a.count += p.counts[i]!;
        a.error += p.errs[i]!;
        a.mins += min;
      }
    }
    const out: HeavyHitter[] = [];
    for (const [key, a] of acc) out.push({ key, count: a.count + sumMins - a.mins, error: a.error + sumMins - a.mins });
    return out.sort((a, b) => b.count - a.count || a.key - b.key).slice(0, k);
  }
}

/**
 * Counts of numeric keys in an open-addressing table (linear probing), to
 * add n-grams to the Space-Saving summaries once per distinct key per batch
 * (with its count as weight: weighted Space-Saving keeps its bounds) rather
 * than once per entry.
 */
export class KeyTally {
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly used: Int32Array;
  private n = 0;
  private readonly mask: number;
  constructor(bits = 12) {
    const cap = 1 << bits;
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.counts = new Float64Array(cap);
    this.used = new Int32Array(cap);
  }
  /** Counts `key` (≥ 0); false when the table is half full and should be flushed first. */
  add(key: number): boolean {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = (Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 16) & this.mask;
    for (;;) {
      const k = this.keys[h]!;
      if (k === key) {
        this.counts[h]!++;
        return true;
      }
      if (k === -1) {
        if (this.n * 2 >= this.keys.length) return false;
        this.keys[h] = key;
        this.counts[h] = 1;
        this.used[this.n++] = h;
        return true;
      }
      h = (h + 1) & this.mask;
    }
  }
  flush(a: SpaceSaving, b: SpaceSaving | null): void {
    for (let i = 0; i < this.n; i++) {
      const h = this.used[i]!;
      const key = this.keys[h]!;
      const c = this.counts[h]!;
      a.add(key, c);
      b?.add(key, c);
      this.keys[h] = -1;
    }
    this.n = 0;
  }
}
