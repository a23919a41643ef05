/**
 * S3Store against a real S3 server (s3rver) through the fault proxy (test/helpers/s3-fault-proxy.ts),
 * which adds R2's conditional PUTs and Content-MD5 check and injects faults through the HTTP stack.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../builder/src/publish/object-store';
import { conditionAfter, StoreError } from '../../builder/src/publish/object-store';
import type { S3StoreConfig } from '../../builder/src/publish/s3-store';
import { S3Store } from '../../builder/src/publish/s3-store';
import type { S3Sandbox } from '../helpers/s3-sandbox';
import { S3RVER_CREDENTIALS, startS3Sandbox } from '../helpers/s3-sandbox';

const BUCKET = 'aggregates';
const FAST_RETRIES = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

let sandbox: S3Sandbox;
let run = 0;
/** A key prefix of its own for each test. */
let area: string;

beforeAll(async () => {
  sandbox = await startS3Sandbox([BUCKET]);
});
afterAll(async () => {
  await sandbox?.stop();
});
beforeEach(() => {
  sandbox.proxy.reset();
  area = `t${++run}`;
});

function makeStore(overrides: Partial<S3StoreConfig> = {}): S3Store {
  return new S3Store({ endpoint: sandbox.endpoint, bucket: BUCKET, prefix: '', ...S3RVER_CREDENTIALS, retry: FAST_RETRIES, ...overrides });
}

const bytesOf = (text: string) => new TextEncoder().encode(text);
const md5Hex = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const requests = (method: string, key?: string) =>
  sandbox.proxy.seen.filter((seen) => seen.method === method && (key === undefined || seen.key === key));

