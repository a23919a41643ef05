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

export interface Distribution {
  /** Bucket labels, one per bar (cells past the labels are named by their index). */
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
  return {
    labels: merged.histogram.map((_, i) => String(data.buckets[i] ?? `#${i}`)),
    percents: merged.histogram.map((value) => (samples > 0 ? (100 * value) / samples : 0)),
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
      bucket: String(data.buckets[index] ?? `#${index}`),
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

/** A short human form of a number (3 significant digits past 1000 are kept whole). */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}
