/** Runtime checks of the JSON index objects, so a malformed object fails loudly instead of oddly. */
import type { BucketSpec, ChannelsIndex, DatesIndex, FiltersIndex, ManifestIndex, MetricInfo, MetricsIndex } from '../core/index-objects';
import { FILTER_NAMES } from '../core/index-objects';

export class StorageFormatError extends Error {
  override name = 'StorageFormatError';
}

type Validator<T> = (value: unknown, key: string) => T;

function fail(key: string, what: string): never {
  throw new StorageFormatError(`${key}: ${what}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown, key: string, what: string): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) fail(key, `${what} is not a list of strings`);
  return value as string[];
}

export const validateChannels: Validator<ChannelsIndex> = (value, key) => stringArray(value, key, 'channels');

export const validateDates: Validator<DatesIndex> = (value, key) => {
  if (!Array.isArray(value)) fail(key, 'dates is not a list');
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.date !== 'string' || typeof entry.version !== 'string') fail(key, 'bad date entry');
  }
  return value as DatesIndex;
};

export const validateManifest: Validator<ManifestIndex> = (value, key) => {
  if (!isRecord(value) || !isRecord(value.metrics)) fail(key, 'manifest has no metrics map');
  for (const periods of Object.values(value.metrics)) {
    if (!isRecord(periods) || !Object.values(periods).every((revision) => typeof revision === 'string')) {
      fail(key, 'manifest periods are not a map of revisions');
    }
  }
  return value as unknown as ManifestIndex;
};

export const validateFilters: Validator<FiltersIndex> = (value, key) => {
  if (!isRecord(value)) fail(key, 'filters is not an object');
  const filters = {} as FiltersIndex;
  for (const name of FILTER_NAMES) filters[name] = value[name] === undefined ? [] : stringArray(value[name], key, name);
  return filters;
};

function validBuckets(spec: unknown): spec is BucketSpec {
  if (!isRecord(spec)) return false;
  const triple = (v: unknown): boolean => Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === 'number');
  if ('exponential' in spec) return triple(spec.exponential);
  if ('linear' in spec) return triple(spec.linear);
  if ('list' in spec) return Array.isArray(spec.list) && spec.list.every((b) => typeof b === 'number' || typeof b === 'string');
  return false;
}

export const validateMetrics: Validator<MetricsIndex> = (value, key) => {
  if (!isRecord(value) || !isRecord(value.metrics)) fail(key, 'metrics index has no metrics map');
  for (const [name, info] of Object.entries(value.metrics)) {
    if (!isRecord(info) || typeof info.kind !== 'string' || typeof info.description !== 'string' || !validBuckets(info.buckets)) {
      fail(key, `bad definition of ${name}`);
    }
  }
  return value as unknown as MetricsIndex & { metrics: Record<string, MetricInfo> };
};
