/**
 * Requests for things nobody published cost index reads at most, never a shard read, and leave
 * nothing unbounded behind: names that do not exist, names, labels and other values longer than
 * any published one, and the X-Isolate-Caches accounting (DEBUG_R2_READS only).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ISOLATE_CACHES_HEADER } from '../../worker/src/app';
import { MAX_PARAMETER_BYTES } from '../../worker/src/query/params';
import { bearer, dateRange, get, MapSource, makeApp, readsOf, seedBucket, testEnv } from './helpers';

beforeAll(() => seedBucket());

/** Three months, two with nightly 54 data: a request guessing shard keys from its name would guess three. */
const DATES = dateRange('20161225', 40);

function dataPath(metric: string, extra = '', version = '54', prefix = 'submission_date'): string {
  return `/aggregates_by/${prefix}/channels/nightly/?version=${version}&dates=${DATES.join(',')}&metric=${encodeURIComponent(metric)}${extra}`;
}

function cachesOf(response: Response): Record<string, { used: number; bound: number }> {
  const header = response.headers.get(ISOLATE_CACHES_HEADER);
  if (header === null) throw new Error(`no ${ISOLATE_CACHES_HEADER} header`);
  return Object.fromEntries(
    header.split(', ').map((part) => {
      const [name, used, bound] = part.split(/[=/]/);
      return [name, { used: Number(used), bound: Number(bound) }];
    }),
  );
}

describe('a metric name that does not exist', () => {
  it('costs the index reads only, on a fresh isolate and after the index objects expire, with the original answer', async () => {
    let now = 1_000_000;
    const source = new MapSource();
    const app = makeApp({ source: () => source, now: () => now });
    const fresh = await get(app, dataPath('NO_SUCH_HISTOGRAM'));
    expect(fresh.status).toBe(404);
    expect(await fresh.text()).toBe('{"message":"Cannot find this histogram definition."}');
    expect(readsOf(fresh)).toEqual({ total: 2, index: 2, shard: 0 });
    expect((await get(app, dataPath('SCALARS_NO.SUCH.SCALAR'))).headers.get('X-R2-Reads')).toBe('0');

    // A real metric in between, then every index object expires: its names are remembered.
    expect((await get(app, dataPath('GC_MAX_PAUSE_MS'))).status).toBe(200);
    now += 61_000;
    for (const [i, name] of ['NO_SUCH_A', 'NO_SUCH_B', `${'Z'.repeat(MAX_PARAMETER_BYTES)}`].entries()) {
      const absent = await get(app, dataPath(name, '', '54', i % 2 === 0 ? 'build_id' : 'submission_date'));
      expect(absent.status).toBe(404);
      expect(readsOf(absent).shard, name).toBe(0);
    }
    expect(source.gets.filter((key) => !key.endsWith('.json') && !key.endsWith('/GC_MAX_PAUSE_MS'))).toEqual([]);
  });

  it('costs no shard read for a version nobody published', async () => {
    const app = makeApp();
    expect((await get(app, dataPath('GC_MAX_PAUSE_MS'))).status).toBe(200);
    for (const version of ['99', '1234', '9999']) {
      const response = await get(app, dataPath('GC_MAX_PAUSE_MS', '', version));
      expect(response.status).toBe(404);
      expect(readsOf(response)).toEqual({ total: 2, index: 2, shard: 0 });
    }
  });

  it('reads no shard of its own for a use counter the index does not list (it is answered from its denominator)', async () => {
    const source = new MapSource();
    const app = makeApp({ source: () => source });
    expect((await get(app, dataPath('GC_MAX_PAUSE_MS', '', '54', 'build_id'))).status).toBe(200);
    source.gets.length = 0;
    await get(app, dataPath('USE_COUNTER2_NOT_PUBLISHED_DOCUMENT'));
    expect(source.gets.filter((key) => key.endsWith('/USE_COUNTER2_NOT_PUBLISHED_DOCUMENT'))).toEqual([]);
  });
});

describe('values longer than any published one', () => {
  const long = 'X'.repeat(16_000);

  it.each([
    ['a metric name', dataPath(long), '{"message":"Cannot find this histogram definition."}'],
    ['a scalar name', dataPath(`SCALARS_${long}`), '{"message":"Cannot find this scalar definition."}'],
    ['a label', dataPath('GC_MAX_PAUSE_MS', `&label=${long}`), '{"message":"No data found for this metric."}'],
    ['an os', dataPath('GC_MAX_PAUSE_MS', `&os=${long}`), '{"message":"No data found for this metric."}'],
    ['a version', dataPath('GC_MAX_PAUSE_MS', '', long), '{"message":"No data found for this metric."}'],
    ['a date', dataPath('GC_MAX_PAUSE_MS').replace('dates=', `dates=${long},`), '{"message":"No data found for this metric."}'],
  ])('%s answers 404 as an unknown one would, before any read', async (_name, path, body) => {
    const response = await get(makeApp(), path);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(body);
    expect(readsOf(response).total).toBe(0);
  });

  it('on the release channel too, without a token', async () => {
    const response = await get(makeApp(), dataPath(long).replace('/nightly/', '/release/'));
    expect(response.status).toBe(404);
    expect(readsOf(response).total).toBe(0);
  });
});

describe('the isolate caches header', () => {
  it('lists every per-isolate memory with its bound, only with DEBUG_R2_READS', async () => {
    const app = makeApp();
    const response = await get(app, dataPath('GC_MAX_PAUSE_MS'), { headers: await bearer() });
    const caches = cachesOf(response);
    expect(Object.keys(caches).sort()).toEqual(
      ['empty-shards-bytes', 'index-bytes', 'index-entries', 'metric-kinds-bytes', 'shard-bytes', 'shard-loads', 'tokens'].sort(),
    );
    for (const [name, { used, bound }] of Object.entries(caches)) expect(used, name).toBeLessThanOrEqual(bound);
    expect(caches['index-entries']?.used).toBe(2);
    expect(caches['shard-bytes']?.used).toBeGreaterThan(0);
    expect(caches.tokens).toEqual({ used: 1, bound: 1000 });
    expect(caches['index-bytes']?.bound).toBe(16 * 1024 * 1024);
    const quiet = await get(app, dataPath('GC_MAX_PAUSE_MS'), { env: testEnv({ DEBUG_R2_READS: 'false' }) });
    expect(quiet.headers.get(ISOLATE_CACHES_HEADER)).toBeNull();
  });

  it('remembers a verified token once however often it is sent, and no token that fails', async () => {
    const app = makeApp();
    const headers = await bearer();
    for (let i = 0; i < 3; i++) await get(app, '/authed', { headers });
    for (let i = 0; i < 3; i++) await get(app, '/authed', { headers: { Authorization: `Bearer ${'e'.repeat(8_000)}.x.y` } });
    expect(cachesOf(await get(app, '/authed', { headers })).tokens?.used).toBe(1);
  });

  it('INDEX_CACHE_MB bounds the index objects', async () => {
    const app = makeApp();
    const env = testEnv({ INDEX_CACHE_MB: '0.05' });
    let last: Response | undefined;
    for (const prefix of ['build_id', 'submission_date']) {
      for (const version of ['53', '54']) last = await get(app, dataPath('GC_MAX_PAUSE_MS', '', version, prefix), { env });
    }
    const indexes = cachesOf(last as Response)['index-bytes'];
    expect(indexes?.bound).toBe(Math.round(0.05 * 1024 * 1024));
    expect(indexes?.used).toBeGreaterThan(0);
    expect(indexes?.used).toBeLessThanOrEqual(indexes?.bound as number);
  });
});
