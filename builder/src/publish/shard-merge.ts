/**
 * Merging shard rows (a build's contributions, and those with the published shard): exact,
 * associative, and tolerant of histograms of different lengths. Pure.
 */
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addClamped } from '../../../worker/src/core/exact-int';
import type { RowDimensions, ShardContent, ShardRow } from '../../../worker/src/core/shard';
import { compareRows } from '../../../worker/src/core/shard';

/** A string identifying a row's dimensions; NUL never occurs inside a stored dimension. */
function rowKey(row: RowDimensions): string {
  return `${row.date}\u0000${row.application}\u0000${row.architecture}\u0000${row.os}\u0000${row.osVersion}\u0000${row.e10sEnabled}\u0000${row.child}\u0000${row.label}`;
}

/**
 * Element-wise sum of two dense histograms. A definition that gained buckets gives rows of
 * different lengths: the shorter one counts as zero-padded, as the original's array sum did.
 */
function addHistograms(a: readonly ExactInt[], b: readonly ExactInt[]): ExactInt[] {
  const longer = a.length >= b.length ? a : b;
  const shorter = longer === a ? b : a;
  const out = longer.slice();
  for (let i = 0; i < shorter.length; i++) out[i] = addClamped(out[i] as ExactInt, shorter[i] as ExactInt);
  return out;
}

function mergeRowInto(target: ShardRow, source: ShardRow): void {
  target.histogram = addHistograms(target.histogram, source.histogram);
  target.sum = addClamped(target.sum, source.sum);
  target.count = addClamped(target.count, source.count);
}

/** Rows of every list in one pass, those with the same dimensions summed; sorted canonically. */
export function mergeRowLists(lists: readonly (readonly ShardRow[])[]): ShardRow[] {
  const byKey = new Map<string, ShardRow>();
  for (const list of lists) {
    for (const row of list) {
      const key = rowKey(row);
      const existing = byKey.get(key);
      if (existing) mergeRowInto(existing, row);
      else byKey.set(key, { ...row, histogram: row.histogram.slice() });
    }
  }
  return [...byKey.values()].sort(compareRows);
}

/** Two shards of the same metric and period merged; their submission dates are united. */
export function mergeShards(a: ShardContent, b: ShardContent): ShardContent {
  if (a.prefix !== b.prefix || a.channel !== b.channel || a.version !== b.version || a.period !== b.period || a.metric !== b.metric) {
    throw new Error(`cannot merge shards of different identity: ${a.metric}/${a.period} vs ${b.metric}/${b.period}`);
  }
  return {
    ...a,
    submissions: [...new Set([...a.submissions, ...b.submissions])].sort(),
    rows: mergeRowLists([a.rows, b.rows]),
  };
}
