/**
 * The isolate's memories (worker/src/storage/) and their bounds: whatever is asked, each stays
 * within its entry count or accounted bytes.
 */
import { describe, expect, it } from 'vitest';
import type { MetricsIndex } from '../../../worker/src/core/index-objects';
import type { ShardColumns } from '../../../worker/src/core/shard-codec';
import { decodeShard, encodeShard } from '../../../worker/src/core/shard-codec';
import type { CacheAccount } from '../../../worker/src/storage/aggregate-store';
import { AggregateStore, STORE_LIMITS } from '../../../worker/src/storage/aggregate-store';
import { ByteBoundedLru } from '../../../worker/src/storage/lru';
import { TtlCache } from '../../../worker/src/storage/ttl-cache';

describe('isolate caches', () => {
  it('LRU evicts the least recently used beyond the byte bound and skips oversized values', () => {
    const lru = new ByteBoundedLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C', 4);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.bytes).toBe(8);
    lru.set('huge', 'H', 11);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
  });

  it('TTL cache shares concurrent loads, expires, and forgets failures', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(1000, 10, 1_000_000, () => now);
    const load = async () => ({ value: ++loads, bytes: 8 });
    const [a, b] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 999;
    expect(await cache.get('k', load)).toBe(1);
    now = 1000;
    expect(await cache.get('k', load)).toBe(2);
    await expect(cache.get('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await Promise.resolve();
    expect(await cache.get('bad', load)).toBe(3);
  });
});

describe('ByteBoundedLru.has', () => {
  it('answers without making the entry recent', () => {
    const lru = new ByteBoundedLru<string>(8);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.has('a')).toBe(true);
    lru.set('c', 'C', 4);
    expect(lru.has('a')).toBe(false);
    expect(lru.has('b')).toBe(true);
  });
});

