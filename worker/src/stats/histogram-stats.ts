/**
 * Statistics of one merged histogram (pure; shared by the API's `stats=` and the dashboard).
 *
 * - samples: the sum of the bucket counts (exact), beside the submission `count`;
 * - mean: sum / samples;
 * - pN: the value below which N% of the samples lie, interpolated linearly within the bucket
 *   that holds it, between its lower bound and the next bucket's lower bound. The last bucket's
 *   upper bound is extrapolated as telemetry.js' `lastBucketUpper` does (linear kinds: one more
 *   step of the last width; exponential kinds: one more factor of the last ratio). pN is the
 *   smallest such value: p0 is the lower bound of the first non-empty bucket, p100 the upper
 *   bound of the last non-empty one.
 *
 * Kinds whose buckets are categories or yes/no (categorical, flag, boolean, and so use
 * counters) get no mean nor percentiles (null) but `proportions`: each bucket's count divided
 * by samples. An empty histogram (samples 0) gives null everywhere.
 *
 * Results are rounded to 12 significant digits, so float noise (0.049999999999999996) does not
 * reach clients.
 */
import type { ExactInt } from '../core/exact-int';
import { addExact } from '../core/exact-int';
import type { StatName } from './stat-names';
import { percentileOf } from './stat-names';

/** Kinds where only each bucket's share of the samples makes sense. */
export const PROPORTION_KINDS: ReadonlySet<string> = new Set(['categorical', 'flag', 'boolean']);

/** Kinds whose buckets telemetry.js treats as linear; every other numeric kind is exponential. */
const LINEAR_KINDS: ReadonlySet<string> = new Set(['linear', 'enumerated', 'flag', 'boolean']);

/** The statistics of one entry: the requested names, and `proportions` for proportion kinds. */
export type EntryStats = { [name in StatName]?: number | null } & { proportions?: number[] | null };

export interface HistogramEntry {
  histogram: readonly ExactInt[];
  sum: ExactInt;
}

export interface HistogramShape {
  kind: string;
  buckets: readonly (number | string)[];
}

export function isProportionKind(kind: string): boolean {
  return PROPORTION_KINDS.has(kind);
}

/** The sum of the bucket counts, exact. */
export function sampleCount(histogram: readonly ExactInt[]): ExactInt {
  let total: ExactInt = 0;
  for (const value of histogram) total = addExact(total, value);
  return total;
}

/**
 * Bucket bounds for `cells` histogram cells: `cells + 1` numbers, bound i being the lower bound
 * of cell i and bound i + 1 its upper bound. Null when the labels are not all finite numbers.
 */
export function bucketBounds(buckets: readonly (number | string)[], kind: string, cells: number): number[] | null {
  if (buckets.length === 0 || !buckets.every((bucket) => typeof bucket === 'number' && Number.isFinite(bucket))) return null;
  const bounds = (buckets as readonly number[]).slice(0, cells + 1);
  const last = bounds.length;
  const top = buckets[buckets.length - 1] as number;
  const previous = buckets.length >= 2 ? (buckets[buckets.length - 2] as number) : undefined;
  for (let i = last; i <= cells; i++) {
    const steps = i - buckets.length + 1;
    if (previous === undefined) bounds.push(top + steps);
    else if (!LINEAR_KINDS.has(kind) && previous > 0 && top > previous) bounds.push(top * (top / previous) ** steps);
    else bounds.push(top + (top > previous ? top - previous : 1) * steps);
  }
  return bounds;
}

/** The pN of `counts` over `bounds` (see the file comment); null without samples. Negative cells count as 0. */
export function percentile(counts: readonly number[], bounds: readonly number[], p: number): number | null {
  let total = 0;
  for (const count of counts) if (count > 0) total += count;
  if (!(total > 0) || !(p >= 0 && p <= 100)) return null;
  const target = (total * p) / 100;
  let before = 0;
  let lastNonEmpty = -1;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (!(count > 0)) continue;
    lastNonEmpty = i;
    if (before + count >= target) return interpolate(bounds, i, (target - before) / count);
    before += count;
  }
  // Only reached through rounding (target a hair above total): the top of the data.
  return interpolate(bounds, lastNonEmpty, 1);
}

function interpolate(bounds: readonly number[], index: number, ratio: number): number {
  const lower = bounds[index] as number;
  const upper = bounds[index + 1] as number;
  return lower + (upper - lower) * Math.min(Math.max(ratio, 0), 1);
}

/** x rounded to 12 significant digits (null stays null). */
export function roundStat(x: number | null): number | null {
  return x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(12));
}

/** The statistics `names` of one entry of a metric of this shape. */
export function entryStats(entry: HistogramEntry, shape: HistogramShape, names: readonly StatName[]): EntryStats {
  const stats: EntryStats = {};
  const counts = entry.histogram.map(Number);
  const samples = Number(sampleCount(entry.histogram));
  if (isProportionKind(shape.kind)) {
    for (const name of names) stats[name] = null;
    stats.proportions = samples > 0 ? counts.map((count) => roundStat(count / samples) as number) : null;
    return stats;
  }
  const bounds = bucketBounds(shape.buckets, shape.kind, counts.length);
  for (const name of names) {
    const p = percentileOf(name);
    if (p === null) stats[name] = samples > 0 ? roundStat(Number(entry.sum) / samples) : null;
    else stats[name] = bounds ? roundStat(percentile(counts, bounds, p)) : null;
  }
  return stats;
}
