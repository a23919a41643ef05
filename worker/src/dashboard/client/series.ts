/**
 * What the charts plot, from a data answer (pure, no DOM). Statistics come from the same module
 * as the API's `stats=` (worker/src/stats), so the page and the API always agree.
 */
import type { EntryStats } from '../../stats/histogram-stats';
import { entryStats, isProportionKind } from '../../stats/histogram-stats';
import type { StatName } from '../../stats/stat-names';

/** One entry of the data answer, as the browser parses it (numbers beyond 2^53 arrive rounded). */
export interface ApiRow {
  date: string;
  label: string;
  histogram: number[];
  count: number;
  sum: number;
}

export interface ApiData {
  data: ApiRow[];
  buckets: (number | string)[];
  kind: string;
  description: string;
}

export interface Merged {
  histogram: number[];
  count: number;
  sum: number;
}

export const EVOLUTION_STATS: readonly StatName[] = ['p5', 'p25', 'p50', 'p75', 'p95', 'mean'];

export function labelsOf(data: ApiData): string[] {
  return [...new Set(data.data.map((row) => row.label))].sort();
}

export function datesOf(data: ApiData): string[] {
  return [...new Set(data.data.map((row) => row.date))].sort();
}

function add(into: Merged, row: Merged): void {
  row.histogram.forEach((value, i) => {
    into.histogram[i] = (into.histogram[i] ?? 0) + value;
  });
  into.count += row.count;
  into.sum += row.sum;
}

/** The rows of one label ('' = all labels) summed, for one date ('' = every date). */
export function merge(data: ApiData, label: string, date = ''): Merged {
  const total: Merged = { histogram: data.buckets.map(() => 0), count: 0, sum: 0 };
  for (const row of data.data) if ((label === '' || row.label === label) && (date === '' || row.date === date)) add(total, row);
  return total;
}

/** Kinds whose first two cells mean false and true (a third cell is the histogram's overflow, always empty). */
const TRUTH_KINDS = new Set(['boolean', 'flag']);

/** How many leading cells of a histogram have a name of their own. */
function namedCells(data: ApiData): number {
  return TRUTH_KINDS.has(data.kind) ? 2 : data.buckets.length;
}

/** The name of a histogram cell: false/true for boolean and flag metrics, else its bucket, or #index past the buckets. */
export function bucketName(data: ApiData, index: number): string {
  if (index < namedCells(data)) return TRUTH_KINDS.has(data.kind) ? String(index === 1) : String(data.buckets[index]);
  return `#${index}`;
}

/** A date of the API (20170120) as the page writes every date: 2017-01-20. */
export function displayDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
}

export interface Distribution {
  /** What the bars stand for: the buckets' lower bounds, or (boolean, flag, enumerated, categorical) the buckets themselves. */
  axis: string;
  /** Bucket names, one per bar (empty cells past the named ones are left out). */
  labels: string[];
  /** Each bucket's share of the samples, in percent. */
  percents: number[];
  samples: number;
  submissions: number;
  stats: EntryStats;
}

export function distribution(data: ApiData, label: string, date: string): Distribution {
  const merged = merge(data, label, date);
  const samples = merged.histogram.reduce((total, value) => total + value, 0);
  let shown = merged.histogram.length;
  while (shown > namedCells(data) && merged.histogram[shown - 1] === 0) shown--;
  const cells = merged.histogram.slice(0, shown);
  return {
    axis: isProportionKind(data.kind) ? 'bucket' : 'bucket (lower bound)',
    labels: cells.map((_, i) => bucketName(data, i)),
    percents: cells.map((value) => (samples > 0 ? (100 * value) / samples : 0)),
    samples,
    submissions: merged.count,
    stats: entryStats(merged, data, ['mean', 'p50']),
  };
}

export interface Evolution {
  dates: string[];
  /** Seconds since the epoch (UTC midnight) per date, for the time axis. */
  times: number[];
  submissions: number[];
  samples: number[];
  /** Numeric kinds: p5, p25, p50, p75, p95, mean per date. */
  stats: Record<string, (number | null)[]>;
  /** Proportion kinds: the share (percent) of the most common buckets per date. */
  shares: { bucket: string; values: (number | null)[] }[];
}

export function dateToSeconds(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / 1000;
}

/** Per date: submissions, samples and the statistics (or bucket shares), for one label ('' = all). */
export function evolution(data: ApiData, label: string, maxShares = 6): Evolution {
  const dates = datesOf(data);
  const merged = dates.map((date) => merge(data, label, date));
  const result: Evolution = {
    dates,
    times: dates.map(dateToSeconds),
    submissions: merged.map((m) => m.count),
    samples: merged.map((m) => m.histogram.reduce((total, value) => total + value, 0)),
    stats: {},
    shares: [],
  };
  if (isProportionKind(data.kind)) {
    const totals = merge(data, label).histogram;
    const top = totals
      .map((total, index) => ({ total, index }))
      .filter((bucket) => bucket.total > 0)
      .sort((a, b) => b.total - a.total || a.index - b.index)
      .slice(0, maxShares);
    result.shares = top.map(({ index }) => ({
      bucket: bucketName(data, index),
      values: merged.map((m, i) => {
        const samples = result.samples[i] as number;
        return samples > 0 ? (100 * (m.histogram[index] ?? 0)) / samples : null;
      }),
    }));
  } else {
    const perDate = merged.map((m) => entryStats(m, data, EVOLUTION_STATS));
    for (const name of EVOLUTION_STATS) result.stats[name] = perDate.map((stats) => stats[name] ?? null);
  }
  return result;
}

/** At most `most` of the indices 0..count-1, evenly spaced from 0: the bars that get a label. */
export function everyNth(count: number, most: number): number[] {
  const step = Math.max(1, Math.ceil(count / most));
  const indices: number[] = [];
  for (let i = 0; i < count; i += step) indices.push(i);
  return indices;
}

/** A short human form of a number (3 significant digits past 1000 are kept whole). */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}
