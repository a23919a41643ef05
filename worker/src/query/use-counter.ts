/**
 * Use counters (bug 1412382), as the original's batched_get_use_counter: the counter's own rows
 * (t1) full-outer-joined by date with the rows of its denominator count histogram (t2):
 *
 *   only t2:  histogram [t2.sum, 0, 0], sum 0, count t2.count, label ''
 *   only t1:  t1 unchanged
 *   both:     histogram [t2.sum - t1[1] - t1[2], t1[1], t1[2]], sum t1.sum, count t1.count
 *
 * (The original's SQL selected t2.date, so an only-t1 row came back with a null date; here it
 * keeps its own date.)
 */
import type { ExactInt } from '../core/exact-int';
import { addExact } from '../core/exact-int';
import type { DataRow, Sum, SumsByDate } from './aggregate';

function negate(value: ExactInt): ExactInt {
  return typeof value === 'bigint' ? -value : -value;
}

function subtract(a: ExactInt, b: ExactInt): ExactInt {
  return addExact(a, negate(b));
}

function sortedEntries(byLabel: Map<string, Sum> | undefined): [string, Sum][] {
  if (!byLabel) return [];
  return [...byLabel.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function joinUseCounter(dates: readonly string[], counter: SumsByDate, denominator: SumsByDate): DataRow[] {
  const rows: DataRow[] = [];
  for (const date of dates) {
    const t1 = sortedEntries(counter.get(date));
    const t2 = sortedEntries(denominator.get(date));
    if (t1.length === 0) {
      for (const [, den] of t2) rows.push({ date, label: '', histogram: [den.sum, 0, 0], count: den.count, sum: 0 });
      continue;
    }
    for (const [label, own] of t1) {
      if (t2.length === 0) {
        rows.push({ date, label, histogram: own.cells, count: own.count, sum: own.sum });
        continue;
      }
      const trueCount = own.cells[1] ?? 0;
      const overflow = own.cells[2] ?? 0;
      for (const [, den] of t2) {
        rows.push({
          date,
          label,
          histogram: [subtract(subtract(den.sum, trueCount), overflow), trueCount, overflow],
          count: own.count,
          sum: own.sum,
        });
      }
    }
  }
  return rows;
}
