/** The cost bound (R2 reads per request), isolate caches, ETags/304, and the Workers Cache API. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import { manifestKey } from '../../worker/src/core/storage-keys';
import type { ResponseCache } from '../../worker/src/http/response-cache';
import { bearer, dateRange, get, MapSource, makeApp, monthsOf, objectJson, readsOf, seedBucket, testEnv } from './helpers';

beforeAll(() => seedBucket());

/** 40 consecutive dates from 20161225 to 20170202: three months, two of them with data. */
const FORTY = dateRange('20161225', 40);
const FORTY_PATH = `/aggregates_by/submission_date/channels/nightly/?version=54&dates=${FORTY.join(',')}&metric=GC_MAX_PAUSE_MS`;

describe('cost per request', () => {
  it('a fresh isolate reads the manifest and the metrics index, then one shard per month with data', async () => {
    expect(FORTY).toHaveLength(40);
    expect(monthsOf(FORTY)).toEqual(['201612', '201701', '201702']);
    const manifest = objectJson<ManifestIndex>(manifestKey('submission_date', 'nightly', '54'));
    expect(Object.keys(manifest.metrics.GC_MAX_PAUSE_MS ?? {})).toEqual(['201701', '201702']);

    const app = makeApp();
    const cold = await get(app, FORTY_PATH);
    expect(cold.status).toBe(200);
    // Nothing is known of nightly 54 yet, so nothing is read ahead: 201612 (no data) is not read.
    expect(readsOf(cold)).toEqual({ total: 4, index: 2, shard: 2 });

    const warm = await get(app, FORTY_PATH);
    expect(warm.status).toBe(200);
    expect(readsOf(warm)).toEqual({ total: 0, index: 0, shard: 0 });
    expect(await warm.text()).toBe(await cold.text());

    // Other dates and filters in the same months: still no read.
    const other = await get(
      app,
      `/aggregates_by/submission_date/channels/nightly/?version=54&dates=20170131,20170201&metric=GC_MAX_PAUSE_MS&child=content`,
    );
    expect(readsOf(other).total).toBe(0);
  });

  it('once the isolate has read the metrics index, a cold manifest no longer delays the shards: they are read ahead of it', async () => {
    const manifestPath = manifestKey('submission_date', 'nightly', '54');
    let releaseManifest = () => {};
    const manifestHeld = new Promise<void>((resolve) => (releaseManifest = resolve));
    const source = new (class extends MapSource {
      override async get(key: string): Promise<Uint8Array | null> {
        if (key === manifestPath) await manifestHeld;
        return super.get(key);
      }
    })();
    let now = 1_000_000;
    const app = makeApp({ source: () => source, now: () => now });
    // Another prefix, same version: the (shared) metrics index is read and its names remembered.
    expect((await get(app, FORTY_PATH.replace('submission_date', 'build_id'))).status).toBe(200);
    now += 61_000; // Every index object has expired; the remembered names have not.
    source.gets.length = 0;
    const pending = get(app, FORTY_PATH);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const shardKeys = monthsOf(FORTY).map((month) => `v1/submission_date/nightly/54/${month}/GC_MAX_PAUSE_MS`);
    expect(source.gets.filter((key) => key !== manifestPath && !key.endsWith('.json'))).toEqual(shardKeys);
    releaseManifest();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(await (await get(makeApp(), FORTY_PATH)).text());
    expect(readsOf(response)).toEqual({ total: 5, index: 2, shard: 3 });
  });

  it('reads a count histogram ahead only under its stored name, once the metrics index is known', async () => {
    const source = new MapSource();
    const app = makeApp({ source: () => source });
    const path = (prefix: string) =>
      `/aggregates_by/${prefix}/channels/nightly/?version=54&dates=${FORTY.join(',')}&metric=CREATE_EVENT_EVENTS`;
    // Cold: the metrics index is unknown, so nothing is guessed.
    const cold = await get(app, path('submission_date'));
    expect(cold.status).toBe(200);
    expect(source.gets.filter((key) => key.endsWith('/CREATE_EVENT_EVENTS'))).toEqual([]);
    // The build-id manifest is cold but the (shared) metrics index is known: the names are exact.
    source.gets.length = 0;
    const warmMetrics = await get(app, path('build_id'));
    expect(warmMetrics.status).toBe(200);
    const shardGets = source.gets.filter((key) => !key.endsWith('.json'));
    expect(shardGets.length).toBeGreaterThan(0);
    expect(shardGets.every((key) => key.endsWith('/[[COUNT]]_CREATE_EVENT_EVENTS'))).toBe(true);
    expect(new Set(shardGets).size).toBe(shardGets.length);
  });

  it('a 304 costs no shard read, even cold', async () => {
    const etag = (await get(makeApp(), FORTY_PATH)).headers.get('ETag') as string;
    const cold = await get(makeApp(), FORTY_PATH, { headers: { 'If-None-Match': etag } });
    expect(cold.status).toBe(304);
    expect(await cold.text()).toBe('');
    expect(cold.headers.get('ETag')).toBe(etag);
    expect(cold.headers.get('Cache-Control')).toBe('max-age=86400');
    expect(readsOf(cold)).toEqual({ total: 2, index: 2, shard: 0 });
  });

  it('a 304 for release data still needs a token', async () => {
    const path = '/aggregates_by/build_id/channels/release/?version=51&dates=20170125&metric=GC_MAX_PAUSE_MS';
    const authed = await get(makeApp(), path, { headers: await bearer() });
    const etag = authed.headers.get('ETag') as string;
    expect(authed.headers.get('Cache-Control')).toBe('private, max-age=86400');
    expect((await get(makeApp(), path, { headers: { 'If-None-Match': etag } })).status).toBe(403);
    expect((await get(makeApp(), path, { headers: { 'If-None-Match': etag, ...(await bearer()) } })).status).toBe(304);
  });

  it('concurrent requests share one read per shard', async () => {
    const app = makeApp();
    const responses = await Promise.all(Array.from({ length: 5 }, () => get(app, FORTY_PATH)));
    const shardReads = responses.reduce((total, response) => total + readsOf(response).shard, 0);
    const indexReads = responses.reduce((total, response) => total + readsOf(response).index, 0);
    expect([shardReads, indexReads]).toEqual([2, 2]);
  });

  it('index objects expire after INDEX_CACHE_SECONDS; shards stay in the LRU while their revision holds', async () => {
    let now = 1_000_000;
    const app = makeApp({ now: () => now });
    const env = testEnv({ INDEX_CACHE_SECONDS: '60' });
    expect(readsOf(await get(app, FORTY_PATH, { env }))).toEqual({ total: 4, index: 2, shard: 2 });
    now += 59_000;
    expect(readsOf(await get(app, FORTY_PATH, { env })).total).toBe(0);
    now += 2_000;
    // Expired: the names are known now, so the month without data is read ahead, once.
    expect(readsOf(await get(app, FORTY_PATH, { env }))).toEqual({ total: 3, index: 2, shard: 1 });
    now += 61_000;
    expect(readsOf(await get(app, FORTY_PATH, { env }))).toEqual({ total: 2, index: 2, shard: 0 });
  });

  it('a new shard revision in the manifest is read again and changes the ETag', async () => {
    const source = new MapSource();
    const app = makeApp({ source: () => source });
    const env = testEnv({ INDEX_CACHE_SECONDS: '0' });
    const first = await get(app, FORTY_PATH, { env });
    const key = manifestKey('submission_date', 'nightly', '54');
    const manifest = objectJson<ManifestIndex>(key);
    (manifest.metrics.GC_MAX_PAUSE_MS as Record<string, string>)['201702'] = 'a-new-revision';
    source.setJson(key, manifest);
    const second = await get(app, FORTY_PATH, { env });
    // The new revision, and (read ahead once, now that the names are known) the month without data.
    expect(readsOf(second)).toEqual({ total: 4, index: 2, shard: 2 });
    expect(second.headers.get('ETag')).not.toBe(first.headers.get('ETag'));
    expect(await second.text()).toBe(await first.text());
  });

  it('SHARD_CACHE_MB=0 keeps no shard', async () => {
    const app = makeApp();
    const env = testEnv({ SHARD_CACHE_MB: '0', INDEX_CACHE_SECONDS: '0' });
    expect(readsOf(await get(app, FORTY_PATH, { env })).shard).toBe(2);
    // Read ahead, the month without data too.
    expect(readsOf(await get(app, FORTY_PATH, { env })).shard).toBe(3);
    // The month without data is not read ahead again.
    expect(readsOf(await get(app, FORTY_PATH, { env })).shard).toBe(2);
  });

  it('ETags are deterministic and depend on the query and the auth state', async () => {
    const etagOf = async (path: string, headers: Record<string, string> = {}) =>
      (await get(makeApp(), path, { headers })).headers.get('ETag');
    const base = await etagOf(FORTY_PATH);
    expect(await etagOf(FORTY_PATH)).toBe(base);
    expect(await etagOf(`${FORTY_PATH}&child=content`)).not.toBe(base);
    expect(await etagOf(FORTY_PATH.replace('20161225,', ''))).not.toBe(base);
    expect(await etagOf(FORTY_PATH, await bearer())).not.toBe(base);
  });

  it('DATA_MAX_AGE_SECONDS sets the data max-age', async () => {
    const response = await get(makeApp(), FORTY_PATH, { env: testEnv({ DATA_MAX_AGE_SECONDS: '600' }) });
    expect(response.headers.get('Cache-Control')).toBe('max-age=600');
  });
});

