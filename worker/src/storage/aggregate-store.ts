/**
 * Loading the builder's objects, and everything an isolate keeps of them between requests. Each
 * of these per-isolate memories has a bound that holds whatever requests come in:
 *
 * - index objects (and their loads in flight): a short-lived cache bounded in entries and in
 *   accounted bytes (`indexCacheBytes`, INDEX_CACHE_MB);
 * - decoded shards: an LRU bounded in accounted bytes (`shardCacheBytes`, SHARD_CACHE_MB), keyed
 *   by shard key and holding one manifest revision of each;
 * - shard loads in flight, shared by concurrent requests: at most SHARD_LOADS_LIMIT are shared
 *   (more run unshared); only keys a manifest lists are ever loaded;
 * - the kind of each metric of the metrics indexes read so far (what read-ahead may guess), kept
 *   past the index objects' expiry, bounded in accounted bytes;
 * - shard keys a read-ahead found empty, bounded in accounted bytes; read-ahead only names
 *   metrics an index listed, and names are at most MAX_PARAMETER_BYTES long, so keys are short.
 *
 * A StoreReader is the per-request view: it counts the R2 reads the request itself caused, and
 * hands the loads it starts to `keepAlive` (the request's waitUntil), so that a load other
 * requests wait for finishes even when the request that started it has already answered.
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
import type { Sized } from './ttl-cache';
import { entryOverheadBytes, TtlCache } from './ttl-cache';

export interface AggregateStoreOptions {
  indexTtlMs: number;
  indexCacheBytes: number;
  shardCacheBytes: number;
  now?: () => number;
}

/** The bounds that are not configuration. */
export const STORE_LIMITS = {
  indexEntries: 2_000,
  shardLoads: 256,
  metricKindsBytes: 4 * 1024 * 1024,
  emptyShardsBytes: 512 * 1024,
} as const;

/** Accounted bytes per decoded character of JSON index objects (measured: about 1.9 for a metrics index). */
const INDEX_BYTES_PER_JSON_BYTE = 2;

/** The kind of every metric a metrics index lists, by public name. */
export type MetricKinds = ReadonlyMap<string, string>;

/** One per-isolate memory and its bound. */
export interface CacheAccount {
  name: string;
  used: number;
  bound: number;
}

interface CachedShard {
  revision: string;
  columns: ShardColumns;
}

interface ShardLoad {
  revision: string;
  promise: Promise<ShardColumns | null>;
}

export type KeepAlive = (promise: Promise<unknown>) => void;

const ignore = (): undefined => undefined;

export class AggregateStore {
  readonly indexes: TtlCache<unknown>;
  readonly shards: ByteBoundedLru<CachedShard>;
  private readonly shardLoads = new Map<string, ShardLoad>();
  private readonly metricKinds = new ByteBoundedLru<MetricKinds>(STORE_LIMITS.metricKindsBytes);
  /** Keys a read-ahead found no object under: not read ahead again (the manifest still decides what is read). */
  private readonly emptyShards = new ByteBoundedLru<true>(STORE_LIMITS.emptyShardsBytes);

  constructor(readonly options: AggregateStoreOptions) {
    this.indexes = new TtlCache<unknown>(options.indexTtlMs, STORE_LIMITS.indexEntries, options.indexCacheBytes, options.now);
    this.shards = new ByteBoundedLru<CachedShard>(options.shardCacheBytes);
  }

  reader(source: ObjectSource, stats: ReadStats, keepAlive: KeepAlive): StoreReader {
    return new StoreReader(this, source, stats, keepAlive);
  }

  /** Shared by concurrent requests: one R2 read for a shard however many ask for it at once. */
  loadShard(key: string, revision: string, load: () => Promise<ShardColumns | null>, keepAlive: KeepAlive): Promise<ShardColumns | null> {
    const cached = this.shards.get(key);
    if (cached?.revision === revision) return Promise.resolve(cached.columns);
    const loading = this.shardLoads.get(key);
    if (loading?.revision === revision) return loading.promise;
    const shared = !loading && this.shardLoads.size < STORE_LIMITS.shardLoads;
    const promise = load().then(
      (columns) => {
        if (shared) this.shardLoads.delete(key);
        if (columns) {
          this.shards.set(key, { revision, columns }, estimateShardBytes(columns) + entryOverheadBytes(key));
          this.emptyShards.delete(key);
        }
        return columns;
      },
      (error: unknown) => {
        if (shared) this.shardLoads.delete(key);
        throw error;
      },
    );
    if (shared) this.shardLoads.set(key, { revision, promise });
    keepAlive(promise.catch(ignore));
    return promise;
  }

  /** Records that a read-ahead found no shard under `key`. */
  noteEmptyShard(key: string): void {
    this.emptyShards.set(key, true, entryOverheadBytes(key));
  }

  /** Whether reading `key` ahead would be wasted: some revision of it is decoded or loading, or it was empty. */
  knowsShard(key: string): boolean {
    return this.emptyShards.has(key) || this.shards.has(key) || this.shardLoads.has(key);
  }

