import { describe, expect, it } from 'vitest';
import { StreamingDetector } from '../../../src/analytics/anomaly';
import { createGlobalDetector, GLOBAL_LEARNING } from '../../../src/analytics/global-detector';
import { NOVELTY_DEFAULTS, SequenceNovelty } from '../../../src/analytics/novelty';
import { rng } from './rng';

function gaussian(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Scores of a fresh detector over a series. */
function run(values: readonly number[], opts = {}): number[] {
  const det = new SequenceNovelty(opts);
  return values.map((v) => det.update(v));
}

/** Seeded Gaussian noise: n points of mean 100, sd 1. */
function noise(seed: number, n: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => 100 + gaussian(r));
}

describe('SequenceNovelty', () => {
  it('is quiet on white noise: a few reports in 20,000 points (new extremes or transitions never seen), thinning out (5 seeds)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const values = noise(seed, 20_000);
      const scores = run(values);
      const reports = scores.flatMap((s, i) => (s > 0 ? [i] : []));
      expect(reports.length).toBeLessThanOrEqual(6);
      expect(reports.filter((i) => i >= 10_000).length).toBeLessThanOrEqual(1);
      for (const i of reports) {
        const before = values.slice(0, i);
        const record = values[i]! > Math.max(...before) || values[i]! < Math.min(...before);
        // a full score is a new extreme of the series; a half score a transition never seen
        expect(scores[i] === 1 ? record : scores[i] === 0.5).toBe(true);
      }
    }
  });

  it('flags a step change after learning, on the first point of the new level', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const values = noise(seed, 1000);
      for (let i = 600; i < 1000; i++) values[i] = values[i]! + 30;
      const scores = run(values);
      expect(scores[600]).toBe(1); // beyond everything seen: out of range
      expect(scores.slice(601, 600 + NOVELTY_DEFAULTS.rest + 1).every((s) => s === 0)).toBe(true);
    }
  });

  it('flags a spike once, then rests', () => {
    const values = noise(11, 1000);
    values[700] = 200;
    const scores = run(values);
    expect(scores[700]).toBe(1);
    for (let i = 701; i <= 700 + NOVELTY_DEFAULTS.rest; i++) expect(scores[i]).toBe(0);
  });

  it('flags a transition never seen, inside the learnt range', () => {
    // a slow square wave 90 <-> 110 (each level held 50 points, steps of 1 level at a time
    // through 100) learnt for 1000 points; then a direct jump 90 -> 110 skips the middle.
    const values: number[] = [];
    const cycle = [90, 100, 110, 100];
    for (let i = 0; i < 1000; i++) values.push(cycle[Math.floor(i / 50) % 4]!);
    const at = values.length;
    values.push(...Array<number>(50).fill(90), ...Array<number>(50).fill(110));
    const scores = run(values);
    expect(scores.slice(NOVELTY_DEFAULTS.warmup, at).every((s) => s === 0)).toBe(true);
    expect(scores[at + 50]).toBe(0.5); // the level 110 was seen; 90 -> 110 never was
    expect(scores.slice(at, at + 50).every((s) => s === 0)).toBe(true);
  });

  it('scores 0 during its learning period, even on a huge spike, and ignores non-finite values', () => {
    const values = noise(3, 300);
    values[200] = 1e6;
    const det = new SequenceNovelty();
    for (const v of values) expect(det.update(v)).toBe(0);
    expect(det.update(NaN)).toBe(0);
    expect(det.update(Infinity)).toBe(0);
  });

  it('keeps its memory bounded whatever the length of the stream', () => {
    const det = new SequenceNovelty();
    // the warm-up's values (400 doubles) are held until it ends, then released
    const atStart = det.stateBytes;
    expect(atStart).toBeLessThan(4096);
    const r = rng(5);
    for (let i = 0; i < 1000; i++) det.update(100 + 10 * gaussian(r));
    const learnt = det.stateBytes;
    expect(learnt).toBeLessThan(atStart);
    for (let i = 0; i < 100_000; i++) det.update(100 + 10 * gaussian(r) + (i % 1000 === 0 ? 1e4 : 0));
    expect(det.stateBytes).toBe(learnt);
    // many levels, a high order or a long warm-up are capped, not allocated
    expect(new SequenceNovelty({ levels: 64, order: 5, warmup: 1e9 }).stateBytes).toBeLessThanOrEqual(4 * (64 + 64 ** 2) + 8 * 6 + 8 * 4096);
  });
});

describe('createGlobalDetector: the StreamingDetector with sequence novelty (the global metrics, scored on NAB)', () => {
  it('reports a never-seen transition as a pattern anomaly that the detector without novelty does not', () => {
    const values: number[] = [];
    const cycle = [90, 100, 110, 100];
    const r = rng(9);
    for (let i = 0; i < 1000; i++) values.push(cycle[Math.floor(i / 50) % 4]! + 0.1 * gaussian(r));
    const at = values.length + 50;
    for (let i = 0; i < 50; i++) values.push(90 + 0.1 * gaussian(r));
    for (let i = 0; i < 50; i++) values.push(110 + 0.1 * gaussian(r));
    const withNovelty = createGlobalDetector();
    const without = new StreamingDetector();
    let hit: ReturnType<StreamingDetector['update']> | undefined;
    let plain: ReturnType<StreamingDetector['update']> | undefined;
    values.forEach((v, i) => {
      const a = withNovelty.update(v);
      const b = without.update(v);
      if (i === at) {
        hit = a;
        plain = b;
      }
    });
    expect(hit?.anomaly).toBe(true);
    expect(hit?.score).toBe(1);
    expect(hit?.kind).toBe('pattern');
    expect(plain!.score).toBeLessThan(1);
  });

  it('learns for GLOBAL_LEARNING points, and its novelty rests as long as its refractory period', () => {
    expect(createGlobalDetector().options.learning).toBe(GLOBAL_LEARNING);
    // After the warm-up, a value just past the seen maximum (by more than the novelty's 5% of the span,
    // not 4 sigmas: the detector's own range check stays silent), then one just past the minimum 4 points later.
    const second = (refractory: number) => {
      const det = createGlobalDetector({ refractory });
      const r = rng(5);
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < NOVELTY_DEFAULTS.warmup + 100; i++) {
        const v = 100 + gaussian(r);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        det.update(v);
      }
      const first = det.update(hi + 0.1 * (hi - lo));
      expect(first).toMatchObject({ score: 1, kind: 'pattern' });
      for (let i = 0; i < 3; i++) det.update(100 + gaussian(r));
      return det.update(lo - 0.07 * (hi - lo)).score;
    };
    expect(second(2)).toBe(1);
    expect(second(7)).toBeLessThan(1);
  });

  it('adds only the novelty tables to the detector state, fixed whatever the stream', () => {
    const det = createGlobalDetector();
    const r = rng(4);
    for (let i = 0; i < 1000; i++) det.update(100 + gaussian(r));
    const bytes = det.stateBytes;
    expect(bytes).toBe(new StreamingDetector().stateBytes + new SequenceNovelty().stateBytes - 8 * NOVELTY_DEFAULTS.warmup);
    for (let i = 0; i < 50_000; i++) det.update(100 + gaussian(r));
    expect(det.stateBytes).toBe(bytes);
  });
});
