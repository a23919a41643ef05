/** Data rows with statistics: `samples` beside `count`, and `stats` after `sum` (pure). */
import type { ExactInt } from '../core/exact-int';
import type { DataRow } from '../query/aggregate';
import type { EntryStats, HistogramShape } from './histogram-stats';
import { entryStats, sampleCount } from './histogram-stats';
import type { StatName } from './stat-names';

export interface StatsDataRow {
  date: string;
  label: string;
  histogram: ExactInt[];
  count: ExactInt;
  /** The sum of the bucket counts. */
  samples: ExactInt;
  sum: ExactInt;
  stats: EntryStats;
}

export function withStats(rows: readonly DataRow[], shape: HistogramShape, names: readonly StatName[]): StatsDataRow[] {
  return rows.map((row) => ({
    date: row.date,
    label: row.label,
    histogram: row.histogram,
    count: row.count,
    samples: sampleCount(row.histogram),
    sum: row.sum,
    stats: entryStats(row, shape, names),
  }));
}
