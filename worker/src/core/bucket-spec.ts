/** Expands the compact bucket description of the metrics index into the `buckets` the API returns. */
import { exponentialBuckets, linearBuckets } from './buckets';
import type { BucketSpec } from './index-objects';

export function expandBuckets(spec: BucketSpec): (number | string)[] {
  if ('exponential' in spec) return [...exponentialBuckets(...spec.exponential)];
  if ('linear' in spec) return [...linearBuckets(...spec.linear)];
  return spec.list;
}
