/** What a shard holds: every row of one metric for one (prefix, channel, version, month). */
import type { ExactInt } from './exact-int';
import type { Prefix } from './storage-keys';

/** The dimensions of a stored row, in their canonical order (rows sort by them in this order). */
export const DIMENSIONS = ['date', 'application', 'architecture', 'os', 'osVersion', 'e10sEnabled', 'child', 'label'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export type RowDimensions = Record<Dimension, string>;

/** One stored row: the dense histogram of a metric for one combination of dimensions. */
export interface ShardRow extends RowDimensions {
  histogram: ExactInt[];
  sum: ExactInt;
  count: ExactInt;
}

export interface ShardHeader {
  prefix: Prefix;
  channel: string;
  version: string;
  /** Calendar month, YYYYMM. */
  period: string;
  /** Stored metric name, e.g. GC_MS or [[COUNT]]_NAME. */
  metric: string;
  /** Submission dates whose pings are already merged into this shard (sorted). */
  submissions: string[];
}

export interface ShardContent extends ShardHeader {
  rows: ShardRow[];
}

export function compareRows(a: RowDimensions, b: RowDimensions): number {
  for (const dimension of DIMENSIONS) {
    const x = a[dimension];
    const y = b[dimension];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
