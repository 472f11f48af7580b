// Nested cross-validation for `npm run eval:nab -- --nested` (test/tools/eval-nab.mjs):
// which constants the CV grid holds is itself chosen inside each outer fold, on that
// fold's training files only, from CANDIDATE_GRIDS (written before any nested figure
// was looked at). Every selection reads one table of per-file scores computed once per
// grid point, so the cost is the union of the grids, not grids × folds.
//
// A table: perFile[p][f] is file f's NAB score at grid point p (a configuration and a
// threshold), wins[f] its window count, norm(total, wins) the normalised score.

/** The grid of today's base constants, the values eval-nab.mjs's ANOMALY_GRID has for them. */
export const BASE_GRID = {
  varianceFloor: [0.5, Infinity],
  rangeZ: [3, 4, 6],
  noveltyMargin: [0.5, 1],
  noveltyWarmup: [300, 400, 500],
};

/**
 * The constants once chosen on the NAB folder, each with its default and one value
 * either side. From README / commit history: patternFloor, historyAlpha and recordDecay
 * (the values the README says were tried), cusumH (the history's old grid). Chosen here,
 * the step stated: spikeFloor ±1 (the history's grid step), levelFloor ±0.5, minGap
 * ±0.1, bins ×/÷2.
 */
export const EXTRA_VALUES = {
  patternFloor: [3, 3.5, 4],
  historyAlpha: [0.001, 0.002, 0.004],
  spikeFloor: [1, 2, 3],
  levelFloor: [0.5, 1, 1.5],
  cusumH: [8, 12, 16],
  minGap: [0.2, 0.3, 0.4],
  bins: [8, 16, 32],
  recordDecay: [0.00005, 0.0001, 0.0002],
};

/** The a-priori candidate grids: base, base + each constant alone, base + patternFloor + historyAlpha (the grid eval:nab reports flat). */
export const CANDIDATE_GRIDS = [
  { name: 'base', grid: BASE_GRID },
  ...Object.entries(EXTRA_VALUES).map(([k, vs]) => ({ name: `base+${k}`, grid: { ...BASE_GRID, [k]: vs } })),
  { name: 'base+patternFloor+historyAlpha', grid: { ...BASE_GRID, patternFloor: EXTRA_VALUES.patternFloor, historyAlpha: EXTRA_VALUES.historyAlpha } },
];

/** Every combination of a grid's values, in its key order (the flat CV's order). */
export function configsOf(grid) {
  let configs = [{}];
  for (const [k, vs] of Object.entries(grid)) configs = configs.flatMap((c) => vs.map((v) => ({ ...c, [k]: v })));
  return configs;
}

/** A file set's pooled score at point p. */
export function pooled(table, p, files) {
  let total = 0;
  let wins = 0;
  for (const f of files) {
    total += table.perFile[p][f];
    wins += table.wins[f];
  }
  return { total, wins, normalized: wins > 0 ? table.norm(total, wins) : NaN };
}

// No windows to score on (files without anomalies): the raw total (fewest false positives) decides.
const valueOf = (s) => (s.wins > 0 ? s.normalized : s.total);

/** The flat CV's rule: the candidate point with the best normalised score on `files`; the first wins ties. */
export function bestPoint(table, candidates, files) {
  let b = candidates[0];
  let bs = -Infinity;
  for (const p of candidates) {
    const v = valueOf(pooled(table, p, files));
    if (v > bs) {
      bs = v;
      b = p;
    }
  }
  return b;
}

/** Held out over `folds` ({train, test} file lists): each fold's point chosen on its train files, test scores pooled. */
export function heldOut(table, candidates, folds) {
  let total = 0;
  let wins = 0;
  const chosen = [];
  for (const { train, test } of folds) {
    const p = bestPoint(table, candidates, train);
    const s = pooled(table, p, test);
    total += s.total;
    wins += s.wins;
    chosen.push(p);
  }
  return { total, wins, normalized: wins > 0 ? table.norm(total, wins) : NaN, chosen };
}

/** Folds leaving one category out of `files` (catOf(f) names a file's category), in first-seen order. */
export const byCategory = (catOf) => (files) => {
  const cats = [...new Set(files.map(catOf))];
  return cats.map((cat) => ({ name: cat, train: files.filter((f) => catOf(f) !== cat), test: files.filter((f) => catOf(f) === cat) }));
};

/** k folds by position in `files` (every k-th file), as the flat CV's 5-fold split. */
export const byPosition = (k) => (files) =>
  Array.from({ length: k }, (_, i) => ({ name: `fold ${i + 1}/${k}`, train: files.filter((_f, j) => j % k !== i), test: files.filter((_f, j) => j % k === i) }));

/**
 * Nested CV. grids: [{name, points}] (point indices into the table). For each outer fold,
 * on its train files: each grid's inner held-out score (innerSplit of the train files),
 * the best grid (the first wins ties), its point chosen on all train files, scored on the
 * outer test files. Returns the outer folds' choices and the pooled outer total.
 */
export function nestedCv(table, grids, outerFolds, innerSplit) {
  let total = 0;
  const folds = outerFolds.map(({ name, train, test }) => {
    const inner = innerSplit(train);
    const scores = grids.map((g) => valueOf(heldOut(table, g.points, inner)));
    let gi = 0;
    for (let i = 1; i < grids.length; i++) if (scores[i] > scores[gi]) gi = i;
    const point = bestPoint(table, grids[gi].points, train);
    const held = pooled(table, point, test);
    total += held.total;
    return { name, grid: gi, point, innerScores: scores, held };
  });
  return { folds, total };
}
