/**
 * Filtering and summing shard rows (pure, column-oriented): rows are selected by comparing
 * dictionary indexes, located by binary search on the sorted date column, and summed straight
 * from the sparse cells, so nothing is decoded again and no row objects are built.
 */
import type { ExactInt } from '../core/exact-int';
import { addClamped } from '../core/exact-int';
import type { ShardColumns } from '../core/shard-codec';
import type { FilterKey, RowFilter } from './params';
import { FILTER_KEYS } from './params';

/** The sum of the matching rows of one (date, label). */
export interface Sum {
  cells: ExactInt[];
  sum: ExactInt;
  count: ExactInt;
}

/** date -> label -> sum. */
export type SumsByDate = Map<string, Map<string, Sum>>;

/** One entry of a data response's `data`. */
export interface DataRow {
  date: string;
  label: string;
  histogram: ExactInt[];
  count: ExactInt;
  sum: ExactInt;
}

interface ShardLookup {
  stringIndex: Map<string, number>;
  /** Whether the date column is non-decreasing (the format sorts rows; checked, not assumed). */
  datesSorted: boolean;
}

const lookups = new WeakMap<ShardColumns, ShardLookup>();

function lookupOf(shard: ShardColumns): ShardLookup {
  let lookup = lookups.get(shard);
  if (!lookup) {
    const dates = shard.dimensions.date;
    let datesSorted = true;
    for (let r = 1; r < shard.rowCount && datesSorted; r++) datesSorted = (dates[r - 1] as number) <= (dates[r] as number);
    lookup = { stringIndex: new Map(shard.strings.map((s, i) => [s, i])), datesSorted };
    lookups.set(shard, lookup);
  }
  return lookup;
}

/** [first, end) of the rows whose column value is `value`, in a non-decreasing column. */
function equalRange(column: Uint32Array, rowCount: number, value: number): [number, number] {
  let low = 0;
  let high = rowCount;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((column[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  const first = low;
  high = rowCount;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((column[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return [first, low];
}

/**
 * Adds the rows of `shard` whose date is one of `dates` and that match every filter to `into`,
 * grouped by date and label. Histograms of different lengths are summed as if zero-padded.
 */
export function accumulateShard(shard: ShardColumns, dates: readonly string[], filter: RowFilter, into: SumsByDate): void {
  const { stringIndex, datesSorted } = lookupOf(shard);
  const conditions: { column: Uint32Array; value: number }[] = [];
  for (const key of FILTER_KEYS) {
    const wanted = filter[key];
    if (wanted === undefined) continue;
    // A ping without e10sEnabled is stored as '' and matches no e10sEnabled filter.
    if (key === 'e10sEnabled' && wanted === '') return;
    const value = stringIndex.get(wanted);
    if (value === undefined) return;
    conditions.push({ column: shard.dimensions[key as FilterKey], value });
  }
  const dateColumn = shard.dimensions.date;
  const labelColumn = shard.dimensions.label;
  for (const date of dates) {
    const dateValue = stringIndex.get(date);
    if (dateValue === undefined) continue;
    const [start, end] = datesSorted ? equalRange(dateColumn, shard.rowCount, dateValue) : [0, shard.rowCount];
    let byLabel = into.get(date);
    rows: for (let row = start; row < end; row++) {
      if (dateColumn[row] !== dateValue) continue;
      for (const condition of conditions) if (condition.column[row] !== condition.value) continue rows;
      const label = shard.strings[labelColumn[row] as number] as string;
      if (!byLabel) into.set(date, (byLabel = new Map()));
      let total = byLabel.get(label);
      if (!total) byLabel.set(label, (total = { cells: [], sum: 0, count: 0 }));
      addRow(shard, row, total);
    }
  }
}

function addRow(shard: ShardColumns, row: number, total: Sum): void {
  const cells = total.cells;
  const width = shard.width[row] as number;
  while (cells.length < width) cells.push(0);
  const end = shard.cellStart[row + 1] as number;
  for (let cell = shard.cellStart[row] as number; cell < end; cell++) {
    const index = shard.cellIndex[cell] as number;
    const value = shard.cellValue[cell] as ExactInt;
    while (cells.length <= index) cells.push(0);
    const current = cells[index] as ExactInt;
    const sum = typeof current === 'number' && typeof value === 'number' ? current + value : NaN;
    cells[index] = Number.isSafeInteger(sum) ? sum : addClamped(current, value);
  }
  total.sum = addClamped(total.sum, shard.sum[row] as ExactInt);
  total.count = addClamped(total.count, shard.count[row] as ExactInt);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Data rows: dates in request order, labels sorted within a date. */
export function toDataRows(dates: readonly string[], sums: SumsByDate): DataRow[] {
  const rows: DataRow[] = [];
  for (const date of dates) {
    const byLabel = sums.get(date);
    if (!byLabel) continue;
    for (const label of [...byLabel.keys()].sort(compareStrings)) {
      const total = byLabel.get(label) as Sum;
      rows.push({ date, label, histogram: total.cells, count: total.count, sum: total.sum });
    }
  }
  return rows;
}
