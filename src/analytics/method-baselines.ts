/**
 * Per-method baselines counted in calls, not seconds: every agent method
 * (the stats collector's method ids, at most its maxMethods + 1) keeps its own
 * latency and outcome history, learnt from its own calls, and a verdict is
 * given on the call that completes the evidence, so a fault is told after a
 * handful of bad calls whatever the session's age.
 *
 * Latency: the history is a clipped (Huber-like) running mean and mean
 * absolute deviation of ln(duration); a call is slow when it is beyond all of
 * - the method's usual ln-level + Z_SLOW spreads (a robust tail test),
 * - RATIO_SLOW × its usual latency (a relative floor),
 * - its usual latency + ABS_SLOW_MS (an absolute floor: 0.1 ms → 0.3 ms is not news),
 * and the method is anomalous when SLOW_NEEDED of its last SLOW_WINDOW calls
 * were slow (after MIN_LATENCY_CALLS calls of history).
 * Outcome: a run of consecutive failures after successes that the method's
 * own error rate makes less likely than P_RARE, or (for failures mixed with
 * successes) as many failures in the last 32 calls as its own history makes
 * less likely than P_RARE (binomial tail).
 *
 * Memory: a few numbers a method in typed arrays, grown with the ids the
 * stats collector assigns (bounded by its maxMethods). Work: O(1) a call;
 * the binomial tail (≤ 32 terms) only on a failed call.
 *
 * The constants were set from these first principles before the fault suite
 * (`npm run eval:faults`) was written; one change was made after looking at
 * its tuning seeds only (clipping from the 5th call, not the 20th).
 */

/** Calls of history before a latency verdict. */
export const MIN_LATENCY_CALLS = 20;
/** Calls from which the history's updates are clipped (a robust estimate from the start). */
const CLIP_FROM_CALL = 5;
/** Calls of history (successes) before a run of failures is news. */
export const MIN_OUTCOME_CALLS = 10;
/** A slow call is beyond the usual ln-latency by this many mean absolute deviations (≈ 3.2 σ). */
const Z_SLOW = 4;
/** Least spread in ln units (a method with constant latency still jitters by ~5 %). */
const MIN_SPREAD = 0.05;
const RATIO_SLOW = 1.5;
export const ABS_SLOW_MS = 1;
const SLOW_WINDOW = 8;
const SLOW_NEEDED = 5;
/** Weight of the newest call in the history, at least (≈ the last 128 calls). */
const HISTORY_ALPHA = 1 / 128;
/** A run of failures (or a window's failure count) this unlikely under the method's own error rate is news. */
const P_RARE = 1e-7;
const LOG_P_RARE = Math.log(P_RARE);
/** Shortest run of failures told, and fewest failures in the window for the rate test. */
const MIN_RUN = 3;
const MIN_WINDOW_FAILS = 4;
/** Decay of the outcome counts a call (≈ the last 1,000 calls). */
const COUNT_DECAY = 1 - 1 / 1024;
/** A method already told about is told again only after its window has cleared and this long (ms of trace time). */
const RETELL_MS = 10_000;

export type MethodVerdictKind = 'latency' | 'errors';

/** One verdict: method `id` became anomalous on the call at `ts`. */
export interface MethodVerdict {
  kind: MethodVerdictKind;
  id: number;
  /** Trace time and seq of the call that completed the evidence, and of the first bad call of it. */
  ts: number;
  seq: number;
  sinceTs: number;
  sinceSeq: number;
  /** Latency: the verdict call's duration (ms). Errors: failures in the run or window. */
  value: number;
  /** Latency: the usual latency (ms). Errors: the usual error rate (0..1). */
  expected: number;
  /** Latency: the slow bar (ms). Errors: the failures expected at most. */
  bar: number;
  /** Bad calls among the recent ones, and how many were looked at. */
  bad: number;
  of: number;
  /** Errors: 'run' (consecutive failures) or 'rate' (failures mixed with successes). */
  rule?: 'run' | 'rate';
  /** log10 of the probability of the evidence under the method's own history (errors), or its z in spreads (latency). */
  surprise: number;
}

const FIELDS = ['n', 'mu', 'dev', 'cN', 'cF', 'hN', 'hF', 'ok', 'sinceTs', 'sinceSeq', 'esinceTs', 'esinceSeq', 'wsinceTs', 'wsinceSeq', 'toldAt', 'etoldAt'] as const;
type Field = (typeof FIELDS)[number];

