import { describe, expect, it } from 'vitest';
import { DDSketch } from '../../../src/analytics/sketch';
import { rng } from './rng';

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const QS = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

/** Exact value of rank ⌊q(n-1)⌋, the rank the sketch answers for. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithin(s: DDSketch, values: number[], alpha: number): void {
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QS) {
    const want = exact(sorted, q);
    const got = s.quantile(q);
    expect(Math.abs(got - want), `q=${q} got ${got} want ${want}`).toBeLessThanOrEqual(alpha * Math.abs(want) + 1e-12);
  }
  expect(s.count).toBe(values.length);
  expect(s.min).toBe(sorted[0]);
  expect(s.max).toBe(sorted[sorted.length - 1]);
  expect(s.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 6);
}

const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  uniform: (r) => 1 + r() * 99,
  lognormal: (r) => Math.exp(1 + 1.5 * normal(r)),
  bimodal: (r) => (r() < 0.7 ? 16.7 + normal(r) * 0.8 : 120 + normal(r) * 15),
  heavyTail: (r) => 0.01 / Math.pow(1 - r(), 1.2),
};

describe('DDSketch', () => {
  it('ignores ±Infinity as it ignores NaN (an infinite span duration once made quantile() never return)', () => {
    const s = new DDSketch(0.01, 64);
    s.add(1);
    s.add(2);
    s.add(Infinity);
    s.add(-Infinity, 3);
    s.addKeyed(Infinity, s.keyOf(Infinity));
    s.addKeyed(0, s.keyOf(0)); // a zero duration still counts (its key is -Infinity, unused)
    expect(s.count).toBe(3);
    expect(s.max).toBe(2);
    expect(s.quantile(0.5)).toBeCloseTo(1, 1);
  });

  for (const [name, draw] of Object.entries(DISTRIBUTIONS)) {
    it(`is within α of exact percentiles: ${name}`, () => {
      const r = rng(name.length * 7919);
      const values = Array.from({ length: 50_000 }, () => Math.max(1e-6, draw(r)));
      const s = new DDSketch(0.01);
      for (const v of values) s.add(v);
      expectWithin(s, values, 0.01);
      expect(s.binCount).toBeLessThanOrEqual(2048);
    });
  }

  it('merges exactly: merged parts answer as one sketch of the whole', () => {
    const r = rng(42);
    const parts = [DISTRIBUTIONS.uniform!, DISTRIBUTIONS.lognormal!, DISTRIBUTIONS.bimodal!].map((d) => Array.from({ length: 20_000 }, () => d(r)));
    const whole = new DDSketch();
    const merged = new DDSketch();
    for (const p of parts) {
      const s = new DDSketch();
      for (const v of p) {
        s.add(v);
        whole.add(v);
      }
      merged.merge(s);
    }
    const all = parts.flat();
    expectWithin(merged, all, 0.01);
    for (const q of QS) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  it('honours another α and rejects merging different ones', () => {
    const r = rng(3);
    const values = Array.from({ length: 10_000 }, () => Math.exp(3 * normal(r)));
    const s = new DDSketch(0.05);
    for (const v of values) s.add(v);
    expectWithin(s, values, 0.05);
    const other = new DDSketch(0.01);
    other.add(1);
    expect(() => s.merge(other)).toThrow(RangeError);
  });

  it('counts zeros and negatives in the zero bucket', () => {
    const s = new DDSketch();
    for (let i = 0; i < 50; i++) s.add(0);
    for (let i = 1; i <= 50; i++) s.add(i);
    expect(s.count).toBe(100);
    expect(s.zero).toBe(50);
    expect(s.quantile(0.25)).toBe(0);
    expect(Math.abs(s.quantile(0.75) - 25)).toBeLessThanOrEqual(0.25);
    expect(s.quantile(NaN)).toBeNaN();
    expect(new DDSketch().quantile(0.5)).toBeNaN();
  });

  it('collapses the lowest buckets past maxBins and keeps the upper quantiles', () => {
    const s = new DDSketch(0.01, 64);
    const values: number[] = [];
    for (let i = 0; i < 10_000; i++) values.push(Math.pow(10, (i / 10_000) * 12 - 6));
    // Out of order: lows after highs too.
    values.reverse();
    for (const v of values) s.add(v);
    expect(s.binCount).toBeLessThanOrEqual(64);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.99, 0.995, 0.999]) {
      const want = exact(sorted, q);
      expect(Math.abs(s.quantile(q) - want)).toBeLessThanOrEqual(0.01 * want);
    }
    expect(s.count).toBe(10_000);
  });

  it('round-trips through JSON', () => {
    const r = rng(9);
    const s = new DDSketch();
    for (let i = 0; i < 5_000; i++) s.add(DISTRIBUTIONS.bimodal!(r));
    s.add(0);
    const back = DDSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    for (const q of QS) expect(back.quantile(q)).toBe(s.quantile(q));
    expect(back.count).toBe(s.count);
    expect(back.min).toBe(s.min);
    expect(back.max).toBe(s.max);
    const empty = DDSketch.fromJSON(JSON.parse(JSON.stringify(new DDSketch().toJSON())));
    expect(empty.count).toBe(0);
    expect(empty.quantile(0.5)).toBeNaN();
  });

  it('clear keeps working afterwards', () => {
    const s = new DDSketch();
    for (let i = 1; i <= 100; i++) s.add(i);
    s.clear();
    expect(s.count).toBe(0);
    for (let i = 1000; i <= 1100; i++) s.add(i);
    expect(Math.abs(s.quantile(0.5) - 1050)).toBeLessThanOrEqual(10.5);
  });

  it('addKeyed with the key of keyOf (of another sketch of the same α) builds the sketch add builds', () => {
    const r = rng(42);
    const values = [0, -3, 1e-12, 1e-9, 5e-9, ...Array.from({ length: 5_000 }, () => Math.exp(normal(r) * 4))];
    const byAdd = new DDSketch(0.01, 64);
    const byKey = new DDSketch(0.01, 64);
    const keys = new DDSketch(0.01);
    for (const v of values) {
      byAdd.add(v);
      byKey.addKeyed(v, v > keys.minValue ? keys.keyOf(v) : 0);
    }
    expect(byKey).toEqual(byAdd);
    expect(QS.map((q) => byKey.quantile(q))).toEqual(QS.map((q) => byAdd.quantile(q)));
  });
});
