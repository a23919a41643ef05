/**
 * What the service answers about a stored metric (kind, buckets, description), decided at build
 * time from the definitions so the worker needs no definition files. Mirrors the original
 * service: simple measures and scalars use fixed labels, count histograms are asked for by their
 * plain name, everything else takes kind and buckets from Histograms.json.
 */
import type { BucketSpec, MetricInfo } from '../../../worker/src/core/index-objects';
import { COUNT_HISTOGRAM_PREFIX, metricFamily } from '../../../worker/src/core/metric-names';
import { COUNT_LABELS_SPEC, SIMPLE_MEASURES_SPEC } from '../aggregate/value-buckets';
import type { HistogramDefinition } from '../definitions/histogram-definitions';
import type { DefinitionSet } from '../definitions/load-definitions';
import { scalarDefinitionName } from '../definitions/scalar-definitions';

/** Name of the extra bucket that follows the labels of a categorical histogram. */
const CATEGORICAL_SPILL_LABEL = 'spill';

/** undefined when the service would answer 404 for every request of this stored metric. */
export function metricInfoFor(
  stored: string,
  definitions: Pick<DefinitionSet, 'histograms' | 'scalars'>,
): { publicName: string; info: MetricInfo } | undefined {
  switch (metricFamily(stored)) {
    case 'simple-measure':
      return { publicName: stored, info: { kind: 'exponential', description: '', buckets: SIMPLE_MEASURES_SPEC } };
    case 'scalar': {
      const scalar = definitions.scalars.get(scalarDefinitionName(stored));
      if (!scalar) return undefined;
      return { publicName: stored, info: { kind: 'exponential', description: scalar.description, buckets: COUNT_LABELS_SPEC } };
    }
    case 'count-histogram': {
      const name = stored.slice(COUNT_HISTOGRAM_PREFIX.length + 1);
      const definition = definitions.histograms.lookup(name);
      if (definition?.kind !== 'count') return undefined;
      return { publicName: name, info: { kind: 'count', description: definition.description, buckets: COUNT_LABELS_SPEC } };
    }
    case 'histogram': {
      const definition = definitions.histograms.lookup(stored);
      // A count histogram's data is read from [[COUNT]]_NAME; rows stored under NAME are unreachable.
      if (!definition || definition.kind === 'count') return undefined;
      return {
        publicName: stored,
        info: { kind: definition.kind, description: definition.description, buckets: bucketSpecOf(definition) },
      };
    }
  }
}

/**
 * The `buckets` the service returns for a histogram metric (BUCKETS.md §5), compactly: the bucket
 * lower bounds as the parameters that compute them, [0, 1] for flags, the labels plus "spill" for
 * categorical ones, the COUNT labels for count histograms, the lower bounds themselves otherwise.
 */
function bucketSpecOf(definition: HistogramDefinition): BucketSpec {
  switch (definition.kind) {
    case 'exponential':
      return { exponential: [definition.low, definition.high, definition.nBuckets] };
    case 'linear':
    case 'enumerated':
      return { linear: [definition.low, definition.high, definition.nBuckets] };
    case 'flag':
      return { list: [0, 1] };
    case 'categorical':
      return { list: [...definition.labels, CATEGORICAL_SPILL_LABEL] };
    case 'count':
      return COUNT_LABELS_SPEC;
    default:
      return { list: [...definition.ranges] };
  }
}
