import { describe, expect, it } from 'vitest';
import { CANDIDATE_GRIDS, bestPoint, byCategory, byPosition, configsOf, heldOut, nestedCv, type Table } from '../../tools/nested-cv.mjs';

// Six files, two per category A, B, C, one window each; the normalised score is the mean.
const cats = ['A', 'A', 'B', 'B', 'C', 'C'];
const files = cats.map((_c, f) => f);
const catOf = (f: number): string => cats[f] ?? '?';
// Point 0 scores 0.5 everywhere. Point 1 scores 1 on A and B, 0 on C: it wins on any
// training set holding A or B, and generalises only between A and B.
const table: Table = {
  perFile: [
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [1, 1, 1, 1, 0, 0],
  ],
  wins: [1, 1, 1, 1, 1, 1],
  norm: (total, wins) => total / wins,
};
const grids = [
  { name: 'small', points: [0] },
  { name: 'large', points: [0, 1] },
];

describe('nested cross-validation', () => {
  it('chooses a point by the best pooled score, the first on ties', () => {
    expect(bestPoint(table, [0, 1], [0, 1])).toBe(1);
    expect(bestPoint(table, [0, 1], [4, 5])).toBe(0);
    // B and C: 0.5 for both points, the first wins
    expect(bestPoint(table, [0, 1], [2, 3, 4, 5])).toBe(0);
    expect(bestPoint(table, [1, 0], [2, 3, 4, 5])).toBe(1);
  });

  it('splits by category and by position', () => {
    expect(byCategory(catOf)(files).map((f) => [f.name, f.test, f.train])).toEqual([
      ['A', [0, 1], [2, 3, 4, 5]],
      ['B', [2, 3], [0, 1, 4, 5]],
      ['C', [4, 5], [0, 1, 2, 3]],
    ]);
    // by position in the list given, not by file id
    expect(byPosition(2)([5, 3, 1, 0]).map((f) => [f.test, f.train])).toEqual([
      [[5, 1], [3, 0]],
      [[3, 0], [5, 1]],
    ]);
  });

  it('pools held-out scores over the folds', () => {
    const r = heldOut(table, [0, 1], byCategory(catOf)(files));
    // A: chosen on B, C (tie, point 0) -> 1; B: on A, C (tie, point 0) -> 1; C: on A, B (point 1) -> 0
    expect(r.chosen).toEqual([0, 0, 1]);
    expect(r.total).toBe(2);
    expect(r.normalized).toBeCloseTo(2 / 6);
  });

  it('chooses the grid inside each outer fold from the inner held-out scores', () => {
    const r = nestedCv(table, grids, byCategory(catOf)(files), byCategory(catOf));
    // Outer A (train B, C): inner held B -> point 0 (0.5 each), held C -> point 1 (0): large 0.25, small 0.5.
    // Outer C (train A, B): large 1 (point 1 generalises between A and B), small 0.5.
    expect(r.folds.map((f) => [f.name, grids[f.grid]?.name, f.point])).toEqual([
      ['A', 'small', 0],
      ['B', 'small', 0],
      ['C', 'large', 1],
    ]);
    expect(r.folds[0]?.innerScores).toEqual([0.5, 0.25]);
    expect(r.folds[2]?.innerScores).toEqual([0.5, 1]);
    expect(r.folds.map((f) => f.held.total)).toEqual([1, 1, 0]);
    expect(r.total).toBe(2);
  });

  it('lists the a-priori candidate grids: base, base + each constant alone, base + patternFloor + historyAlpha', () => {
    expect(CANDIDATE_GRIDS.map((g) => g.name)).toEqual([
      'base',
      'base+patternFloor',
      'base+historyAlpha',
      'base+spikeFloor',
      'base+levelFloor',
      'base+cusumH',
      'base+minGap',
      'base+bins',
      'base+recordDecay',
      'base+patternFloor+historyAlpha',
    ]);
    expect(CANDIDATE_GRIDS.map((g) => configsOf(g.grid).length)).toEqual([36, 108, 108, 108, 108, 108, 108, 108, 108, 324]);
  });
});
