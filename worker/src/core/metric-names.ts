/**
 * Metric naming rules shared by the builder (which stores metrics under these names) and the
 * worker (which serves them): the stored names of count histograms, scalars and simple
 * measurements, the names the original stored at all, and the process (`child`) values.
 */

export const COUNT_HISTOGRAM_PREFIX = '[[COUNT]]';
const NUMERIC_SCALARS_PREFIX = 'SCALARS';
const SIMPLE_MEASURES_PREFIX = 'SIMPLE_MEASURES';

export const PROCESS_TYPES = ['parent', 'content', 'gpu'] as const;
export type ProcessType = (typeof PROCESS_TYPES)[number];

export function countHistogramMetric(name: string): string {
  return `${COUNT_HISTOGRAM_PREFIX}_${name}`;
}

export function scalarMetric(name: string): string {
  return `${NUMERIC_SCALARS_PREFIX}_${name.toUpperCase()}`;
}

export function simpleMeasureMetric(name: string, subName?: string): string {
  return subName === undefined
    ? `${SIMPLE_MEASURES_PREFIX}_${name.toUpperCase()}`
    : `${SIMPLE_MEASURES_PREFIX}_${name.toUpperCase()}_${subName.toUpperCase()}`;
}

/** Strips the `[[COUNT]]_` storage prefix: what clients see in `/filters/`. */
export function publicMetricName(storedName: string): string {
  const prefix = `${COUNT_HISTOGRAM_PREFIX}_`;
  return storedName.startsWith(prefix) ? storedName.slice(prefix.length) : storedName;
}

const PRINTABLE_METRIC_NAME = /^[A-Za-z0-9_\-[\].]*$/;

/** The original stored only metric names made of `[A-Za-z0-9_\-\[\].]`. */
export function isPrintableMetricName(name: string): boolean {
  return PRINTABLE_METRIC_NAME.test(name);
}

/**
 * The longest stored metric name (e.g. `SCALARS_…`, `[[COUNT]]_…`), in UTF-8 bytes: it is the
 * last segment of a shard's key, and a `dir:` target's path component holds at most 255 bytes,
 * with room left for the store's temp and lock suffixes. Longer names are not stored.
 */
export const MAX_METRIC_NAME_BYTES = 200;

/** The longest stored label (the key of a keyed metric), in UTF-8 bytes: the worker's longest request parameter. */
export const MAX_LABEL_BYTES = 256;

/** Is `text` at most `maxBytes` long in UTF-8? (A lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD.) */
export function fitsInUtf8Bytes(text: string, maxBytes: number): boolean {
  // every UTF-16 unit takes 1 to 3 bytes (a surrogate pair 4 for two units)
  if (text.length * 3 <= maxBytes) return true;
  if (text.length > maxBytes) return false;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
    if (bytes > maxBytes) return false;
  }
  return true;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

export type MetricFamily = 'simple-measure' | 'scalar' | 'count-histogram' | 'histogram';

/** Which family a stored metric name belongs to (decides its bucket labels). */
export function metricFamily(storedName: string): MetricFamily {
  if (storedName.startsWith(SIMPLE_MEASURES_PREFIX)) return 'simple-measure';
  if (storedName.startsWith(COUNT_HISTOGRAM_PREFIX)) return 'count-histogram';
  if (storedName.startsWith(NUMERIC_SCALARS_PREFIX)) return 'scalar';
  return 'histogram';
}
