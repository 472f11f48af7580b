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
 * Memory: 144 bytes a method in two typed arrays, grown with the ids the
 * stats collector assigns, at most maxIds (its maxMethods + 1: the last id is
 * its '(other)' method, where the methods past its bound are counted); a call
 * of an id past maxIds is counted, not judged. Work: O(1) a call, one log
 * (an exp only for a call near its method's slow bar); the binomial tail
 * (≤ 32 terms) only on a failed call.
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

/**
 * A method's numbers, side by side in one Float64Array (STRIDE a method): a
 * call reads and writes one or two cache lines, not sixteen arrays.
 */
const N = 0; // calls seen
const MU = 1; // clipped running mean of ln(duration)
const DEV = 2; // its running mean absolute deviation
const C_N = 3; // decayed calls and failures (the run rule's rate)
const C_F = 4;
const H_N = 5; // decayed calls and failures that left the 32-call window (the rate rule's history)
const H_F = 6;
const OK = 7; // successes seen
const SINCE_TS = 8; // first slow call of the latency evidence
const SINCE_SEQ = 9;
const E_SINCE_TS = 10; // first failure of the current run
const E_SINCE_SEQ = 11;
const W_SINCE_TS = 12; // first failure in the window
const W_SINCE_SEQ = 13;
const TOLD_AT = 14; // trace time of the last latency and error verdicts
const E_TOLD_AT = 15;
const STRIDE = 16;
/** Words a method in the Uint32Array: slow calls (8 bits), failed calls (32 bits), the failure run, whether a verdict stands (bit 1 latency, bit 2 errors). */
const SLOW = 0;
const FAIL = 1;
const RUN = 2;
const STATE = 3;
const WORDS = 4;
const LN_RATIO_SLOW = Math.log(RATIO_SLOW);
/** Below this ln-latency margin under the cheap bar, a call cannot be slow whatever the rounding (the exact bar is computed past it). */
const BAR_MARGIN = 1e-9;

export class MethodBaselines {
  private cap = 0;
  private f = new Float64Array(0);
  private w = new Uint32Array(0);
  /** Verdicts since the last drain (bounded: at most one a method a kind until its window clears). */
  private pending: MethodVerdict[] = [];
  /** Methods with a baseline, and calls of method ids past maxIds (not judged, counted). */
  private seen = 0;
  private beyond = 0;

  constructor(private readonly maxIds = 1_001) {
    this.grow(Math.min(64, maxIds));
  }

  /** Bytes of state: grows with the methods seen, at most maxIds. */
  get stateBytes(): number {
    return this.f.byteLength + this.w.byteLength;
  }

  /** Methods with a baseline (at most maxIds), and calls not judged because their id is past maxIds. */
  get counts(): { methods: number; maxIds: number; callsBeyond: number } {
    return { methods: this.seen, maxIds: this.maxIds, callsBeyond: this.beyond };
  }

  /** One completed call of method `id` (ms), at trace time `ts`. */
  observe(id: number, dur: number, failed: boolean, ts: number, seq: number): void {
    if (id < 0 || id >= this.maxIds) {
      this.beyond++;
      return;
    }
    if (id >= this.cap) this.grow(Math.min(this.maxIds, Math.max(id + 1, this.cap * 2)));
    const at = id * STRIDE;
    const n = this.f[at + N]!;
    if (n === 0) this.seen++;
    this.f[at + N] = n + 1;
    this.latency(id, at, n, dur, ts, seq);
    this.outcome(id, at, n, failed, ts, seq);
  }

  /** The verdicts since the last call (then forgotten). */
  drain(): MethodVerdict[] {
    if (this.pending.length === 0) return EMPTY;
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private latency(id: number, at: number, n: number, dur: number, ts: number, seq: number): void {
    const f = this.f;
    const x = Math.log(dur > 1e-3 ? dur : 1e-3);
    if (n === 0) {
      f[at + MU] = x;
      f[at + DEV] = 0;
      return;
    }
    const mu = f[at + MU]!;
    const dev = f[at + DEV]!;
    const spread = dev > MIN_SPREAD ? dev : MIN_SPREAD;
    if (n >= MIN_LATENCY_CALLS) {
      // The bar is max(usual × e^(Z·spread), RATIO × usual, usual + ABS): in ln units the first two
      // need no exp, and a call under them (almost every call) is not slow whatever the third.
      const zBar = Z_SLOW * spread;
      if (x >= mu + (zBar > LN_RATIO_SLOW ? zBar : LN_RATIO_SLOW) - BAR_MARGIN) this.nearBar(id, at, n, dur, x, mu, spread, ts, seq);
      else {
        const wa = id * WORDS + SLOW;
        const w = this.w;
        const mask = (w[wa]! << 1) & ((1 << SLOW_WINDOW) - 1);
        w[wa] = mask;
        if (mask === 0 && w[wa - SLOW + STATE]! & 1) this.clearSlow(id, at, ts);
      }
    }
    // Clipped update: a slow call moves the history by at most 3 spreads × α.
    const a = n < 128 ? 1 / (n + 1) : HISTORY_ALPHA; // max(HISTORY_ALPHA, 1 / (n + 1)), HISTORY_ALPHA being 1/128
    let r = x - mu;
    const lim = 3 * spread;
    // Clipped from the 5th call on: slow calls among the first ones must not inflate the spread the first verdicts use.
    if (n >= CLIP_FROM_CALL) r = r > lim ? lim : r < -lim ? -lim : r;
    f[at + MU] = mu + a * r;
    f[at + DEV] = dev + a * ((r < 0 ? -r : r) - dev);
  }

  /** A latency verdict stands until the slow calls have cleared and RETELL_MS passed. */
  private clearSlow(id: number, at: number, ts: number): void {
    if (ts - this.f[at + TOLD_AT]! >= RETELL_MS) this.w[id * WORDS + STATE] = this.w[id * WORDS + STATE]! & ~1;
  }

  /** A call at or past the cheap bar: the exact bar, and the verdict when the evidence is complete. */
  private nearBar(id: number, at: number, n: number, dur: number, x: number, mu: number, spread: number, ts: number, seq: number): void {
    const f = this.f;
    const w = this.w;
    const wa = id * WORDS;
    const usual = Math.exp(mu);
    const bar = Math.max(Math.exp(mu + Z_SLOW * spread), RATIO_SLOW * usual, usual + ABS_SLOW_MS);
    const slow = dur > bar;
    const mask = ((w[wa + SLOW]! << 1) | (slow ? 1 : 0)) & ((1 << SLOW_WINDOW) - 1);
    w[wa + SLOW] = mask;
    const st = w[wa + STATE]!;
    if (mask === 0) {
      if (st & 1) this.clearSlow(id, at, ts);
    } else if (slow && (mask & ~1) === 0) {
      f[at + SINCE_TS] = ts; // the first slow call of this run of evidence
      f[at + SINCE_SEQ] = seq;
    }
    if (slow && !(st & 1) && popcount(mask) >= SLOW_NEEDED) {
      w[wa + STATE] = w[wa + STATE]! | 1;
      f[at + TOLD_AT] = ts;
      this.pending.push({
        kind: 'latency',
        id,
        ts,
        seq,
        sinceTs: f[at + SINCE_TS]!,
        sinceSeq: f[at + SINCE_SEQ]!,
        value: dur,
        expected: usual,
        bar,
        bad: popcount(mask),
        of: Math.min(SLOW_WINDOW, n - MIN_LATENCY_CALLS + 1),
        surprise: (x - mu) / spread,
      });
    }
  }

  private outcome(id: number, at: number, n: number, failed: boolean, ts: number, seq: number): void {
    const f = this.f;
    const w = this.w;
    const wa = id * WORDS;
    const prevMask = w[wa + FAIL]!;
    // The call leaving the 32-call window joins the delayed history (the window is never judged against itself).
    if (n >= 32) {
      f[at + H_N] = f[at + H_N]! * COUNT_DECAY + 1;
      f[at + H_F] = f[at + H_F]! * COUNT_DECAY + (prevMask >>> 31);
    }
    f[at + C_N] = f[at + C_N]! * COUNT_DECAY + 1;
    if (failed) {
      this.failure(id, at, n, prevMask, ts, seq);
      return;
    }
    const mask = (prevMask << 1) >>> 0;
    w[wa + FAIL] = mask;
    f[at + OK] = f[at + OK]! + 1;
    w[wa + RUN] = 0;
    const st = w[wa + STATE]!;
    if (st & 2 && (mask & 0xff) === 0 && ts - f[at + E_TOLD_AT]! >= RETELL_MS) w[wa + STATE] = st & ~2;
  }

  private failure(id: number, at: number, n: number, prevMask: number, ts: number, seq: number): void {
    const f = this.f;
    const w = this.w;
    const wa = id * WORDS;
    const mask = ((prevMask << 1) | 1) >>> 0;
    w[wa + FAIL] = mask;
    const st = w[wa + STATE]!;
    f[at + C_F] = f[at + C_F]! * COUNT_DECAY + 1;
    const run = w[wa + RUN]! + 1;
    w[wa + RUN] = run;
    if (run === 1) {
      f[at + E_SINCE_TS] = ts; // the run's first failure
      f[at + E_SINCE_SEQ] = seq;
    }
    if (prevMask === 0) {
      f[at + W_SINCE_TS] = ts; // the window's first failure
      f[at + W_SINCE_SEQ] = seq;
    }
    if (st & 2 || f[at + OK]! < MIN_OUTCOME_CALLS) return;
    // Run rule: the method's error rate before this run (prior: half a failure).
    const calls = Math.max(1, f[at + C_N]! - run);
    const fails = Math.max(0, f[at + C_F]! - run);
    const p = Math.min(0.999, (fails + 0.5) / (calls + 1));
    const logRun = run * Math.log(p);
    if (run >= MIN_RUN && logRun <= LOG_P_RARE) {
      this.tellErrors(id, ts, seq, f[at + E_SINCE_TS]!, f[at + E_SINCE_SEQ]!, run, p, run, run, 'run', logRun / Math.LN10);
      return;
    }
    // Rate rule: failures in the last min(n + 1, 32) calls against the delayed history.
    const win = Math.min(n + 1, 32);
    const e = popcount(mask);
    if (e < MIN_WINDOW_FAILS || f[at + H_N]! < 32) return;
    const ph = Math.min(0.999, (f[at + H_F]! + 0.5) / (f[at + H_N]! + 1));
    const logTail = binomialLogTail(e, win, ph);
    if (logTail <= LOG_P_RARE) this.tellErrors(id, ts, seq, f[at + W_SINCE_TS]!, f[at + W_SINCE_SEQ]!, e, ph, e, win, 'rate', logTail / Math.LN10);
  }

  private tellErrors(id: number, ts: number, seq: number, sinceTs: number, sinceSeq: number, value: number, p: number, bad: number, of: number, rule: 'run' | 'rate', surprise: number): void {
    const wa = id * WORDS;
    this.w[wa + STATE] = this.w[wa + STATE]! | 2;
    this.f[id * STRIDE + E_TOLD_AT] = ts;
    this.pending.push({ kind: 'errors', id, ts, seq, sinceTs, sinceSeq, value, expected: p, bar: Math.max(1, p * of), bad, of, rule, surprise });
  }

  private grow(cap: number): void {
    const f = new Float64Array(cap * STRIDE);
    f.set(this.f);
    const w = new Uint32Array(cap * WORDS);
    w.set(this.w);
    this.f = f;
    this.w = w;
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
