/**
 * The dense layout of a histogram, from its definition (BUCKETS.md §4): how wide its stored row
 * is and which cell each bucket key of a ping's sparse `values` adds to. The aggregator resolves
 * one per histogram name and reads `table` directly on its hot path. Pure.
 */
import type { HistogramDefinition } from '../definitions/histogram-definitions';
import { parsePythonInt } from './python-int';

/** Dense index of a bucket key that is an integer but not a bucket lower bound: dropped. */
export const DROPPED_KEY = -1;
/** Dense index of a bucket key that is not an integer: skipped and counted. */
export const NON_INTEGER_KEY = -2;
/** Remembered key strings per histogram; bounded so hostile pings cannot grow it without end. */
const MAX_REMEMBERED_KEYS = 4096;

/** Bucket lower bounds below this are looked up in a table; larger ones in a map. */
const TABLE_LIMIT = 4096;

/**
 * What a histogram's definition implies for the hot path, resolved once per name: its dense width
 * (labels + spill for categorical, else one cell per bucket), and the dense index of each bucket
 * lower bound (the first one when bounds repeat; a categorical histogram's keys 0..labels are
 * their own index, the last one being the spill bucket).
 */
export class HistogramLayout {
  readonly width: number;
  /** Dense index by bucket lower bound, for bounds below TABLE_LIMIT (DROPPED_KEY: not a bound). */
  readonly table: Int32Array;
  /** Dense index by bucket lower bound, for the other bounds. */
  private readonly large = new Map<number, number>();
  /** Keys that are not plain digit strings -> dense index (or DROPPED_KEY / NON_INTEGER_KEY). */
  private readonly otherKeys = new Map<string, number>();
  /**
   * The bucket lower bounds in dense order, when they ascend (they always do in a valid
   * definition): buckets given in ascending order can then be matched by one walk along them
   * (indexWalk), which reads a few cache lines instead of one table entry per bucket.
   */
  readonly ascendingBounds: Float64Array | undefined;

  constructor(definition: HistogramDefinition) {
    const bounds =
      definition.kind === 'categorical' ? definition.labels.map((_, i) => i).concat(definition.labels.length) : definition.ranges;
    this.width = bounds.length;
    let tableLength = 0;
    for (const bound of bounds)
      if (Number.isInteger(bound) && bound >= 0 && bound < TABLE_LIMIT) tableLength = Math.max(tableLength, bound + 1);
    this.table = new Int32Array(tableLength).fill(DROPPED_KEY);
    this.ascendingBounds = bounds.every((bound, i) => i === 0 || bound >= (bounds[i - 1] as number))
      ? Float64Array.from(bounds)
      : undefined;
    for (let index = bounds.length - 1; index >= 0; index--) {
      const bound = bounds[index] as number;
      if (Number.isInteger(bound) && bound >= 0 && bound < TABLE_LIMIT) this.table[bound] = index;
      else this.large.set(bound, index);
    }
  }

  /** Dense index of an integer bucket key, or DROPPED_KEY. */
  indexOfBucket(bucket: number): number {
    if (bucket >= 0 && bucket < this.table.length) return this.table[bucket] as number;
    return this.large.get(bucket) ?? DROPPED_KEY;
  }

  /** Any key string (Python's int() rules, see parsePythonInt), remembered (boundedly). */
  indexOfKey(key: string): number {
    let index = this.otherKeys.get(key);
    if (index === undefined) {
      const bucket = parsePythonInt(key);
      index = bucket === undefined ? NON_INTEGER_KEY : this.indexOfBucket(bucket);
      if (this.otherKeys.size < MAX_REMEMBERED_KEYS) this.otherKeys.set(key, index);
    }
    return index;
  }
}
