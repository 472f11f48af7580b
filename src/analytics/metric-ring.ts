/**
 * Time buckets of the collectors' figures: a `MetricRing` holds tiers of
 * buckets (1 s × 120, 10 s × 360, 1 min × 1440) filled at the finest tier and
 * rolled up as each bucket closes, so "the last 60 s", a trend over an hour
 * or a p95 over the last 10 s are merges of a few buckets, with memory
 * bounded by the tiers. The stats collector fills them; the trends and the
 * engine read them.
 *
 * Pure and DOM-free: runs in the worker and in Node.
 */
import { DDSketch, DEFAULT_ALPHA } from './sketch';
/** What one bucket of time holds. Read-only for everyone but the ring. */
export class MetricBucket {
  /** Clock ms at which the bucket starts. */
  start = 0;
  /** Entries. */
  events = 0;
  /** Error entries (kind 'error' or level error/critical). */
  errors = 0;
  /** Agent spans, and the failed ones. */
  calls = 0;
  callErrors = 0;
  /** Player entries. */
  input = 0;
  /** State entries (changes, checkpoints, story). */
  state = 0;
  /** Frames from frame:stats, their summed time (ms), and the hitches among them (the collector's threshold). */
  frames = 0;
  frameMs = 0;
  hitches = 0;
  /** Latency of every span (ms). */
  readonly latency: DDSketch;
  /** Frame times (ms). */
  readonly frameTimes: DDSketch;
  /** Latency per method id (MetricRing.methodNames), where the tier keeps them. */
  methods: (DDSketch | undefined)[] = [];
  /** Failed calls per method id. */
  methodErrors: number[] = [];

  constructor(readonly alpha = DEFAULT_ALPHA) {
    this.latency = new DDSketch(alpha);
    this.frameTimes = new DDSketch(alpha);
  }

  clear(start: number): void {
    this.start = start;
    this.events = this.errors = this.calls = this.callErrors = this.input = this.state = 0;
    this.frames = this.frameMs = this.hitches = 0;
    this.latency.clear();
    this.frameTimes.clear();
    if (this.methods.length) this.methods = [];
    if (this.methodErrors.length) this.methodErrors = [];
  }

  /** Adds another bucket's figures (same α). */
  merge(o: MetricBucket, perMethod = true): void {
    this.events += o.events;
    this.errors += o.errors;
    this.calls += o.calls;
    this.callErrors += o.callErrors;
    this.input += o.input;
    this.state += o.state;
    this.frames += o.frames;
    this.frameMs += o.frameMs;
    this.hitches += o.hitches;
    this.latency.merge(o.latency);
    this.frameTimes.merge(o.frameTimes);
    if (!perMethod) return;
    for (let m = 0; m < o.methods.length; m++) {
      const s = o.methods[m];
      if (!s) continue;
      let mine = this.methods[m];
      if (!mine) this.methods[m] = mine = new DDSketch(this.alpha);
      mine.merge(s);
      this.methodErrors[m] = (this.methodErrors[m] ?? 0) + (o.methodErrors[m] ?? 0);
    }
  }

  /** A span of `dur` ms of method `m` (-1: no per-method record); `key` is its sketch bin (DDSketch.keyOf, same α). */
  addCall(dur: number, failed: boolean, m: number, key: number): void {
    this.calls++;
    this.latency.addKeyed(dur, key);
    if (failed) this.callErrors++;
    if (m < 0) return;
    let s = this.methods[m];
    if (!s) this.methods[m] = s = new DDSketch(this.alpha);
    s.addKeyed(dur, key);
    if (failed) this.methodErrors[m] = (this.methodErrors[m] ?? 0) + 1;
  }

  /** A frame of `ms`; `hitch` when it is over the collector's hitch threshold. */
  addFrame(ms: number, hitch: boolean): void {
    this.frames++;
    this.frameMs += ms;
    this.frameTimes.add(ms);
    if (hitch) this.hitches++;
  }
}

export interface TierSpec {
  /** Bucket width (ms). */
  width: number;
  slots: number;
  /** Whether buckets keep per-method latency sketches. */
  perMethod: boolean;
}

/** 1 s for two minutes, 10 s for an hour, 1 min for a day (per-method latency up to an hour). */
export const DEFAULT_TIERS: readonly TierSpec[] = [
  { width: 1_000, slots: 120, perMethod: true },
  { width: 10_000, slots: 360, perMethod: true },
  { width: 60_000, slots: 1_440, perMethod: false },
];

class Tier {
  readonly buckets: MetricBucket[] = [];
  head = 0;
  /** Start of the head bucket; -1 before the first entry. */
  headStart = -1;
  constructor(
    readonly spec: TierSpec,
    private readonly alpha: number,
  ) {}

  bucket(i: number): MetricBucket {
    let b = this.buckets[i];
    if (!b) this.buckets[i] = b = new MetricBucket(this.alpha);
    return b;
  }
}

/** A time range of buckets, as `MetricRing.range` returns it. */
export interface BucketSeries {
  /** Bucket width (ms). */
  width: number;
  /** Consecutive buckets (empty ones included), oldest first. */
  buckets: MetricBucket[];
}

