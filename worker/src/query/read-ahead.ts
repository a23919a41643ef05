/**
 * Which shards a data request may read ahead of its manifest (pure). Only metrics a metrics index
 * listed are guessed, under their stored names: a name nobody published costs no shard read,
 * however it is spelled. A use counter the index does not list (it still resolves, as a boolean)
 * is read after the manifest, as without read-ahead.
 */
import type { MetricKinds } from '../storage/aggregate-store';
import { storedMetricName, USE_COUNTER_PREFIX, useCounterDenominator, useCounterDenominatorHistogram } from './metric-definition';

/** Stored names of the metrics whose shards a request for `name` will read; [] when `kinds` does not list it. */
export function readAheadMetrics(name: string, kinds: MetricKinds): string[] {
  const kind = kinds.get(name);
  if (kind === undefined) return [];
  const own = storedMetricName(name, kind);
  if (!name.startsWith(USE_COUNTER_PREFIX) || !kinds.has(useCounterDenominatorHistogram(name))) return [own];
  return [own, useCounterDenominator(name)];
}
