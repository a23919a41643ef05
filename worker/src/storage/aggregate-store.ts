/**
 * Loading the builder's objects: index objects through a short-lived per-isolate cache, decoded
 * shards through a byte-bounded per-isolate LRU keyed by key and manifest revision. A StoreReader
 * is the per-request view that counts the R2 reads the request itself caused.
 */
import type { ChannelsIndex, DatesIndex, FiltersIndex, ManifestIndex, MetricsIndex } from '../core/index-objects';
import type { ShardColumns } from '../core/shard-codec';
import { decodeShard } from '../core/shard-codec';
import type { Prefix } from '../core/storage-keys';
import { channelsKey, datesKey, filtersKey, manifestKey, metricsKey } from '../core/storage-keys';
import {
  StorageFormatError,
  validateChannels,
  validateDates,
  validateFilters,
  validateManifest,
  validateMetrics,
} from './index-validation';
import { ByteBoundedLru } from './lru';
import type { ObjectSource, ReadStats } from './object-source';
import { TtlCache } from './ttl-cache';

export interface AggregateStoreOptions {
  indexTtlMs: number;
  shardCacheBytes: number;
  now?: () => number;
}

const MAX_INDEX_ENTRIES = 2_000;

export class AggregateStore {
  readonly indexes: TtlCache<unknown>;
  readonly shards: ByteBoundedLru<ShardColumns>;
  private readonly loadingShards = new Map<string, Promise<ShardColumns | null>>();

  constructor(readonly options: AggregateStoreOptions) {
    this.indexes = new TtlCache<unknown>(options.indexTtlMs, MAX_INDEX_ENTRIES, options.now);
    this.shards = new ByteBoundedLru<ShardColumns>(options.shardCacheBytes);
  }

  reader(source: ObjectSource, stats: ReadStats): StoreReader {
    return new StoreReader(this, source, stats);
  }

  /** Shared by concurrent requests: one R2 read for a shard however many ask for it at once. */
  loadShard(cacheKey: string, load: () => Promise<ShardColumns | null>): Promise<ShardColumns | null> {
    const cached = this.shards.get(cacheKey);
    if (cached) return Promise.resolve(cached);
    const loading = this.loadingShards.get(cacheKey);
    if (loading) return loading;
    const promise = load().then(
      (shard) => {
        this.loadingShards.delete(cacheKey);
        if (shard) this.shards.set(cacheKey, shard, estimateShardBytes(shard));
        return shard;
      },
      (error: unknown) => {
        this.loadingShards.delete(cacheKey);
        throw error;
      },
    );
    this.loadingShards.set(cacheKey, promise);
    return promise;
  }
}

export class StoreReader {
  constructor(
    private readonly store: AggregateStore,
    private readonly source: ObjectSource,
    readonly stats: ReadStats,
  ) {}

  channels(prefix: Prefix): Promise<ChannelsIndex | null> {
    return this.json(channelsKey(prefix), validateChannels);
  }

  dates(prefix: Prefix, channel: string): Promise<DatesIndex | null> {
    return this.json(datesKey(prefix, channel), validateDates);
  }

  manifest(prefix: Prefix, channel: string, version: string): Promise<ManifestIndex | null> {
    return this.json(manifestKey(prefix, channel, version), validateManifest);
  }

  filters(channel: string, version: string): Promise<FiltersIndex | null> {
    return this.json(filtersKey(channel, version), validateFilters);
  }

  metrics(channel: string, version: string): Promise<MetricsIndex | null> {
    return this.json(metricsKey(channel, version), validateMetrics);
  }

  /**
   * The decoded shard under `key` whose manifest revision is `revision`; null when the object is
   * missing. `metric` and `period` are checked against the shard's header.
   */
  shard(key: string, revision: string, expect: { metric: string; period: string }): Promise<ShardColumns | null> {
    return this.store.loadShard(`${key}@${revision}`, async () => {
      const bytes = await this.source.get(key);
      this.stats.shardReads += 1;
      if (bytes === null) return null;
      const shard = decodeShard(bytes);
      if (shard.metric !== expect.metric || shard.period !== expect.period) {
        throw new StorageFormatError(`${key}: shard header names ${shard.metric}/${shard.period}`);
      }
      return shard;
    });
  }

  private json<T>(key: string, validate: (value: unknown, key: string) => T): Promise<T | null> {
    return this.store.indexes.get(key, async () => {
      const bytes = await this.source.get(key);
      this.stats.indexReads += 1;
      if (bytes === null) return null;
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes));
      } catch (error) {
        throw new StorageFormatError(`${key}: not JSON (${(error as Error).message})`);
      }
      return validate(value, key);
    }) as Promise<T | null>;
  }
}

/** Rough in-memory size of a decoded shard, for the LRU bound. */
export function estimateShardBytes(shard: ShardColumns): number {
  let bytes = 512;
  for (const text of shard.strings) bytes += 32 + text.length * 2;
  for (const column of Object.values(shard.dimensions)) bytes += column.byteLength;
  bytes += shard.width.byteLength + shard.cellStart.byteLength + shard.cellIndex.byteLength;
  bytes += (shard.sum.length + shard.count.length + shard.cellValue.length) * 8;
  return bytes;
}