describe('whole responses in the Workers Cache API', () => {
  async function cachedGet(path: string, headers: Record<string, string> = {}, env = testEnv()) {
    const ctx = createExecutionContext();
    // A fresh app each time: cold isolate caches, so reads come only from R2 or the Cache API.
    const response = await get(makeApp({ responseCache: undefined }), path, { headers, env, ctx });
    const body = await response.text();
    await waitOnExecutionContext(ctx);
    return { response, body };
  }

  it('answers a repeat from caches.default without any R2 read, 304 included', async () => {
    const path = `${FORTY_PATH}&os=Windows_NT`;
    const first = await cachedGet(path);
    expect(readsOf(first.response).total).toBe(4);
    const second = await cachedGet(path);
    expect(readsOf(second.response).total).toBe(0);
    expect(second.body).toBe(first.body);
    expect(second.response.headers.get('ETag')).toBe(first.response.headers.get('ETag'));
    expect(second.response.headers.get('Cache-Control')).toBe('max-age=86400');
    expect(second.response.headers.get('content-type')).toBe('application/json');
    const notModified = await cachedGet(path, { 'If-None-Match': first.response.headers.get('ETag') as string });
    expect(notModified.response.status).toBe(304);
    expect(readsOf(notModified.response).total).toBe(0);
  });

  it('never shares an entry between anonymous and authenticated callers', async () => {
    const path = '/aggregates_by/build_id/channels/?cache-test=1';
    const anonymous = await cachedGet(path);
    expect(JSON.parse(anonymous.body)).toEqual(['nightly']);
    const authed = await cachedGet(path, await bearer());
    expect(JSON.parse(authed.body)).toEqual(['nightly', 'release']);
    expect(readsOf(authed.response).total).toBe(1);
    expect(authed.response.headers.get('Cache-Control')).toBe('private, max-age=3600');
    const anonymousAgain = await cachedGet(path);
    expect(JSON.parse(anonymousAgain.body)).toEqual(['nightly']);
    expect(readsOf(anonymousAgain.response).total).toBe(0);
    const authedAgain = await cachedGet(path, await bearer());
    expect(JSON.parse(authedAgain.body)).toEqual(['nightly', 'release']);
    expect(readsOf(authedAgain.response).total).toBe(0);
  });

  it('stores only successful answers, and nothing when RESPONSE_CACHE is false', async () => {
    const stored: string[] = [];
    const cache: ResponseCache = { match: async () => undefined, put: async (key) => void stored.push(key.url) };
    const app = makeApp({ responseCache: cache });
    await get(app, '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=NO_SUCH');
    await get(app, '/aggregates_by/build_id/channels/release/dates/');
    expect(stored).toEqual([]);
    await get(app, '/aggregates_by/build_id/channels/nightly/dates/');
    await get(app, '/aggregates_by/build_id/channels/nightly/dates/', { headers: await bearer() });
    expect(stored).toHaveLength(2);
    expect(stored[0]).toContain('/anonymous/aggregates_by/build_id/channels/nightly/dates');
    expect(stored[1]).toContain('/authed/aggregates_by/build_id/channels/nightly/dates');
    await get(app, '/aggregates_by/build_id/channels/', { env: testEnv({ RESPONSE_CACHE: 'false' }) });
    expect(stored).toHaveLength(2);
  });
});