export class MethodBaselines {
  private cap = 0;
  private f = {} as Record<Field, Float64Array>;
  /** Bit masks of the last calls: slow (8 bits), failed (32 bits); the current failure run; whether a verdict stands. */
  private slowMask = new Uint32Array(0);
  private failMask = new Uint32Array(0);
  private run = new Uint32Array(0);
  private state = new Uint8Array(0);
  /** Verdicts since the last drain (bounded: at most one a method a kind until its window clears). */
  private pending: MethodVerdict[] = [];

  constructor(private readonly maxIds = 1_001) {
    this.grow(64);
  }

  /** Bytes of state: grows with the methods seen, at most maxIds. */
  get stateBytes(): number {
    return this.cap * (FIELDS.length * 8 + 4 + 4 + 4 + 1);
  }

  /** One completed call of method `id` (ms), at trace time `ts`. */
  observe(id: number, dur: number, failed: boolean, ts: number, seq: number): void {
    if (id < 0 || id >= this.maxIds) return;
    if (id >= this.cap) this.grow(Math.min(this.maxIds, Math.max(id + 1, this.cap * 2)));
    const f = this.f;
    const n = f.n[id]!;
    f.n[id] = n + 1;
    this.latency(id, n, dur, ts, seq);
    this.outcome(id, n, failed, ts, seq);
  }