describe('TtlCache bounds', () => {
  const sized = (value: number, bytes: number) => () => Promise.resolve({ value, bytes });
  /** Lets pending promise callbacks run. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('keeps the accounted bytes of loaded values under maxBytes, dropping the oldest first', async () => {
    const cache = new TtlCache<number>(60_000, 1_000, 2_000, () => 0);
    for (let i = 0; i < 100; i++) {
      await cache.get(`key-${i}`, sized(i, 300));
      await settle();
      expect(cache.bytes).toBeLessThanOrEqual(2_000);
    }
    // Each entry accounts 300 bytes plus its key and the entry itself.
    expect(cache.size).toBe(5);
    expect(cache.holds('key-99')).toBe(true);
    expect(cache.holds('key-94')).toBe(false);
  });

  it('does not keep a value larger than maxBytes', async () => {
    const cache = new TtlCache<number>(60_000, 1_000, 2_000, () => 0);
    expect(await cache.get('big', sized(1, 5_000))).toBe(1);
    await settle();
    expect(cache.holds('big')).toBe(false);
    expect(cache.bytes).toBe(0);
    expect(await cache.get('big', sized(2, 5_000))).toBe(2);
  });

  it('bounds the entries, loads in flight included', () => {
    const cache = new TtlCache<number>(60_000, 10, 1_000_000, () => 0);
    for (let i = 0; i < 50; i++) void cache.get(`key-${i}`, () => new Promise(() => {}));
    expect(cache.size).toBe(10);
  });

  it('drops expired entries as new ones come in, and their bytes with them', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1_000, 1_000, 1_000_000, () => now);
    for (let i = 0; i < 20; i++) await cache.get(`old-${i}`, sized(i, 100));
    await settle();
    expect(cache.size).toBe(20);
    now = 1_000;
    await cache.get('new', sized(0, 100));
    await settle();
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBeLessThan(300);
  });
});

function shard(metric: string): ShardColumns {
  const row = {
    date: '20170101',
    application: 'Firefox',
    architecture: 'x86',
    os: 'Linux',
    osVersion: '4',
    e10sEnabled: 'true',
    child: 'parent',
    label: '',
    histogram: [1, 2, 3],
    sum: 6,
    count: 3,
  };
  return decodeShard(
    encodeShard({
      prefix: 'build_id',
      channel: 'nightly',
      version: '54',
      period: '201701',
      metric,
      submissions: ['20170101'],
      rows: [row],
    }),
  );
}

function accountsWithin(accounts: CacheAccount[]): void {
  for (const account of accounts) expect(account.used, account.name).toBeLessThanOrEqual(account.bound);
}

function newStore(): AggregateStore {
  return new AggregateStore({ indexTtlMs: 60_000, indexCacheBytes: 1024 * 1024, shardCacheBytes: 64 * 1024, now: () => 0 });
}

const keepNothing = (): void => undefined;

describe('AggregateStore bounds', () => {
  it('remembers empty shard keys within its byte bound, newest kept', () => {
    const store = newStore();
    const key = (i: number) => `v1/build_id/nightly/54/201701/${'M'.repeat(200)}_${i}`;
    for (let i = 0; i < 20_000; i++) store.noteEmptyShard(key(i));
    const empty = store.accounts().find((account) => account.name === 'empty-shards-bytes');
    expect(empty?.bound).toBe(STORE_LIMITS.emptyShardsBytes);
    expect(empty?.used).toBeGreaterThan(STORE_LIMITS.emptyShardsBytes / 2);
    accountsWithin(store.accounts());
    expect(store.knowsShard(key(19_999))).toBe(true);
    expect(store.knowsShard(key(0))).toBe(false);
  });

  it('remembers metric kinds within its byte bound', () => {
    const store = newStore();
    const index: MetricsIndex = { metrics: {} };
    for (let i = 0; i < 2_000; i++) index.metrics[`METRIC_${i}`] = { kind: 'count', description: '', buckets: { list: [0, 1] } };
    for (let version = 0; version < 200; version++) store.rememberMetricKinds(`v1/meta/nightly/${version}/metrics.json`, index);
    accountsWithin(store.accounts());
    expect(store.rememberedMetricKinds('v1/meta/nightly/199/metrics.json')?.get('METRIC_7')).toBe('count');
    expect(store.rememberedMetricKinds('v1/meta/nightly/0/metrics.json')).toBeUndefined();
  });

  it('shares at most STORE_LIMITS.shardLoads loads in flight; more run unshared', async () => {
    const store = newStore();
    const loads: string[] = [];
    const releases: (() => void)[] = [];
    const load = (key: string) => () => {
      loads.push(key);
      return new Promise<ShardColumns | null>((resolve) => releases.push(() => resolve(null)));
    };
    const count = STORE_LIMITS.shardLoads + 50;
    const first = Array.from({ length: count }, (_, i) => store.loadShard(`k${i}`, 'r1', load(`k${i}`), keepNothing));
    accountsWithin(store.accounts());
    expect(store.accounts().find((account) => account.name === 'shard-loads')?.used).toBe(STORE_LIMITS.shardLoads);
    // A shared load is joined; one beyond the limit is loaded again.
    const again = [store.loadShard('k0', 'r1', load('k0'), keepNothing), store.loadShard(`k${count - 1}`, 'r1', load('late'), keepNothing)];
    expect(loads.filter((key) => key === 'k0')).toHaveLength(1);
    expect(loads).toContain('late');
    for (const release of releases) release();
    await Promise.all([...first, ...again]);
    expect(store.accounts().find((account) => account.name === 'shard-loads')?.used).toBe(0);
  });

  it('holds one revision per shard key, and hands each load it starts to keepAlive', async () => {
    const store = newStore();
    const kept: Promise<unknown>[] = [];
    const keepAlive = (promise: Promise<unknown>) => void kept.push(promise);
    const key = 'v1/build_id/nightly/54/201701/M';
    const first = await store.loadShard(key, 'r1', () => Promise.resolve(shard('M')), keepAlive);
    expect(await store.loadShard(key, 'r1', () => Promise.reject(new Error('not read again')), keepAlive)).toBe(first);
    expect(store.knowsShard(key)).toBe(true);
    const second = await store.loadShard(key, 'r2', () => Promise.resolve(shard('M')), keepAlive);
    expect(second).not.toBe(first);
    expect(store.shards.size).toBe(1);
    expect(kept).toHaveLength(2);
    await expect(store.loadShard(key, 'r3', () => Promise.reject(new Error('R2 failed')), keepAlive)).rejects.toThrow('R2 failed');
    // keepAlive gets promises that never reject.
    await expect(Promise.all(kept)).resolves.toBeDefined();
  });

  it('keeps decoded shards within SHARD_CACHE_MB', async () => {
    const store = newStore();
    for (let i = 0; i < 500; i++)
      await store.loadShard(`v1/build_id/nightly/54/201701/M${i}`, 'r', () => Promise.resolve(shard(`M${i}`)), keepNothing);
    accountsWithin(store.accounts());
    expect(store.shards.size).toBeGreaterThan(10);
    expect(store.shards.size).toBeLessThan(500);
  });
});
