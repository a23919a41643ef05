/**
 * A histogram's `values` as the byte scanner reads them when their keys are plain ascending
 * bucket numbers (the usual case): (bucket, count) pairs in a typed array instead of a JSON
 * object, in the order Object.keys would give that object. Pure: no I/O.
 */

/**
 * Pairs [bucket, count, bucket, count, ...] at [start, end) of `pairs`. Buckets are the keys
 * (canonical array indexes of at most 9 digits, strictly ascending, so Object.keys order is their
 * order and none repeats); a count is the number JSON.parse gives, 1 for true, NaN for a value
 * that is not a number or a boolean. Counts of 0 (and false) are left out: they add nothing.
 */
export class ScannedBuckets {
  constructor(
    readonly pairs: Float64Array,
    readonly start: number,
    readonly end: number,
  ) {}
}

/** The pairs of every histogram of one line, in one reused array; valid until the next line. */
export class BucketArena {
  pairs: Float64Array = new Float64Array(1 << 14);
  used = 0;

  reset(): void {
    this.used = 0;
    if (this.pairs.length > 1 << 22) this.pairs = new Float64Array(1 << 14);
  }

  /** Room for `count` more pairs (earlier ScannedBuckets keep the array they were written in). */
  reserve(count: number): Float64Array {
    const needed = this.used + 2 * count;
    if (needed > this.pairs.length) {
      const grown = new Float64Array(Math.max(needed, this.pairs.length * 2));
      grown.set(this.pairs.subarray(0, this.used));
      this.pairs = grown;
    }
    return this.pairs;
  }
}