  rememberMetricKinds(key: string, index: MetricsIndex): void {
    const kinds = new Map<string, string>();
    let bytes = entryOverheadBytes(key);
    for (const [name, info] of Object.entries(index.metrics)) {
      kinds.set(name, info.kind);
      bytes += entryOverheadBytes(name);
    }
    this.metricKinds.set(key, kinds, bytes);
  }

  /** The kinds of the metrics index under `key` when it was last read (undefined: never, or forgotten). */
  rememberedMetricKinds(key: string): MetricKinds | undefined {
    return this.metricKinds.get(key);
  }

  /** Every per-isolate memory of the store with its bound (bytes, except the entry counts). */
  accounts(): CacheAccount[] {
    return [
      { name: 'index-bytes', used: this.indexes.bytes, bound: this.indexes.maxBytes },
      { name: 'index-entries', used: this.indexes.size, bound: this.indexes.maxEntries },
      { name: 'shard-bytes', used: this.shards.bytes, bound: this.shards.maxBytes },
      { name: 'shard-loads', used: this.shardLoads.size, bound: STORE_LIMITS.shardLoads },
      { name: 'metric-kinds-bytes', used: this.metricKinds.bytes, bound: this.metricKinds.maxBytes },
      { name: 'empty-shards-bytes', used: this.emptyShards.bytes, bound: this.emptyShards.maxBytes },
    ];
  }
}

export class StoreReader {
  /** Shard reads started ahead of the manifest (readAhead), by key, not yet used. */
  private readonly readingAhead = new Map<string, Promise<Uint8Array | null>>();

  constructor(
    private readonly store: AggregateStore,
    private readonly source: ObjectSource,
    readonly stats: ReadStats,
    private readonly keepAlive: KeepAlive,
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
    const key = metricsKey(channel, version);
    return this.json(key, (value, objectKey) => {
      const index = validateMetrics(value, objectKey);
      this.store.rememberMetricKinds(key, index);
      return index;
    });
  }

  /** What the metrics index of (channel, version) listed when last read, read now or earlier (no R2 read). */
  metricKinds(channel: string, version: string): MetricKinds | undefined {
    return this.store.rememberedMetricKinds(metricsKey(channel, version));
  }

  /**
   * The decoded shard under `key` whose manifest revision is `revision`; null when the object is
   * missing. `metric` and `period` are checked against the shard's header.
   */
  shard(key: string, revision: string, expect: { metric: string; period: string }): Promise<ShardColumns | null> {
    return this.store.loadShard(
      key,
      revision,
      async () => {
        const bytes = (await this.takeReadAhead(key)) ?? (await this.readShardBytes(key));
        if (bytes === null) return null;
        const shard = decodeShard(bytes);
        if (shard.metric !== expect.metric || shard.period !== expect.period) {
          throw new StorageFormatError(`${key}: shard header names ${shard.metric}/${shard.period}`);
        }
        return shard;
      },
      this.keepAlive,
    );
  }

  /** Whether the index object under `key` is cached (reading it costs no R2 read). */
  holdsIndex(key: string): boolean {
    return this.store.indexes.holds(key);
  }

  /**
   * Starts reading shards that the request will probably need, before its manifest is loaded, so
   * that a cold request waits for one round of R2 reads instead of two. Shards already decoded
   * in the LRU or loading, and keys a read-ahead found empty, are skipped. A shard read ahead is
   * used by shard() whatever its revision, as a shard read after the manifest would be; one that
   * is never asked for was a wasted read.
   */
  readAhead(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.readingAhead.has(key) || this.store.knowsShard(key)) continue;
      const reading = this.readShardBytes(key);
      // Never an unhandled rejection: shard() rethrows it if the shard is asked for.
      const noted = reading.then((bytes) => bytes === null && this.store.noteEmptyShard(key)).catch(ignore);
      this.keepAlive(noted);
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
    let started: Promise<Sized<unknown>> | undefined;
    const value = this.store.indexes.get(key, () => {
      started = this.loadJson(key, validate);
      return started;
    });
    if (started) this.keepAlive(started.catch(ignore));
    return value as Promise<T | null>;
  }

  private async loadJson<T>(key: string, validate: (value: unknown, key: string) => T): Promise<Sized<T | null>> {
    const bytes = await this.source.get(key);
    this.stats.indexReads += 1;
    if (bytes === null) return { value: null, bytes: 0 };
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new StorageFormatError(`${key}: not JSON (${(error as Error).message})`);
    }
    return { value: validate(value, key), bytes: bytes.byteLength * INDEX_BYTES_PER_JSON_BYTE };
  }
}

/** Rough in-memory size of a decoded shard, with the lookup query/aggregate.ts builds for it, for the LRU bound. */
export function estimateShardBytes(shard: ShardColumns): number {
  let bytes = 512;
  // Each dictionary string, and its entry in the string -> index lookup.
  for (const text of shard.strings) bytes += 32 + text.length * 2 + 48;
  for (const column of Object.values(shard.dimensions)) bytes += column.byteLength;
  bytes += shard.width.byteLength + shard.cellStart.byteLength + shard.cellIndex.byteLength;
  bytes += (shard.sum.length + shard.count.length + shard.cellValue.length) * 8;
  return bytes;
}