  /** The verdicts since the last call (then forgotten). */
  drain(): MethodVerdict[] {
    if (this.pending.length === 0) return EMPTY;
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private latency(id: number, n: number, dur: number, ts: number, seq: number): void {
    const f = this.f;
    const x = Math.log(dur > 1e-3 ? dur : 1e-3);
    if (n === 0) {
      f.mu[id] = x;
      f.dev[id] = 0;
      return;
    }
    const mu = f.mu[id]!;
    const spread = Math.max(f.dev[id]!, MIN_SPREAD);
    let slow = false;
    if (n >= MIN_LATENCY_CALLS) {
      const usual = Math.exp(mu);
      const bar = Math.max(Math.exp(mu + Z_SLOW * spread), RATIO_SLOW * usual, usual + ABS_SLOW_MS);
      slow = dur > bar;
      const mask = ((this.slowMask[id]! << 1) | (slow ? 1 : 0)) & ((1 << SLOW_WINDOW) - 1);
      this.slowMask[id] = mask;
      const st = this.state[id]!;
      if (mask === 0) {
        if (st & 1 && ts - f.toldAt[id]! >= RETELL_MS) this.state[id] = st & ~1;
      } else if (slow && (mask & ~1) === 0) {
        f.sinceTs[id] = ts; // the first slow call of this run of evidence
        f.sinceSeq[id] = seq;
      }
      if (slow && !(st & 1) && popcount(mask) >= SLOW_NEEDED) {
        this.state[id] = this.state[id]! | 1;
        f.toldAt[id] = ts;
        this.pending.push({
          kind: 'latency',
          id,
          ts,
          seq,
          sinceTs: f.sinceTs[id]!,
          sinceSeq: f.sinceSeq[id]!,
          value: dur,
          expected: usual,
          bar,
          bad: popcount(mask),
          of: Math.min(SLOW_WINDOW, n - MIN_LATENCY_CALLS + 1),
          surprise: (x - mu) / spread,
        });
      }
    }
    // Clipped update: a slow call moves the history by at most 3 spreads × α.
    const a = Math.max(HISTORY_ALPHA, 1 / (n + 1));
    let r = x - mu;
    const lim = 3 * spread;
    // Clipped from the 5th call on: slow calls among the first ones must not inflate the spread the first verdicts use.
    if (n >= CLIP_FROM_CALL) r = r > lim ? lim : r < -lim ? -lim : r;
    f.mu[id] = mu + a * r;
    f.dev[id] = f.dev[id]! + a * (Math.abs(r) - f.dev[id]!);
  }

  private outcome(id: number, n: number, failed: boolean, ts: number, seq: number): void {
    const f = this.f;
    const prevMask = this.failMask[id]!;
    // The call leaving the 32-call window joins the delayed history (the window is never judged against itself).
    if (n >= 32) {
      f.hN[id] = f.hN[id]! * COUNT_DECAY + 1;
      f.hF[id] = f.hF[id]! * COUNT_DECAY + (prevMask >>> 31);
    }
    const mask = ((prevMask << 1) | (failed ? 1 : 0)) >>> 0;
    this.failMask[id] = mask;
    f.cN[id] = f.cN[id]! * COUNT_DECAY + 1;
    const st = this.state[id]!;
    if (!failed) {
      f.ok[id] = f.ok[id]! + 1;
      this.run[id] = 0;
      if (st & 2 && (mask & 0xff) === 0 && ts - f.etoldAt[id]! >= RETELL_MS) this.state[id] = st & ~2;
      return;
    }
    f.cF[id] = f.cF[id]! * COUNT_DECAY + 1;
    const run = ++this.run[id]!;
    if (run === 1) {
      f.esinceTs[id] = ts; // the run's first failure
      f.esinceSeq[id] = seq;
    }
    if (prevMask === 0) {
      f.wsinceTs[id] = ts; // the window's first failure
      f.wsinceSeq[id] = seq;
    }
    if (st & 2 || f.ok[id]! < MIN_OUTCOME_CALLS) return;
    // Run rule: the method's error rate before this run (prior: half a failure).
    const calls = Math.max(1, f.cN[id]! - run);
    const fails = Math.max(0, f.cF[id]! - run);
    const p = Math.min(0.999, (fails + 0.5) / (calls + 1));
    const logRun = run * Math.log(p);
    if (run >= MIN_RUN && logRun <= LOG_P_RARE) {
      this.tellErrors(id, ts, seq, f.esinceTs[id]!, f.esinceSeq[id]!, run, p, run, run, 'run', logRun / Math.LN10);
      return;
    }
    // Rate rule: failures in the last min(n + 1, 32) calls against the delayed history.
    const w = Math.min(n + 1, 32);
    const e = popcount(mask);
    if (e < MIN_WINDOW_FAILS || f.hN[id]! < 32) return;
    const ph = Math.min(0.999, (f.hF[id]! + 0.5) / (f.hN[id]! + 1));
    const logTail = binomialLogTail(e, w, ph);
    if (logTail <= LOG_P_RARE) this.tellErrors(id, ts, seq, f.wsinceTs[id]!, f.wsinceSeq[id]!, e, ph, e, w, 'rate', logTail / Math.LN10);
  }

  private tellErrors(id: number, ts: number, seq: number, sinceTs: number, sinceSeq: number, value: number, p: number, bad: number, of: number, rule: 'run' | 'rate', surprise: number): void {
    const f = this.f;
    this.state[id] = this.state[id]! | 2;
    f.etoldAt[id] = ts;
    this.pending.push({ kind: 'errors', id, ts, seq, sinceTs, sinceSeq, value, expected: p, bar: Math.max(1, p * of), bad, of, rule, surprise });
  }

  private grow(cap: number): void {
    const old = this.f;
    const copy = <T extends Float64Array | Uint32Array | Uint8Array>(a: T | undefined, make: (n: number) => T): T => {
      const b = make(cap);
      if (a) b.set(a);
      return b;
    };
    const next = {} as Record<Field, Float64Array>;
    for (const k of FIELDS) next[k] = copy(old[k], (m) => new Float64Array(m));
    this.f = next;
    this.slowMask = copy(this.slowMask, (m) => new Uint32Array(m));
    this.failMask = copy(this.failMask, (m) => new Uint32Array(m));
    this.run = copy(this.run, (m) => new Uint32Array(m));
    this.state = copy(this.state, (m) => new Uint8Array(m));
    this.cap = cap;
  }
}

const EMPTY: MethodVerdict[] = [];

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** ln P(X ≥ k) for X ~ Binomial(n, p), n ≤ 32 (summed from the top term, in logs). */
export function binomialLogTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const lp = Math.log(p);
  const lq = Math.log(1 - p);
  // ln C(n, k) by the product formula
  let lc = 0;
  for (let j = 1; j <= k; j++) lc += Math.log((n - k + j) / j);
  let term = lc + k * lp + (n - k) * lq;
  let sum = term;
  for (let j = k + 1; j <= n; j++) {
    term += Math.log((n - j + 1) / j) + lp - lq;
    sum = term > sum ? term + Math.log1p(Math.exp(sum - term)) : sum + Math.log1p(Math.exp(term - sum));
  }
  return sum;
}
