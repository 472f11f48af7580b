import { describe, expect, it } from 'vitest';
import { CONTEXTUAL_DEFAULTS, ContextualDetector, RestPeriod } from '../../tools/contextual';
import { rng } from '../analytics/rng';

/** A periodic pattern over 8 levels (a sawtooth up and a step down), period 12. */
const PATTERN = [0, 1, 2, 3, 4, 5, 6, 7, 7, 4, 2, 0];
const periodic = (i: number) => PATTERN[i % PATTERN.length]!;

function feed(det: ContextualDetector, n: number, at: (i: number) => number, from = 0): number[] {
  const out: number[] = [];
  for (let i = from; i < from + n; i++) out.push(det.update(at(i)));
  return out;
}

describe('ContextualDetector', () => {
  it('stays quiet on a learned repeated pattern', () => {
    const det = new ContextualDetector();
    feed(det, 1200, periodic);
    const later = feed(det, 1200, periodic, 1200);
    expect(Math.max(...later)).toBe(0);
    // the memory stops growing once the pattern is learned
    const stored = det.contexts;
    feed(det, 600, periodic, 2400);
    expect(det.contexts).toBe(stored);
  });

  it('flags a novel pattern after a learned periodic one', () => {
    const det = new ContextualDetector();
    feed(det, 1200, periodic);
    const before = feed(det, 120, periodic, 1200);
    // within the same range: the sawtooth runs backwards
    const novel = feed(det, 24, (i) => 7 - periodic(i), 1320);
    expect(Math.max(...before)).toBe(0);
    expect(Math.max(...novel)).toBeGreaterThanOrEqual(CONTEXTUAL_DEFAULTS.baseThreshold);
    // the first novel steps already score (CAD reports once, then rests)
    expect(novel.findIndex((s) => s >= CONTEXTUAL_DEFAULTS.baseThreshold)).toBeLessThan(4);
  });

  it('keeps its memory within the cap over 1e5 points of noise', () => {
    const cap = 1000;
    const det = new ContextualDetector({ maxContexts: cap });
    const r = rng(7);
    for (let i = 0; i < 50_000; i++) det.update(r() * 100);
    const mid = { contexts: det.contexts, ...det.halves };
    expect(mid.contexts).toBe(cap);
    for (let i = 0; i < 50_000; i++) det.update(r() * 100);
    expect(det.count).toBe(100_000);
    expect({ contexts: det.contexts, ...det.halves }).toEqual(mid);
    expect(det.halves.left).toBeLessThanOrEqual(cap);
    expect(det.halves.right).toBeLessThanOrEqual(cap);
    expect(det.droppedContexts).toBeGreaterThan(0);
  }, 120_000);

  it('is deterministic: the same stream gives the same scores', () => {
    const run = () => {
      const det = new ContextualDetector({ maxContexts: 2000 });
      const r = rng(42);
      const out: number[] = [];
      for (let i = 0; i < 5000; i++) out.push(det.update(Math.sin(i / 5) * 10 + r() * 3 + (i > 4000 ? 8 : 0)));
      return out;
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a.some((s) => s > 0)).toBe(true);
  }, 60_000);

  it('reports its raw score through the rest period, as RestPeriod applied to the raw scores', () => {
    const det = new ContextualDetector({ restPeriod: 20 });
    const rest = new RestPeriod(20, CONTEXTUAL_DEFAULTS.baseThreshold);
    const r = rng(3);
    let suppressed = 0;
    for (let i = 0; i < 3000; i++) {
      const v = periodic(i) + (r() < 0.02 ? 5 : 0);
      const s = det.update(v);
      expect(s).toBe(rest.next(det.raw));
      if (s === 0 && det.raw >= CONTEXTUAL_DEFAULTS.baseThreshold) suppressed++;
    }
    expect(suppressed).toBeGreaterThan(0);
  }, 60_000);

  it('ignores non-finite values and scores a flat series 0', () => {
    const det = new ContextualDetector();
    expect(det.update(Number.NaN)).toBe(0);
    expect(det.count).toBe(0);
    expect(Math.max(...feed(det, 500, () => 3))).toBe(0);
  });
});
