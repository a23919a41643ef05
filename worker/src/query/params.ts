/**
 * Parsing the data request's query string (pure). Mirrors the original service: unknown keys
 * answer 405 with an `Allow` header naming the same URL without them; `version`, `dates` and
 * `metric` are required; `child` takes content/parent/gpu and the legacy true/false.
 *
 * A key given more than once counts with its first value (as Flask's request.args did).
 */

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

/** Row dimensions a request can filter on, by their query key (= stored dimension name). */
export const FILTER_KEYS = ['application', 'architecture', 'os', 'osVersion', 'e10sEnabled', 'child', 'label'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type RowFilter = Partial<Record<FilterKey, string>>;

export interface DataQuery {
  version: string;
  /** Requested dates in request order, duplicates removed. */
  dates: string[];
  metric: string;
  filter: RowFilter;
}

export const MISSING_PARAMETERS_MESSAGE = 'Missing date or version or metric. All three are required.';

export type DataQueryResult =
  | { ok: true; query: DataQuery }
  | { ok: false; status: 405; allow: string; unknownKeys: string[] }
  | { ok: false; status: 404; message: string };

const LEGACY_CHILD: Readonly<Record<string, string>> = { true: 'content', false: 'parent' };

export function parseDataQuery(path: string, params: URLSearchParams): DataQueryResult {
  const first = new Map<string, string>();
  for (const [key, value] of params) if (!first.has(key)) first.set(key, value);

  const allowed = new Set<string>(ALLOWED_DATA_KEYS);
  const unknownKeys = [...first.keys()].filter((key) => !allowed.has(key));
  if (unknownKeys.length > 0) {
    const kept = new URLSearchParams([...first].filter(([key]) => allowed.has(key)));
    return { ok: false, status: 405, allow: `${path}?${kept.toString()}`, unknownKeys };
  }

  const version = first.get('version') ?? '';
  const metric = first.get('metric') ?? '';
  const dates = [...new Set((first.get('dates') ?? '').split(',').map((date) => date.trim()))].filter((date) => date !== '');
  if (!version || !metric || dates.length === 0) return { ok: false, status: 404, message: MISSING_PARAMETERS_MESSAGE };

  const filter: RowFilter = {};
  for (const key of FILTER_KEYS) {
    const value = first.get(key);
    if (value === undefined) continue;
    filter[key] = key === 'child' ? (LEGACY_CHILD[value] ?? value) : value;
  }
  return { ok: true, query: { version, dates, metric, filter } };
}
