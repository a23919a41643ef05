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
const MAX_REMEMBERED_REVISIONS = 20_000;

export class AggregateStore {
  readonly indexes: TtlCache<unknown>;
  readonly shards: ByteBoundedLru<ShardColumns>;
  private readonly loadingShards = new Map<string, Promise<ShardColumns | null>>();
  /** The revision each shard key was last loaded at: read-ahead skips shards the LRU holds. */
  private readonly loadedRevision = new Map<string, string>();
  /** Keys a read-ahead found no object under: not read ahead again (the manifest still decides what is read). */
  private readonly missingShards = new Set<string>();

  constructor(readonly options: AggregateStoreOptions) {
    this.indexes = new TtlCache<unknown>(options.indexTtlMs, MAX_INDEX_ENTRIES, options.now);
    this.shards = new ByteBoundedLru<ShardColumns>(options.shardCacheBytes);
  }

  reader(source: ObjectSource, stats: ReadStats): StoreReader {
    return new StoreReader(this, source, stats);
  }

  /** Shared by concurrent requests: one R2 read for a shard however many ask for it at once. */
  loadShard(key: string, revision: string, load: () => Promise<ShardColumns | null>): Promise<ShardColumns | null> {
    const cacheKey = `${key}@${revision}`;
    const cached = this.shards.get(cacheKey);
    if (cached) return Promise.resolve(cached);
    const loading = this.loadingShards.get(cacheKey);
    if (loading) return loading;
    const promise = load().then(
      (shard) => {
        this.loadingShards.delete(cacheKey);
        if (shard) {
          this.shards.set(cacheKey, shard, estimateShardBytes(shard));
          this.loadedRevision.set(key, revision);
          this.missingShards.delete(key);
          if (this.loadedRevision.size > MAX_REMEMBERED_REVISIONS)
            this.loadedRevision.delete(this.loadedRevision.keys().next().value as string);
        }
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

  /** Records that a read-ahead found no shard under `key`. */
  noteMissingShard(key: string): void {
    this.missingShards.add(key);
    if (this.missingShards.size > MAX_REMEMBERED_REVISIONS) this.missingShards.delete(this.missingShards.values().next().value as string);
  }

  /** Whether reading `key` ahead would be wasted: some revision of it is decoded in the LRU (or loading), or it was missing. */
  knowsShard(key: string): boolean {
    if (this.missingShards.has(key)) return true;
    const revision = this.loadedRevision.get(key);
    if (revision === undefined) return false;
    const cacheKey = `${key}@${revision}`;
    return this.loadingShards.has(cacheKey) || this.shards.get(cacheKey) !== undefined;
  }
}

export class StoreReader {
  /** Shard reads started ahead of the manifest (readAhead), by key, not yet used. */
  private readonly readingAhead = new Map<string, Promise<Uint8Array | null>>();

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
    return this.store.loadShard(key, revision, async () => {
      const bytes = (await this.takeReadAhead(key)) ?? (await this.readShardBytes(key));
      if (bytes === null) return null;
      const shard = decodeShard(bytes);
      if (shard.metric !== expect.metric || shard.period !== expect.period) {
        throw new StorageFormatError(`${key}: shard header names ${shard.metric}/${shard.period}`);
      }
      return shard;
    });
  }

  /** Whether the index object under `key` is cached (reading it costs no R2 read). */
  holdsIndex(key: string): boolean {
    return this.store.indexes.holds(key);
  }

  /**
   * Starts reading shards that the request will probably need, before its manifest is loaded, so
   * that a cold request waits for one round of R2 reads instead of two. Shards already decoded
   * in the LRU, and keys a read-ahead found empty, are skipped. A shard read ahead is used by shard() whatever its revision, as a
   * shard read after the manifest would be; one that is never asked for was a wasted read.
   */
  readAhead(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.readingAhead.has(key) || this.store.knowsShard(key)) continue;
      const reading = this.readShardBytes(key);
      // Never an unhandled rejection: shard() rethrows it if the shard is asked for.
      reading.then((bytes) => bytes === null && this.store.noteMissingShard(key)).catch(() => undefined);
      this.readingAhead.set(key, reading);
    }
  }

  /** The bytes read ahead for `key` (null when none were, or the object was missing then). */
  private async takeReadAhead(key: string): Promise<Uint8Array | null> {
    const reading = this.readingAhead.get(key);
    if (!reading) return null;
    this.readingAhead.delete(key);
    return reading;
  }

  private async readShardBytes(key: string): Promise<Uint8Array | null> {
    this.stats.shardReads += 1;
    return this.source.get(key);
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
