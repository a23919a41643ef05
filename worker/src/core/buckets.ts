/**
 * Bucket lower bounds ("labels") for Telemetry histograms, computed exactly like
 * python_moztelemetry's `linear_buckets` / `exponential_buckets` (see
 * builder/data/BUCKETS.md §3). Both sides run it: the builder for the definitions' bucket lower
 * bounds, the worker to expand the bucket specs of the metrics index (bucket-spec.ts).
 *
 * Runtime-agnostic: plain float64 arithmetic with Math.log / Math.exp, no Node APIs.
 *
 * Results are memoized and returned as FROZEN arrays shared between callers:
 * never mutate them (copy with `[...labels]` when a mutable array is needed).
 */

const MAX_MEMOIZED_BUCKET_LISTS = 4096;
const memoizedBucketLists = new Map<string, readonly number[]>();

function memoized(family: 'linear' | 'exponential', min: number, max: number, n: number, compute: () => number[]): readonly number[] {
  const key = `${family}:${min}:${max}:${n}`;
  const cached = memoizedBucketLists.get(key);
  if (cached !== undefined) return cached;
  const computed = Object.freeze(compute());
  if (memoizedBucketLists.size >= MAX_MEMOIZED_BUCKET_LISTS) memoizedBucketLists.clear();
  memoizedBucketLists.set(key, computed);
  return computed;
}

function requireBucketCount(n: number): void {
  if (!Number.isInteger(n)) throw new RangeError(`bucket count must be an integer, got ${n}`);
}

/** Python `int(x)` for a finite float: truncation toward zero (and no negative zero). */
function truncateLikePythonInt(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot convert ${x} to an integer`);
  return Math.trunc(x) + 0;
}

/**
 * Linear bucket lower bounds: b[0] = 0 and, for i = 1..n-1,
 * b[i] = int((min·(n−1−i) + max·(i−1)) / (n−2) + 0.5) in float64 (an exact .5 rounds up).
 *
 * Mirrors the original's edge cases: n <= 0 gives [], n = 1 gives [0], and n = 2
 * throws RangeError (the original divides by zero there).
 */
export function linearBuckets(min: number, max: number, n: number): readonly number[] {
  requireBucketCount(n);
  return memoized('linear', min, max, n, () => {
    const buckets = new Array<number>(Math.max(n, 0)).fill(0);
    if (n === 2) throw new RangeError('linear buckets need n != 2 (division by zero)');
    for (let i = 1; i < n; i++) {
      const exact = (min * (n - 1 - i) + max * (i - 1)) / (n - 2);
      buckets[i] = truncateLikePythonInt(exact + 0.5);
    }
    return buckets;
  });
}

/**
 * Exponential bucket lower bounds: b[0] = 0, b[1] = min, then for i = 2..n-1
 * next = floor(exp(ln cur + (ln max − ln cur)/(n−i)) + 0.5), cur = next if next > cur else cur+1.
 *
 * Throws RangeError where the original raises: n < 2 (IndexError), max <= 0, or
 * min <= 0 when n >= 3 (math.log domain error).
 */
export function exponentialBuckets(min: number, max: number, n: number): readonly number[] {
  requireBucketCount(n);
  return memoized('exponential', min, max, n, () => {
    if (!(max > 0)) throw new RangeError(`exponential buckets need max > 0, got ${max}`);
    if (n < 2) throw new RangeError(`exponential buckets need n >= 2, got ${n}`);
    if (n >= 3 && !(min > 0)) throw new RangeError(`exponential buckets need min > 0, got ${min}`);
    const logMax = Math.log(max);
    const buckets = new Array<number>(n).fill(0);
    let current = min;
    buckets[1] = current;
    for (let index = 2; index < n; index++) {
      const logCurrent = Math.log(current);
      const logNext = logCurrent + (logMax - logCurrent) / (n - index);
      const next = Math.floor(Math.exp(logNext) + 0.5);
      if (!Number.isFinite(next)) throw new RangeError('exponential bucket overflow');
      current = next > current ? next : current + 1;
      buckets[index] = current;
    }
    return buckets;
  });
}