/**
 * Tiers of buckets over the clock. The engine's collectors write into
 * `current(t)`; a finished bucket is merged into the next tier's bucket, so
 * each tier holds everything, at its own resolution, for its own span.
 */
export class MetricRing {
  readonly tiers: Tier[];
  /** Names of method ids (the owner assigns them). */
  readonly methodNames: string[] = [];
  /** End of the finest tier's head bucket: entries before it need no advance. */
  private headEnd = -Infinity;
  private head0: MetricBucket;

  constructor(
    specs: readonly TierSpec[] = DEFAULT_TIERS,
    readonly alpha = DEFAULT_ALPHA,
  ) {
    this.tiers = specs.map((s) => new Tier(s, alpha));
    this.head0 = this.tiers[0]!.bucket(0);
  }

  /** The bucket entries at clock `t` go into (late entries go into the newest). */
  current(t: number): MetricBucket {
    if (t >= this.headEnd) this.advance(0, t);
    return this.head0;
  }

  private advance(k: number, t: number): void {
    const tier = this.tiers[k]!;
    const w = tier.spec.width;
    const start = Math.floor(t / w) * w;
    if (tier.headStart < 0) {
      tier.headStart = start;
      tier.bucket(tier.head).clear(start);
    } else if (start > tier.headStart) {
      const closing = tier.bucket(tier.head);
      const up = this.tiers[k + 1];
      if (up) {
        this.advance(k + 1, closing.start);
        up.bucket(up.head).merge(closing, up.spec.perMethod);
      }
      const steps = Math.min((start - tier.headStart) / w, tier.spec.slots);
      for (let s = 1; s <= steps; s++) {
        tier.head = (tier.head + 1) % tier.spec.slots;
        tier.bucket(tier.head).clear(start - (steps - s) * w);
      }
      tier.headStart = start;
    }
    if (k === 0) {
      this.head0 = tier.bucket(tier.head);
      this.headEnd = tier.headStart + w;
    }
  }

  /**
   * Buckets covering clock [from, to], from the finest tier that reaches back
   * to `from` (or the coarsest), each complete: the heads of finer tiers,
   * not yet rolled up, are merged in. Buckets of the ring are returned as
   * they are when nothing needs merging into them: read them, never write.
   */
  range(from: number, to: number): BucketSeries {
    const t0 = this.tiers[0]!;
    if (t0.headStart < 0) return { width: t0.spec.width, buckets: [] };
    let k = 0;
    while (k < this.tiers.length - 1) {
      const tk = this.tiers[k]!;
      const w = tk.spec.width;
      // This tier reaches back to `from`: its oldest slot starts at or before it.
      if (to - from < w * tk.spec.slots && Math.floor(from / w) * w >= tk.headStart - (tk.spec.slots - 1) * w) break;
      k++;
    }
    const tier = this.tiers[k]!;
    const w = tier.spec.width;
    const oldest = tier.headStart - (tier.spec.slots - 1) * w;
    const first = Math.max(Math.floor(from / w) * w, oldest);
    const last = Math.floor(to / w) * w;
    const byStart = new Map<number, MetricBucket>();
    for (const b of tier.buckets) if (b.start >= first && b.start <= last && b.start >= oldest && b.start <= tier.headStart) byStart.set(b.start, b);
    for (let j = 0; j < k; j++) {
      const lower = this.tiers[j]!;
      if (lower.headStart < 0) continue;
      const h = lower.bucket(lower.head);
      const s = Math.floor(h.start / w) * w;
      if (s < first || s > last) continue;
      const at = byStart.get(s);
      const merged = new MetricBucket(this.alpha);
      merged.clear(s);
      if (at) merged.merge(at, tier.spec.perMethod);
      merged.merge(h, tier.spec.perMethod);
      byStart.set(s, merged);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of byStart.keys()) {
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    const buckets: MetricBucket[] = [];
    if (lo === Infinity) return { width: w, buckets };
    // From the first bucket with data (a session younger than the timeframe has no buckets before its start) to `to`.
    for (let s = Math.max(first, lo); s <= last; s += w) {
      let b = byStart.get(s);
      if (!b) {
        b = new MetricBucket(this.alpha);
        b.clear(s);
      }
      buckets.push(b);
    }
    return { width: w, buckets };
  }

  /** Everything in clock [from, to] as one new bucket; `perMethod` false leaves out the per-method sketches (totals only). */
  merged(from: number, to: number, perMethod = true): MetricBucket {
    const out = new MetricBucket(this.alpha);
    const r = this.range(from, to);
    out.clear(r.buckets[0]?.start ?? from);
    for (const b of r.buckets) out.merge(b, perMethod);
    return out;
  }

  reset(): void {
    for (const t of this.tiers) {
      t.buckets.length = 0;
      t.head = 0;
      t.headStart = -1;
    }
    this.methodNames.length = 0;
    this.headEnd = -Infinity;
    this.head0 = this.tiers[0]!.bucket(0);
  }
}
