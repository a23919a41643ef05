/**
 * `format=csv` of the data endpoint (pure): one row per (date, label, bucket), RFC 4180
 * (comma-separated, CRLF line ends, fields quoted when they hold a comma, quote or line break).
 *
 *   date,label,bucket_index,bucket,value,count,sum[,samples,<each stat>][,proportion]
 *
 * `value` is the bucket's count; `count` (submissions) and `sum` repeat on every bucket row of
 * their entry; so do `samples` and the statistics when `stats=` is given; `proportion` (the
 * bucket's share of samples) is added for the kinds whose statistics are proportions. A bucket
 * past the metric's labels (flag histograms have three cells for two labels) has an empty
 * `bucket`. Text cells that a spreadsheet would read as a formula (starting with = + - @ or a
 * tab/CR) are prefixed with an apostrophe.
 */
import type { ExactInt } from '../core/exact-int';
import type { DataRow } from '../query/aggregate';
import type { StatsDataRow } from '../stats/data-rows';
import type { StatName } from '../stats/stat-names';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

export interface CsvSource {
  buckets: readonly (number | string)[];
  data: readonly (DataRow | StatsDataRow)[];
}

type Cell = string | number | bigint | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

function textCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function field(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function isStatsRow(row: DataRow | StatsDataRow): row is StatsDataRow {
  return 'stats' in row;
}

/** The CSV text; `stats` are the requested statistics (their rows must carry them). */
export function dataToCsv(source: CsvSource, stats: readonly StatName[] = []): string {
  const withProportions = source.data.some((row) => isStatsRow(row) && row.stats.proportions !== undefined);
  const header = ['date', 'label', 'bucket_index', 'bucket', 'value', 'count', 'sum'];
  if (stats.length > 0) header.push('samples', ...stats);
  if (withProportions) header.push('proportion');
  const lines = [header.map(field).join(',')];
  for (const row of source.data) {
    const statsRow = isStatsRow(row) ? row : undefined;
    const perEntry: Cell[] = statsRow && stats.length > 0 ? [statsRow.samples, ...stats.map((name) => statsRow.stats[name])] : [];
    row.histogram.forEach((value: ExactInt, index: number) => {
      const bucket = source.buckets[index];
      const cells: Cell[] = [
        row.date,
        textCell(row.label),
        index,
        typeof bucket === 'string' ? textCell(bucket) : bucket,
        value,
        row.count,
        row.sum,
        ...perEntry,
      ];
      if (withProportions) cells.push(statsRow?.stats.proportions?.[index]);
      lines.push(cells.map(field).join(','));
    });
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface CsvNameParts {
  metric: string;
  prefix: string;
  channel: string;
  version: string;
  dates: readonly string[];
}

/**
 * The file name of a download of the data endpoint (the dashboard names its JSON downloads the
 * same way), e.g. GC_MS_nightly_54_submission_date_20170115-20170128.csv (only [A-Za-z0-9._-]).
 */
export function exportFileName(parts: CsvNameParts, extension: 'csv' | 'json'): string {
  const sorted = [...parts.dates].sort();
  const first = sorted[0] ?? '';
  const last = sorted[sorted.length - 1] ?? '';
  const range = first === last ? first : `${first}-${last}`;
  const name = [parts.metric, parts.channel, parts.version, parts.prefix, range].filter((part) => part !== '').join('_');
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180)}.${extension}`;
}

export function csvFileName(parts: CsvNameParts): string {
  return exportFileName(parts, 'csv');
}

export function csvContentDisposition(fileName: string): string {
  return `attachment; filename="${fileName}"`;
}
