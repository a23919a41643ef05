import { describe, expect, it } from 'vitest';
import { addClamped, addExact, clampInt64, exceedsInt64, stringifyWithBigInts, truncateExact } from '../../worker/src/core/exact-int';

const SAFE = Number.MAX_SAFE_INTEGER;
const INT64_MAX = 2n ** 63n - 1n;

describe('exact integers', () => {
  it('stays a number while the sum is safe', () => {
    expect(addExact(1, 2)).toBe(3);
    expect(addExact(SAFE - 1, 1)).toBe(SAFE);
  });

  it('switches to bigint instead of rounding past 2^53', () => {
    const sum = addExact(SAFE, 2);
    expect(sum).toBe(BigInt(SAFE) + 2n);
    expect(addExact(sum, 1)).toBe(BigInt(SAFE) + 3n);
  });

  it('comes back to a number when a bigint sum is safe again', () => {
    expect(addExact(BigInt(SAFE) + 5n, -10)).toBe(SAFE - 5);
  });

  it('adds floats as doubles and truncates them like int()', () => {
    expect(addExact(0.5, 1.25)).toBe(1.75);
    expect(truncateExact(41.9)).toBe(41);
    expect(truncateExact(10n)).toBe(10n);
  });

  it('clamps merged totals to the int64 range as the original Postgres merge did', () => {
    expect(addClamped(INT64_MAX, 1)).toBe(INT64_MAX);
    expect(addClamped(-(2n ** 70n), 1)).toBe(-(2n ** 63n));
    expect(addClamped(-(2n ** 63n), -1)).toBe(-(2n ** 63n));
    expect(addClamped(2 ** 70, 0)).toBe(INT64_MAX);
    expect(addClamped(INT64_MAX, -INT64_MAX)).toBe(0);
    expect(exceedsInt64(INT64_MAX)).toBe(false);
    expect(exceedsInt64(INT64_MAX + 1n)).toBe(true);
    expect(exceedsInt64(2 ** 64)).toBe(true);
    expect(exceedsInt64(2 ** 53)).toBe(false);
  });

  it('takes infinite values (numbers JSON.parse made infinite) without throwing', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(addExact(2n ** 62n, inf)).toBe(inf);
    expect(addExact(inf, 2n ** 70n)).toBe(inf);
    expect(addExact(inf, 1)).toBe(inf);
    expect(addExact(2 ** 60, inf)).toBe(inf);
    expect(exceedsInt64(inf)).toBe(true);
    expect(exceedsInt64(Number.NaN)).toBe(true);
    expect(exceedsInt64(Number.NEGATIVE_INFINITY)).toBe(false);
    expect(addClamped(inf, 0)).toBe(INT64_MAX);
    expect(addClamped(Number.NEGATIVE_INFINITY, 5n)).toBe(-(2n ** 63n));
    expect(clampInt64(2n ** 64n)).toBe(INT64_MAX);
    expect(clampInt64(1e300)).toBe(INT64_MAX);
    expect(clampInt64(7)).toBe(7);
  });

  it('writes bigints as exact JSON integers', () => {
    expect(stringifyWithBigInts({ sum: 2n ** 60n, n: [1, 2n ** 63n - 1n] })).toBe(
      '{"sum":1152921504606846976,"n":[1,9223372036854775807]}',
    );
    expect(stringifyWithBigInts({ a: 'x' })).toBe('{"a":"x"}');
  });
});
