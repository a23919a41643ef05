/**
 * What a requested metric is (pure): its stored name, kind, bucket labels and description from
 * the metrics index, and for use counters the count histogram their false bucket comes from.
 */
import { expandBuckets } from '../core/bucket-spec';
import type { MetricInfo, MetricsIndex } from '../core/index-objects';
import { countHistogramMetric, metricFamily } from '../core/metric-names';

/** Use counters: answered as booleans even without a definition (USE_COUNTER_FALLBACK), with a denominator. */
export const USE_COUNTER_PREFIX = 'USE_COUNTER2_';

export interface MetricDefinition {
  /** The name the client asked for. */
  name: string;
  /** The name its shards are stored under ([[COUNT]]_NAME for count histograms). */
  storedName: string;
  kind: string;
  buckets: (number | string)[];
  description: string;
  /** Use counters: the stored name of the count histogram that supplies the false bucket. */
  denominator?: string;
}

const SCALAR_NOT_FOUND_MESSAGE = 'Cannot find this scalar definition.';
const HISTOGRAM_NOT_FOUND_MESSAGE = 'Cannot find this histogram definition.';

export type MetricResolution = { ok: true; definition: MetricDefinition } | { ok: false; message: string };

/** Use counters missing from the definitions still resolve, as booleans (bug 1412384). */
const USE_COUNTER_FALLBACK: MetricInfo = { kind: 'boolean', description: '', buckets: { list: [0, 1, 2] } };

/** The original's answer for a metric without a definition: it depends on the name's family only. */
export function unknownMetricMessage(name: string): string {
  return isScalarLike(name) ? SCALAR_NOT_FOUND_MESSAGE : HISTOGRAM_NOT_FOUND_MESSAGE;
}

/** The name the shards of metric `name` of this kind are stored under ([[COUNT]]_NAME for count histograms). */
export function storedMetricName(name: string, kind: string): string {
  return kind === 'count' && !isScalarLike(name) ? countHistogramMetric(name) : name;
}

export function resolveMetric(name: string, metrics: MetricsIndex): MetricResolution {
  const isUseCounter = name.startsWith(USE_COUNTER_PREFIX);
  const info = Object.hasOwn(metrics.metrics, name) ? metrics.metrics[name] : isUseCounter ? USE_COUNTER_FALLBACK : undefined;
  if (!info) return { ok: false, message: unknownMetricMessage(name) };
  const definition: MetricDefinition = {
    name,
    storedName: storedMetricName(name, info.kind),
    kind: info.kind,
    buckets: expandBuckets(info.buckets),
    description: info.description,
  };
  if (isUseCounter) definition.denominator = useCounterDenominator(name);
  return { ok: true, definition };
}

/** Bug 1412382: per-document counters divide by CONTENT_DOCUMENTS_DESTROYED, the others per page. */
export function useCounterDenominatorHistogram(name: string): string {
  return name.endsWith('_DOCUMENT') ? 'CONTENT_DOCUMENTS_DESTROYED' : 'TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED';
}

/** The stored name of a use counter's denominator (a count histogram). */
export function useCounterDenominator(name: string): string {
  return countHistogramMetric(useCounterDenominatorHistogram(name));
}

/** Scalars and simple measurements: their stored name is the name asked for, even for kind 'count'. */
function isScalarLike(name: string): boolean {
  const family = metricFamily(name);
  return family === 'scalar' || family === 'simple-measure';
}
