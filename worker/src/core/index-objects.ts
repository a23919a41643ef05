/**
 * The small JSON index objects the worker reads instead of listing R2, and how a new build
 * merges into the published ones (always a union, so re-running a build changes nothing).
 * Their shapes are the schemas of index-schemas.ts; the types here are what those accept.
 */
import type { InferOutput } from 'valibot';
import type {
  BucketSpecSchema,
  ChannelsSchema,
  DateEntrySchema,
  DatesSchema,
  FiltersSchema,
  LedgerSchema,
  ManifestSchema,
  MetricInfoSchema,
  MetricsSchema,
} from './index-schemas';
import { FILTER_NAMES } from './index-schemas';

export type { FilterName } from './index-schemas';
export { FILTER_NAMES };

export type ChannelsIndex = InferOutput<typeof ChannelsSchema>;
export type DateEntry = InferOutput<typeof DateEntrySchema>;
export type DatesIndex = InferOutput<typeof DatesSchema>;
/** metric -> period (YYYYMM) -> revision of that shard's bytes. */
export type ManifestIndex = InferOutput<typeof ManifestSchema>;
/**
 * Builder-only: the submission dates each shard of a (prefix, channel, version) holds, keyed
 * "period/metric". Written after the shards and after the manifest (so it never claims a date
 * whose manifest revision is not written), it lets a re-run skip a shard without reading it; the
 * shard's own list stays the source of truth.
 */
export type LedgerIndex = InferOutput<typeof LedgerSchema>;
/** Filter options per (channel, version); metric names are stored names ([[COUNT]]_ kept), os is "os,osVersion". */
export type FiltersIndex = InferOutput<typeof FiltersSchema>;
/** Bucket labels, given compactly: the worker expands them with the shared bucket math. */
export type BucketSpec = InferOutput<typeof BucketSpecSchema>;
export type MetricInfo = InferOutput<typeof MetricInfoSchema>;
/** Keyed by the public metric name a client asks for (count histograms without [[COUNT]]_). */
export type MetricsIndex = InferOutput<typeof MetricsSchema>;

export function mergeLedgers(a: LedgerIndex, b: LedgerIndex): LedgerIndex {
  const shards: LedgerIndex['shards'] = {};
  for (const source of [a, b]) {
    for (const [shard, dates] of Object.entries(source.shards)) shards[shard] = sortedUnion(shards[shard] ?? [], dates);
  }
  return { shards: sortKeys(shards) };
}

export function emptyFilters(): FiltersIndex {
  return { metric: [], application: [], architecture: [], os: [], child: [], e10sEnabled: [] };
}

function sortedUnion(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

export function mergeChannels(a: ChannelsIndex, b: ChannelsIndex): ChannelsIndex {
  return sortedUnion(a, b);
}

/** Newest date first; for the same date, the higher version first. */
export function compareDateEntries(a: DateEntry, b: DateEntry): number {
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  return Number(b.version) - Number(a.version) || (a.version < b.version ? 1 : a.version > b.version ? -1 : 0);
}

export function mergeDates(a: DatesIndex, b: DatesIndex): DatesIndex {
  const seen = new Map<string, DateEntry>();
  for (const entry of [...a, ...b]) seen.set(`${entry.date}/${entry.version}`, { date: entry.date, version: entry.version });
  return [...seen.values()].sort(compareDateEntries);
}

export function mergeManifests(a: ManifestIndex, b: ManifestIndex): ManifestIndex {
  const metrics: ManifestIndex['metrics'] = {};
  for (const source of [a, b]) {
    for (const [metric, periods] of Object.entries(source.metrics)) {
      metrics[metric] = { ...(metrics[metric] ?? {}), ...periods };
    }
  }
  return { metrics: sortKeys(Object.fromEntries(Object.entries(metrics).map(([m, p]) => [m, sortKeys(p)]))) };
}

export function mergeFilters(a: FiltersIndex, b: FiltersIndex): FiltersIndex {
  const merged = emptyFilters();
  for (const name of FILTER_NAMES) merged[name] = sortedUnion(a[name] ?? [], b[name] ?? []);
  return merged;
}

/** The newer build's definitions win for metrics both know; the definition files of both are listed. */
export function mergeMetrics(older: MetricsIndex, newer: MetricsIndex): MetricsIndex {
  const merged: MetricsIndex = { metrics: sortKeys({ ...older.metrics, ...newer.metrics }) };
  if (older.definitions || newer.definitions) {
    merged.definitions = {
      histograms: sourcesUnion(older.definitions?.histograms ?? [], newer.definitions?.histograms ?? []),
      scalars: sourcesUnion(older.definitions?.scalars ?? [], newer.definitions?.scalars ?? []),
    };
  }
  return merged;
}

type DefinitionSource = NonNullable<MetricsIndex['definitions']>['histograms'][number];

/** The sources of both lists, once each, sorted by file and hash. */
function sourcesUnion(a: readonly DefinitionSource[], b: readonly DefinitionSource[]): DefinitionSource[] {
  const byKey = new Map<string, DefinitionSource>();
  for (const source of [...a, ...b]) byKey.set(`${source.file}\u0000${source.sha256}`, { file: source.file, sha256: source.sha256 });
  return [...byKey.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, source]) => source);
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
