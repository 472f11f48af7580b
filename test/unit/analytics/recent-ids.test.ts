import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../../src/analytics/loops';
import { rng } from './rng';

/** The map RecentIds stands for: a Map keyed by id, and the last `cap` ids added in a ring. */
class MapModel {
  readonly map = new Map<number, number>();
  private readonly order: number[];
  private at = 0;
  constructor(cap: number) {
    this.order = new Array<number>(cap).fill(0);
  }
  add(id: number, v: number): void {
    const old = this.order[this.at]!;
    if (old !== 0) this.map.delete(old);
    this.order[this.at] = id;
    this.at = (this.at + 1) % this.order.length;
    this.map.set(id, v);
  }
}

describe('RecentIds', () => {
  it('answers as a Map with a ring of the last ids added does, through adds, replaces, deletes and evictions', () => {
    const cap = 64;
    // Key sets that crowd the table: consecutive ids, strides of powers of two, ids past 2^32, and a few re-adds.
    const keySets: ((r: () => number, k: number) => number)[] = [
      (_r, k) => k + 1,
      (_r, k) => (k + 1) * 1024,
      (r) => 4294967296 * (1 + Math.floor(r() * 8)) + Math.floor(r() * 200),
      (r) => 1 + Math.floor(r() * 150),
    ];
    for (const [s, keyOf] of keySets.entries()) {
      const r = rng(100 + s);
      const ids = new RecentIds<number>(cap);
      const model = new MapModel(cap);
      const seen: number[] = [];
      for (let k = 0; k < 5_000; k++) {
        const op = r();
        if (op < 0.6 || seen.length === 0) {
          const id = keyOf(r, k);
          ids.add(id, k);
          model.add(id, k);
          seen.push(id);
        } else {
          const id = seen[Math.floor(r() * seen.length)]!;
          if (op < 0.8) {
            if (model.map.has(id)) {
              ids.replace(id, -k);
              model.map.set(id, -k);
            }
          } else {
            ids.delete(id);
            model.map.delete(id);
          }
        }
        if (k % 97 === 0) expect(seen.map((id) => ids.get(id))).toEqual(seen.map((id) => model.map.get(id)));
      }
      expect(seen.map((id) => ids.get(id))).toEqual(seen.map((id) => model.map.get(id)));
      ids.clear();
      expect(seen.filter((id) => ids.get(id) !== undefined)).toEqual([]);
    }
  });

  it('finds NaN and -0 as a Map does', () => {
    const ids = new RecentIds<string>(4);
    ids.add(Number.NaN, 'nan');
    ids.add(-0, 'zero');
    expect(ids.get(Number.NaN)).toBe('nan');
    expect(ids.get(0)).toBe('zero');
    ids.delete(Number.NaN);
    expect(ids.get(Number.NaN)).toBeUndefined();
  });
});
