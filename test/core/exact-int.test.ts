import { describe, expect, it } from 'vitest';
import { addClamped, addExact, exceedsInt64, stringifyWithBigInts, truncateExact } from '../../worker/src/core/exact-int';

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

  it('writes bigints as exact JSON integers', () => {
    expect(stringifyWithBigInts({ sum: 2n ** 60n, n: [1, 2n ** 63n - 1n] })).toBe(
      '{"sum":1152921504606846976,"n":[1,9223372036854775807]}',
    );
    expect(stringifyWithBigInts({ a: 'x' })).toBe('{"a":"x"}');
  });
});
