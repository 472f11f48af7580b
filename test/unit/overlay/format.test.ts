import { describe, expect, it } from 'vitest';
import { groupDigits } from '../../../src/overlay/format';

describe('groupDigits', () => {
  it("writes integers as toLocaleString('en') does", () => {
    const cases = [0, 7, 42, 999, 1_000, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 31, Number.MAX_SAFE_INTEGER, -1, -1_234, -1_000_000];
    for (const n of cases) expect(groupDigits(n)).toBe(n.toLocaleString('en'));
  });

  it('rounds fractions and writes non-finite numbers as String() does', () => {
    expect(groupDigits(1_234.6)).toBe('1,235');
    expect(groupDigits(0.4)).toBe('0');
    expect(groupDigits(-0.4)).toBe('0');
    expect(groupDigits(Number.NaN)).toBe('NaN');
    expect(groupDigits(Infinity)).toBe('Infinity');
    expect(groupDigits(-Infinity)).toBe('-Infinity');
  });
});
