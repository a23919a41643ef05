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

export type MetricFamily = 'simple-measure' | 'scalar' | 'count-histogram' | 'histogram';

/** Which family a stored metric name belongs to (decides its bucket labels). */
export function metricFamily(storedName: string): MetricFamily {
  if (storedName.startsWith(SIMPLE_MEASURES_PREFIX)) return 'simple-measure';
  if (storedName.startsWith(COUNT_HISTOGRAM_PREFIX)) return 'count-histogram';
  if (storedName.startsWith(NUMERIC_SCALARS_PREFIX)) return 'scalar';
  return 'histogram';
}
