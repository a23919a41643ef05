/**
 * Parsing the data request's query string (pure). Mirrors the original service: unknown keys
 * answer 405 with an `Allow` header naming the same URL without them; `version`, `dates` and
 * `metric` are required; `child` takes content/parent/gpu and the legacy true/false.
 *
 * A key given more than once counts with its first value (as Flask's request.args did).
 *
 * Two keys of this service's own (not the original's) are accepted as well: `stats` (statistics
 * per entry, see stats/) and `format` (`json`, the default, or `csv`); a bad value answers 400.
 *
 * A metric name, filter value, version or date longer than MAX_PARAMETER_BYTES matches nothing
 * that was ever published: it answers at once what the original answered for such a value once
 * it had looked (404, "Cannot find this ... definition." for a metric, "No data found for this
 * metric." for the others), so that no such request costs a read or leaves anything in memory.
 */
import type { ProcessType } from '../core/metric-names';
import type { Dimension } from '../core/shard';
import { DIMENSIONS } from '../core/shard';
import type { StatName } from '../stats/stat-names';
import { parseStatNames } from '../stats/stat-names';
import { unknownMetricMessage } from './metric-definition';

/** The original's answer when a request matches no stored data. */
export const NO_DATA_MESSAGE = 'No data found for this metric.';

/** Longer than any published metric name, label or other dimension value (UTF-8 bytes). */
export const MAX_PARAMETER_BYTES = 256;

/** Query keys a data request may carry (the original's list, plus e10sEnabled). */
export const ALLOWED_DATA_KEYS = [
  'application',
  'architecture',
  'child',
  'dates',
  'label',
  'metric',
  'os',
  'osVersion',
  'version',
  'e10sEnabled',
] as const;

/** Keys this service adds to the original's: they change the representation, never the rows. */
export const OUTPUT_KEYS = ['stats', 'format'] as const;

export const OUTPUT_FORMATS = ['json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
const FORMAT_USAGE = `format takes ${OUTPUT_FORMATS.join(' or ')}.`;

/** Row dimensions a request can filter on, by their query key (= stored dimension name): all but the date, in their order. */
export type FilterKey = Exclude<Dimension, 'date'>;
export const FILTER_KEYS: readonly FilterKey[] = DIMENSIONS.filter((dimension): dimension is FilterKey => dimension !== 'date');
export type RowFilter = Partial<Record<FilterKey, string>>;

export interface DataQuery {
  version: string;
  /** Requested dates in request order, duplicates removed. */
  dates: string[];
  metric: string;
  filter: RowFilter;
  /** Set only when the request has `stats=`. */
  stats?: StatName[];
  /** Set only when the request has `format=`. */
  format?: OutputFormat;
}

const MISSING_PARAMETERS_MESSAGE = 'Missing date or version or metric. All three are required.';

export type DataQueryResult =
  | { ok: true; query: DataQuery }
  | { ok: false; status: 405; allow: string; unknownKeys: string[] }
  | { ok: false; status: 404; message: string }
  | { ok: false; status: 400; message: string };

/** The original's `child` values: true for content, false for parent; still accepted and mapped. */
export const LEGACY_CHILD: Readonly<Record<string, ProcessType>> = { true: 'content', false: 'parent' };

/** A `child` value as stored: a legacy one mapped to its process, any other as it is. */
export function canonicalChild(value: string): string {
  return Object.hasOwn(LEGACY_CHILD, value) ? (LEGACY_CHILD[value] as ProcessType) : value;
}

export function parseDataQuery(path: string, params: URLSearchParams): DataQueryResult {
  const first = new Map<string, string>();
  for (const [key, value] of params) if (!first.has(key)) first.set(key, value);

  const allowed = new Set<string>([...ALLOWED_DATA_KEYS, ...OUTPUT_KEYS]);
  const unknownKeys = [...first.keys()].filter((key) => !allowed.has(key));
  if (unknownKeys.length > 0) {
    const kept = new URLSearchParams([...first].filter(([key]) => allowed.has(key)));
    return { ok: false, status: 405, allow: `${path}?${kept.toString()}`, unknownKeys };
  }

  const version = first.get('version') ?? '';
  const metric = first.get('metric') ?? '';
  const dates = [...new Set((first.get('dates') ?? '').split(',').map((date) => date.trim()))].filter((date) => date !== '');
  if (!version || !metric || dates.length === 0) return { ok: false, status: 404, message: MISSING_PARAMETERS_MESSAGE };
  if (tooLong(metric)) return { ok: false, status: 404, message: unknownMetricMessage(metric) };
  if (tooLong(version) || dates.some(tooLong)) return { ok: false, status: 404, message: NO_DATA_MESSAGE };

  const filter: RowFilter = {};
  for (const key of FILTER_KEYS) {
    const value = first.get(key);
    if (value === undefined) continue;
    if (tooLong(value)) return { ok: false, status: 404, message: NO_DATA_MESSAGE };
    filter[key] = key === 'child' ? canonicalChild(value) : value;
  }
  const query: DataQuery = { version, dates, metric, filter };
  const stats = first.get('stats');
  if (stats !== undefined) {
    const names = parseStatNames(stats);
    if (!names.ok) return { ok: false, status: 400, message: names.message };
    query.stats = names.names;
  }
  const format = first.get('format');
  if (format !== undefined) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(format))
      return { ok: false, status: 400, message: `Unknown format: ${format}. ${FORMAT_USAGE}` };
    query.format = format as OutputFormat;
  }
  return { ok: true, query };
}

/** Whether `value` is longer than MAX_PARAMETER_BYTES in UTF-8 (a character is at most 3 bytes per UTF-16 unit). */
export function tooLong(value: string): boolean {
  if (value.length <= MAX_PARAMETER_BYTES / 3) return false;
  if (value.length > MAX_PARAMETER_BYTES) return true;
  return new TextEncoder().encode(value).byteLength > MAX_PARAMETER_BYTES;
}
