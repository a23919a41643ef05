/**
 * Values counted into fixed labels (BUCKETS.md §6): count histograms (their sum), numeric scalars
 * and simple measurements. The label lists the original aggregator hard-coded, each defined by the
 * bucket spec the metrics index publishes for it (so the worker expands the very same list), and
 * which label a value counts in. Pure.
 */
import { exponentialBuckets } from '../../../worker/src/core/buckets';
import type { BucketSpec } from '../../../worker/src/core/index-objects';

type ExponentialSpec = Extract<BucketSpec, { exponential: unknown }>;

/** Labels of count histograms (stored as `[[COUNT]]_NAME`) and of numeric scalars: exponential(1, 10000, 100). */
export const COUNT_LABELS_SPEC: Readonly<ExponentialSpec> = { exponential: [1, 10000, 100] };
/** Labels of simple measurements (`SIMPLE_MEASURES_*`): exponential(1, 30000, 50). */
export const SIMPLE_MEASURES_SPEC: Readonly<ExponentialSpec> = { exponential: [1, 30000, 50] };

/** Labels for count histograms stored as `[[COUNT]]_NAME` (the aggregator's hard-coded list). Frozen. */
export const COUNT_HISTOGRAM_LABELS: readonly number[] = exponentialBuckets(...COUNT_LABELS_SPEC.exponential);

/** Labels for numeric scalars (`SCALARS_*`): the same list as the count histograms. */
export const NUMERIC_SCALARS_LABELS: readonly number[] = COUNT_HISTOGRAM_LABELS;

/** Labels for simple measurements (`SIMPLE_MEASURES_*`). Frozen. */
export const SIMPLE_MEASURES_LABELS: readonly number[] = exponentialBuckets(...SIMPLE_MEASURES_SPEC.exponential);

/**
 * Index of the largest label <= value in ascending `labels` (the last one if labels
 * repeat), or 0 when the value is below every label or is NaN (the original starts
 * at the first, "underflow" label). Returns -1 only for an empty label list.
 */
export function bucketIndexForValue(labels: readonly number[], value: number): number {
  if (labels.length === 0) return -1;
  // Invariant: labels[low] <= value, and every index above `high` has a label > value.
  const first = labels[0] as number;
  if (!(value >= first)) return 0;
  let low = 0;
  let high = labels.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if ((labels[middle] as number) <= value) low = middle;
    else high = middle - 1;
  }
  return low;
}
