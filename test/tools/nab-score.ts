/**
 * NAB scorer (Numenta Anomaly Benchmark, nab/sweeper.py), restated in pure
 * TypeScript: no DOM, no Node APIs. Used by the NAB evaluation (eval-nab.mjs)
 * and its unit test only: not part of what ships.
 *
 * Rules (see shared/data/nab/README.md):
 * - sigma(y) = 2 / (1 + e^(5y)) - 1 for y <= 3, and -1 for y > 3.
 * - Probation: the first min(floor(0.15 N), 0.15 * 5000) rows are not scored.
 * - A row is a detection when its anomaly score >= threshold.
 * - Windows are located by timestamp (labels carry microseconds, data does not):
 *   a window spans the rows whose time lies in [start, end].
 * - A detection at row i in a window [l, r] of width w = r - l + 1 is worth
 *   tpWeight * sigma(-(r - i + 1) / w) / sigma(-1); a window keeps only its best
 *   (= earliest) detection, and a window with none scores -fnWeight.
 * - A detection outside every window is worth fpWeight * sigma(|i - r'| / (w' - 1))
 *   with r', w' the right edge and width of the window before it; -fpWeight when
 *   there is no window before it. Each one counts.
 * - Over a set of files: 100 * (S - S_null) / (S_perfect - S_null), with
 *   S_perfect = windows * tpWeight and S_null = -windows * fnWeight.
 */

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
  tnWeight: number;
}

/** NAB's profiles (config/profiles.json). */
export const PROFILES: Readonly<Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', CostMatrix>> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 },
};

export const PROBATION_PERCENT = 0.15;

/** NAB's scaled sigmoid. */
export function sigma(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Rows at the start of a file that NAB does not score. */
export function probationLength(rows: number, probationPercent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rows), probationPercent * 5000);
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/;

/**
 * A NAB timestamp ("2014-04-10 07:15:00" or with ".000000") as milliseconds
 * (UTC, fractional ms kept), so label and data times compare as times.
 */
export function parseNabTime(s: string): number {
  const m = TIME_RE.exec(s.trim());
  if (!m) throw new Error(`nab-score: not a timestamp: "${s}"`);
  const base = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, m[6] ? +m[6] : 0);
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return base + frac;
}

export interface WindowScore {
  /** Row indices of the window's first and last rows. */
  start: number;
  end: number;
  /** Weighted score the window contributed (its best detection, or -fnWeight). */
  score: number;
  /** Row index of the detection that scored it (-1: missed). */
  detectedAt: number;
}

export interface FileScore {
  score: number;
  /** Row counts after probation, as NAB reports them. */
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  total: number;
  windows: WindowScore[];
  /** Sum of the false positives' (negative) weighted scores. */
  fpScore: number;
}

/**
 * Row index ranges of label windows given as [start, end] times (ms).
 * A window with no row inside it is dropped (NAB's labeller never makes one).
 */
export function windowRows(times: ArrayLike<number>, windows: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = times.length;
  for (const [ws, we] of windows) {
    const l = searchSorted(times, ws, false); // first row at or after the start
    const r = Math.min(searchSorted(times, we, true), n) - 1; // last row at or before the end
    if (l <= r) out.push([l, r]);
  }
  out.sort((a, b) => a[0] - b[0]);
  return out;
}

/** The first index whose value is at or after `x` (`after`: strictly after); `a` ascending. */
function searchSorted(a: ArrayLike<number>, x: number, after: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x || (after && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Score one file: `times` (ms, ascending), one anomaly score per row, label
 * windows as [start, end] times (ms), one threshold.
 */
export function scoreFile(
  times: ArrayLike<number>,
  scores: ArrayLike<number>,
  windows: ReadonlyArray<readonly [number, number]>,
  threshold: number,
  cost: CostMatrix = PROFILES.standard,
  probationPercent = PROBATION_PERCENT,
): FileScore {
  const n = times.length;
  if (scores.length !== n) throw new Error(`nab-score: ${n} timestamps but ${scores.length} scores`);
  const rows = windowRows(times, windows);
  const probation = probationLength(n, probationPercent);
  const maxTP = sigma(-1);
  const ws: WindowScore[] = rows.map(([l, r]) => ({ start: l, end: r, score: -cost.fnWeight, detectedAt: -1 }));
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let fpScore = 0;
  let k = 0; // next window
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    while (k < ws.length && ws[k]!.end < i) {
      prevRight = ws[k]!.end;
      prevWidth = ws[k]!.end - ws[k]!.start + 1;
      k++;
    }
    const win = k < ws.length && ws[k]!.start <= i ? ws[k]! : undefined;
    if (i < probation) continue;
    const detected = scores[i]! >= threshold;
    if (win) {
      if (detected) {
        tp++;
        if (win.detectedAt < 0) {
          const w = win.end - win.start + 1;
          win.score = (cost.tpWeight * sigma(-(win.end - i + 1) / w)) / maxTP;
          win.detectedAt = i;
        }
      } else fn++;
    } else if (detected) {
      fp++;
      fpScore += prevRight < 0 ? -cost.fpWeight : cost.fpWeight * sigma(Math.abs(i - prevRight) / (prevWidth - 1));
    } else tn++;
  }
  let score = fpScore;
  for (const w of ws) score += w.score;
  return { score, tp, tn, fp, fn, total: n, windows: ws, fpScore };
}

/** NAB's normalised score over a set of files: 100 * (S - S_null) / (S_perfect - S_null). */
export function normalizedScore(totalScore: number, windowCount: number, cost: CostMatrix = PROFILES.standard): number {
  const perfect = windowCount * cost.tpWeight;
  const nul = -windowCount * cost.fnWeight;
  if (perfect === nul) return 0;
  return (100 * (totalScore - nul)) / (perfect - nul);
}

// ---- NAB files (text in, data out: the caller reads the files) ------------

/** `timestamp,value` (or `timestamp,anomaly_score,label`) CSV: times (ms) and the chosen numeric column. */
export function parseNabCsv(text: string, column = 1): { times: Float64Array; values: Float64Array } {
  const lines = text.split(/\r?\n/);
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const cells = line.split(',');
    times.push(parseNabTime(cells[0]!));
    values.push(Number(cells[column]));
  }
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

/** combined_windows.json: file → windows as [start, end] times (ms). */
export function parseWindows(json: string): Record<string, Array<[number, number]>> {
  const raw = JSON.parse(json) as Record<string, string[][]>;
  const out: Record<string, Array<[number, number]>> = {};
  for (const [file, list] of Object.entries(raw)) out[file] = list.map((w) => [parseNabTime(w[0]!), parseNabTime(w[1]!)]);
  return out;
}

export interface ReferenceRow {
  detector: string;
  profile: string;
  file: string;
  threshold: number;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
  total: number;
}

/** reference_scores.csv rows. */
export function parseReferenceScores(text: string): ReferenceRow[] {
  const out: ReferenceRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const c = line.split(',');
    out.push({
      detector: c[0]!,
      profile: c[1]!,
      file: c[2]!,
      threshold: Number(c[3]),
      score: Number(c[4]),
      tp: Number(c[5]),
      tn: Number(c[6]),
      fp: Number(c[7]),
      fn: Number(c[8]),
      total: Number(c[9]),
    });
  }
  return out;
}