describe('S3Store: objects', () => {
  it('round-trips bytes and content type; the ETag is the MD5 of the bytes; missing keys are null', async () => {
    const store = makeStore();
    const key = `${area}/v1/build_id/nightly/54/201701/GC_MS`;
    const bytes = new Uint8Array(4096).map((_, i) => (i * 31) % 256);
    const put = await store.put(key, bytes, 'application/x-msgpack');
    expect(put).toEqual({ ok: true, etag: md5Hex(bytes) });
    const got = await store.get(key);
    expect(got?.bytes).toEqual(bytes);
    expect(got?.etag).toBe(md5Hex(bytes));
    const raw = await fetch(`${sandbox.originEndpoint}/${BUCKET}/${key}`);
    expect(raw.headers.get('content-type')).toBe('application/x-msgpack');
    await raw.arrayBuffer();
    expect(await store.get(`${area}/nothing-here`)).toBeNull();
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
    await store.delete(key); // deleting what is not there is fine
    expect(sandbox.proxy.putsWithoutContentMd5).toBe(0);
    expect(requests('PUT')).toHaveLength(1);
  });

  it('carries keys with characters that need encoding', async () => {
    const store = makeStore();
    const keys = ['[[COUNT]]_USE_COUNTER', 'a b+c%d', "x!'()*~&=;,:@$y", 'été/日本', 'a/.../b'].map((name) => `${area}/${name}`);
    for (const [index, key] of keys.entries()) await store.put(key, bytesOf(`object ${index}`), 'text/plain');
    for (const [index, key] of keys.entries()) expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe(`object ${index}`);
    expect(await store.list(`${area}/`)).toEqual([...keys].sort());
    await expect(store.put(`${area}/./x`, bytesOf('x'), 'text/plain')).rejects.toBeInstanceOf(StoreError);
  });

  it('lists every key across pages (continuation tokens), and only under the prefix asked for', async () => {
    const store = makeStore({ listPageSize: 7 });
    const keys = Array.from({ length: 30 }, (_, i) => `${area}/list/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((key) => store.put(key, bytesOf(key), 'text/plain')));
    await store.put(`${area}/listed-not`, bytesOf('outside'), 'text/plain');
    expect(await store.list(`${area}/list/`)).toEqual(keys);
    expect(requests('GET').filter((seen) => seen.list)).toHaveLength(5); // 7+7+7+7+2
    expect(await store.list(`${area}/list/01`)).toEqual(keys.slice(10, 20));
    expect(await store.list(`${area}/none/`)).toEqual([]);
  });

  it('keeps everything under PREFIX/ and strips it from listings', async () => {
    const prefixed = makeStore({ prefix: `${area}/staging` });
    const whole = makeStore();
    await prefixed.put('v1/build_id/channels.json', bytesOf('["nightly"]'), 'application/json');
    await whole.put(`${area}/staging2/v1/build_id/channels.json`, bytesOf('[]'), 'application/json'); // shares the string prefix only
    await whole.put(`${area}/v1/build_id/channels.json`, bytesOf('[]'), 'application/json');
    expect(await whole.list(`${area}/`)).toEqual([
      `${area}/staging/v1/build_id/channels.json`,
      `${area}/staging2/v1/build_id/channels.json`,
      `${area}/v1/build_id/channels.json`,
    ]);
    expect(await prefixed.list('')).toEqual(['v1/build_id/channels.json']);
    expect(await prefixed.list('v1/')).toEqual(['v1/build_id/channels.json']);
    expect(new TextDecoder().decode((await prefixed.get('v1/build_id/channels.json'))?.bytes)).toBe('["nightly"]');
    await prefixed.delete('v1/build_id/channels.json');
    expect(await whole.get(`${area}/staging/v1/build_id/channels.json`)).toBeNull();
    expect(prefixed.description).toContain(`${BUCKET}/${area}/staging`);
  });
});

describe('S3Store: conditional puts', () => {
  it('If-None-Match: * writes only a new object; If-Match only over that exact version', async () => {
    const store = makeStore();
    const key = `${area}/manifest.json`;
    const first = await store.put(key, bytesOf('v1'), 'application/json', { ifNoneMatch: '*' });
    expect(first).toEqual({ ok: true, etag: md5Hex(bytesOf('v1')) });
    expect(await store.put(key, bytesOf('v1 again'), 'application/json', { ifNoneMatch: '*' })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    const second = await store.put(key, bytesOf('v2'), 'application/json', first.ok ? { ifMatch: first.etag } : { ifNoneMatch: '*' });
    expect(second).toEqual({ ok: true, etag: md5Hex(bytesOf('v2')) });
    expect(await store.put(key, bytesOf('v3'), 'application/json', { ifMatch: md5Hex(bytesOf('v1')) })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(await store.put(`${area}/absent.json`, bytesOf('x'), 'application/json', { ifMatch: md5Hex(bytesOf('x')) })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('v2');
    expect(await store.get(`${area}/absent.json`)).toBeNull();
    expect(requests('PUT').map((seen) => seen.status)).toEqual([200, 412, 200, 412, 412]);
  });

  it('read-modify-write with conditionAfter loses no update among concurrent writers', async () => {
    const store = makeStore();
    const key = `${area}/counter`;
    const increment = async (target: ObjectStore) => {
      for (;;) {
        const read = await target.get(key);
        const value = read ? Number(new TextDecoder().decode(read.bytes)) : 0;
        const result = await target.put(key, bytesOf(String(value + 1)), 'text/plain', conditionAfter(read));
        if (result.ok) return;
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => increment(makeStore())));
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('8');
    expect(requests('PUT').filter((seen) => seen.status === 412).length).toBeGreaterThan(0);
  });
});

describe('S3Store: transient failures are retried', () => {
  it('succeeds after 503s, 429s, resets and timeouts, with a backoff wait before each retry', async () => {
    const waits: number[] = [];
    const store = makeStore({
      requestTimeoutMs: 500,
      sleep: async (ms) => void waits.push(ms),
      retry: { maxAttempts: 4, baseDelayMs: 8, maxDelayMs: 100 },
    });
    const key = `${area}/shard`;
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'status', status: 503, code: 'SlowDown' }, 3);
    expect(await store.put(key, bytesOf('payload'), 'application/x-msgpack')).toEqual({ ok: true, etag: md5Hex(bytesOf('payload')) });
    expect(requests('PUT', key).map((seen) => seen.status)).toEqual([503, 503, 503, 200]);
    expect(waits).toHaveLength(3);
    waits.forEach((wait, index) => {
      expect(wait).toBeLessThan(8 * 2 ** index);
    });

    sandbox.proxy.inject({ method: 'GET', key }, { kind: 'reset-before-forward' });
    sandbox.proxy.inject({ method: 'GET', key }, { kind: 'stall' });
    sandbox.proxy.inject({ method: 'GET', key }, { kind: 'status', status: 429, code: 'TooManyRequests' });
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('payload');
    expect(requests('GET', key).map((seen) => seen.fault)).toEqual(['reset-before-forward', 'stall', 'status', null]);

    sandbox.proxy.inject({ list: true }, { kind: 'status', status: 500, code: 'InternalError' }, 2);
    expect(await store.list(`${area}/`)).toEqual([key]);
    sandbox.proxy.inject({ method: 'DELETE', key }, { kind: 'status', status: 502, code: 'BadGateway' });
    await store.delete(key);
    expect(await store.get(key)).toBeNull();
  });

  it('resends a body damaged on the way (the server refuses it by its Content-MD5)', async () => {
    const store = makeStore();
    const key = `${area}/damaged-on-the-way`;
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'corrupt-request-body' });
    expect(await store.put(key, bytesOf('intact bytes'), 'text/plain')).toEqual({ ok: true, etag: md5Hex(bytesOf('intact bytes')) });
    expect(requests('PUT', key).map((seen) => seen.status)).toEqual([400, 200]);
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('intact bytes');
  });

  it('re-reads a GET whose body does not match its ETag', async () => {
    const store = makeStore();
    const key = `${area}/damaged-on-the-way-back`;
    await store.put(key, bytesOf('the real content'), 'text/plain');
    sandbox.proxy.inject({ method: 'GET', key }, { kind: 'corrupt-response-body' }, 2);
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('the real content');
    expect(requests('GET', key)).toHaveLength(3);
  });

  it('a conditional put whose answer was lost is recognised as done when the object holds its bytes', async () => {
    const store = makeStore();
    const key = `${area}/answer-lost`;
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'reset-after-forward' });
    expect(await store.put(key, bytesOf('mine'), 'application/json', { ifNoneMatch: '*' })).toEqual({
      ok: true,
      etag: md5Hex(bytesOf('mine')),
    });
    expect(requests('PUT', key).map((seen) => seen.status)).toEqual([null, 412]);
  });

  it('...but not when someone else wrote in between', async () => {
    const key = `${area}/answer-lost-then-overwritten`;
    const other = makeStore();
    await other.put(key, bytesOf('v1'), 'application/json');
    // Our first attempt never reaches the server; before the retry, another writer replaces v1.
    const store = makeStore({ sleep: async () => void (await other.put(key, bytesOf('theirs'), 'application/json')) });
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'reset-before-forward' });
    expect(await store.put(key, bytesOf('mine'), 'application/json', { ifMatch: md5Hex(bytesOf('v1')) })).toEqual({
      ok: false,
      reason: 'precondition-failed',
    });
    expect(new TextDecoder().decode((await store.get(key))?.bytes)).toBe('theirs');
  });

  it('gives up after the attempt limit, naming the key, the status and the S3 code', async () => {
    const store = makeStore({ retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const key = `${area}/always-busy`;
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'status', status: 503, code: 'SlowDown' }, 10);
    const putting = store.put(key, bytesOf('x'), 'text/plain');
    await expect(putting).rejects.toBeInstanceOf(StoreError);
    await expect(putting).rejects.toThrow(new RegExp(`${BUCKET}/${key}: PUT failed after 3 attempts: 503 SlowDown`));
    expect(requests('PUT', key)).toHaveLength(3);
  });
});

describe('S3Store: failures that are not retried', () => {
  it('an unknown access key fails at open with 403 and S3 code and message, after one request', async () => {
    const opening = S3Store.open({
      endpoint: sandbox.endpoint,
      bucket: BUCKET,
      prefix: `${area}/p`,
      accessKeyId: 'NOT-A-KEY',
      secretAccessKey: 'x',
      retry: FAST_RETRIES,
    });
    await expect(opening).rejects.toBeInstanceOf(StoreError);
    await expect(opening).rejects.toThrow(/403 InvalidAccessKeyId The AWS Access Key Id you provided does not exist/);
    expect(sandbox.proxy.seen).toHaveLength(1);
  });

  it('a 403 on a put fails at once, naming the key', async () => {
    const store = makeStore();
    const key = `${area}/forbidden`;
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'status', status: 403, code: 'AccessDenied' });
    await expect(store.put(key, bytesOf('x'), 'text/plain')).rejects.toThrow(
      `S3 ${BUCKET}/${key}: PUT failed: 403 AccessDenied injected fault`,
    );
    expect(requests('PUT', key)).toHaveLength(1);
  });

  it('a stored object whose ETag is not the MD5 of what was sent is an error', async () => {
    const store = makeStore();
    const key = `${area}/stored-wrong`;
    const bytes = bytesOf('what we sent');
    sandbox.proxy.inject({ method: 'PUT', key }, { kind: 'corrupt-stored-body' });
    await expect(store.put(key, bytes, 'text/plain')).rejects.toThrow(
      new RegExp(`MD5 of the ${bytes.length} bytes sent is ${md5Hex(bytes)}`),
    );
    expect(requests('PUT', key)).toHaveLength(1);
  });

  it('a missing bucket fails at open', async () => {
    await expect(
      S3Store.open({ endpoint: sandbox.endpoint, bucket: 'no-such-bucket', prefix: '', ...S3RVER_CREDENTIALS, retry: FAST_RETRIES }),
    ).rejects.toThrow(/404 NoSuchBucket/);
  });

  it('a server that does not answer fails after the attempts, as a StoreError', async () => {
    const store = makeStore({ endpoint: 'http://127.0.0.1:9', retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(store.get('x')).rejects.toThrow(/GET failed after 2 attempts: fetch failed/);
  });
});

describe('S3Store: in-flight limit', () => {
  it('never has more than maxInFlight requests in flight, whatever the callers do', async () => {
    const store = makeStore({ maxInFlight: 3 });
    sandbox.proxy.holdMs = 20;
    await Promise.all(Array.from({ length: 15 }, (_, i) => store.put(`${area}/${i}`, bytesOf(String(i)), 'text/plain')));
    expect(requests('PUT')).toHaveLength(15);
    expect(sandbox.proxy.maxInFlight).toBeGreaterThan(0);
    expect(sandbox.proxy.maxInFlight).toBeLessThanOrEqual(3);
  });
});
