/** Bucket lower bounds computed as python_moztelemetry computes them (builder/data/BUCKETS.md §3). */
import { describe, expect, it } from 'vitest';
import { exponentialBuckets, linearBuckets } from '../../worker/src/core/buckets';

describe('linearBuckets', () => {
  it('computes the documented example', () => {
    expect(linearBuckets(1, 100, 10)).toEqual([0, 1, 13, 26, 38, 51, 63, 75, 88, 100]);
  });

  it('rounds an exact .5 up, not to even', () => {
    // (1·1 + 4·1) / 2 = 2.5 → 3 (banker's rounding would give 2).
    expect(linearBuckets(1, 4, 4)).toEqual([0, 1, 3, 4]);
    // (1·1 + 2·1) / 2 = 1.5 → 2; (1·3 + 6·1) / 4 = 2.25 → 2; (1·2 + 6·2)/4 = 3.5 → 4.
    expect(linearBuckets(1, 2, 4)).toEqual([0, 1, 2, 2]);
    expect(linearBuckets(1, 6, 6)).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it('starts with 0, min and ends with max', () => {
    const buckets = linearBuckets(30, 730, 12);
    expect(buckets[0]).toBe(0);
    expect(buckets[1]).toBe(30);
    expect(buckets.at(-1)).toBe(730);
    expect(buckets).toHaveLength(12);
  });

  it('follows the original on degenerate sizes', () => {
    expect(linearBuckets(1, 5, 0)).toEqual([]);
    expect(linearBuckets(1, 5, -3)).toEqual([]);
    expect(linearBuckets(1, 5, 1)).toEqual([0]);
    expect(() => linearBuckets(1, 5, 2)).toThrow(RangeError);
    expect(() => linearBuckets(1, 5, 2.5)).toThrow(RangeError);
  });

  it('truncates toward zero like Python int() for negative bounds', () => {
    // i=1: (-3·2 + 1·0)/2 + 0.5 = -2.5 → int() = -2 (floor would give -3);
    // i=2: (-3·1 + 1·1)/2 + 0.5 = -0.5 → int() = 0 (floor would give -1).
    expect(linearBuckets(-3, 1, 4)).toEqual([0, -2, 0, 1]);
  });

  it('memoizes and returns frozen shared arrays', () => {
    const first = linearBuckets(1, 1000, 50);
    expect(linearBuckets(1, 1000, 50)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('exponentialBuckets', () => {
  it('computes the documented examples', () => {
    expect(exponentialBuckets(1, 10000, 50).slice(0, 16)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 29]);
    expect(exponentialBuckets(1, 10000, 50).at(-1)).toBe(10000);
    expect(exponentialBuckets(50, 60000, 20).slice(0, 5)).toEqual([0, 50, 74, 110, 163]);
  });

  it('is strictly increasing after 0 and ends at max', () => {
    const buckets = exponentialBuckets(1, 1073741824, 50);
    for (let i = 2; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThan(buckets[i - 1] as number);
    expect(buckets.at(-1)).toBe(1073741824);
  });

  it('follows the original on degenerate inputs', () => {
    expect(exponentialBuckets(5, 10, 2)).toEqual([0, 5]);
    expect(exponentialBuckets(0, 10, 2)).toEqual([0, 0]);
    expect(() => exponentialBuckets(1, 10, 1)).toThrow(RangeError);
    expect(() => exponentialBuckets(1, 0, 10)).toThrow(RangeError);
    expect(() => exponentialBuckets(0, 10, 3)).toThrow(RangeError);
  });

  it('memoizes and returns frozen shared arrays', () => {
    const first = exponentialBuckets(1, 30000, 50);
    expect(exponentialBuckets(1, 30000, 50)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
