import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  normalizedScore,
  parseNabCsv,
  parseNabTime,
  parseReferenceScores,
  parseWindows,
  probationLength,
  scoreFile,
  sigma,
} from '../../tools/nab-score';

// Five files of NAB, vendored with the tests (test/fixtures/nab-mini): the
// whole subset lives outside the repository and is scored by `npm run eval:nab`.
const NAB = resolve(import.meta.dirname, '../../fixtures/nab-mini');
function nab(path: string): string {
  return readFileSync(join(NAB, path), 'utf8');
}

describe('NAB scorer rules', () => {
  it('sigma, probation, timestamps', () => {
    expect(sigma(-1)).toBeCloseTo(0.98661, 5);
    expect(sigma(0)).toBe(0);
    expect(sigma(3.01)).toBe(-1);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(10_000)).toBe(750);
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(parseNabTime('2014-04-10 07:15:00'));
    expect(parseNabTime('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
  });

  it('scores an early detection near 1, a late one near 0, a miss -1, and each false positive by its distance from the window before', () => {
    const times = Array.from({ length: 1000 }, (_, i) => i * 60_000);
    const win: Array<[number, number]> = [[500 * 60_000, 599 * 60_000]];
    const zeros = new Float64Array(1000);
    expect(scoreFile(times, zeros, win, 0.5).score).toBe(-1);
    const early = zeros.slice();
    early[500] = 1;
    expect(scoreFile(times, early, win, 0.5).score).toBeCloseTo(1, 6);
    const late = zeros.slice();
    late[599] = 1;
    expect(scoreFile(times, late, win, 0.5).score).toBeCloseTo(sigma(-1 / 100) / sigma(-1), 9);
    const fpBefore = early.slice();
    fpBefore[300] = 1; // no window before it: -fpWeight
    expect(scoreFile(times, fpBefore, win, 0.5).score).toBeCloseTo(1 - 0.11, 9);
    const fpAfter = early.slice();
    fpAfter[650] = 1; // 51 rows after a 100-row window
    expect(scoreFile(times, fpAfter, win, 0.5).score).toBeCloseTo(1 + 0.11 * sigma(51 / 99), 9);
    expect(normalizedScore(0, 10)).toBe(50);
    expect(normalizedScore(-10, 10)).toBe(0);
    expect(normalizedScore(10, 10)).toBe(100);
  });
});

describe('NAB scorer against reference_scores.csv (numenta, standard profile)', () => {
  it('reproduces the numenta row of each file (score, TP, TN, FP, FN) and the normalised score over them', () => {
    const windows = parseWindows(nab('combined_windows.json'));
    const threshold = (JSON.parse(nab('thresholds.json')) as Record<string, Record<string, { threshold: number }>>).numenta!.standard!.threshold;
    const rows = parseReferenceScores(nab('reference_scores.csv')).filter((r) => r.detector === 'numenta' && r.profile === 'standard');
    const categories = readdirSync(join(NAB, 'numenta_scores'));
    expect(categories.length).toBeGreaterThan(0);
    expect(rows.length).toBe(5);
    let ours = 0;
    let theirs = 0;
    let windowCount = 0;
    for (const row of rows) {
      const { times, values } = parseNabCsv(nab(join('numenta_scores', row.file)));
      const w = windows[row.file];
      expect(w, row.file).toBeDefined();
      const s = scoreFile(times, values, w!, threshold);
      expect({ file: row.file, score: Number(s.score.toFixed(6)), tp: s.tp, tn: s.tn, fp: s.fp, fn: s.fn, total: s.total }).toEqual({
        file: row.file,
        score: Number(row.score.toFixed(6)),
        tp: row.tp,
        tn: row.tn,
        fp: row.fp,
        fn: row.fn,
        total: row.total,
      });
      ours += s.score;
      theirs += row.score;
      windowCount += w!.length;
    }
    expect(windowCount).toBe(7);
    expect(normalizedScore(ours, windowCount)).toBeCloseTo(normalizedScore(theirs, windowCount), 6);
  });
});
