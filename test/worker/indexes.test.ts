/** Channel lists, date lists and filter options. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatesIndex, FiltersIndex } from '../../worker/src/core/index-objects';
import { bearer, get, getJson, makeApp, objectJson, readsOf, seedBucket, testEnv } from './helpers';

beforeAll(() => seedBucket());

describe('GET /aggregates_by/{prefix}/channels/', () => {
  const app = makeApp();

  it.each(['build_id', 'submission_date'])('%s: hides release from anonymous callers', async (prefix) => {
    expect(objectJson<string[]>(`v1/${prefix}/channels.json`)).toEqual(['nightly', 'release']);
    const response = await get(app, `/aggregates_by/${prefix}/channels/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(['nightly']);
    expect(await getJson(app, `/aggregates_by/${prefix}/channels/`, { headers: await bearer() })).toEqual(['nightly', 'release']);
  });

  it('treats a bad token as anonymous', async () => {
    expect(await getJson(app, '/aggregates_by/build_id/channels/', { headers: { Authorization: 'Bearer nonsense' } })).toEqual(['nightly']);
  });

  it('404s for an unknown prefix and answers [] when nothing is published', async () => {
    expect((await get(app, '/aggregates_by/foo/channels/')).status).toBe(404);
    const empty = makeApp({ source: () => ({ get: async () => null }) });
    expect(await getJson(empty, '/aggregates_by/build_id/channels/')).toEqual([]);
  });
});

describe('GET /aggregates_by/{prefix}/channels/{channel}/dates/', () => {
  const app = makeApp();

  it.each(['build_id', 'submission_date'])('%s: lists the stored dates, newest first', async (prefix) => {
    const stored = objectJson<DatesIndex>(`v1/${prefix}/nightly/dates.json`);
    const answered = await getJson<DatesIndex>(app, `/aggregates_by/${prefix}/channels/nightly/dates/`);
    expect(answered).toEqual(stored);
    expect(answered.length).toBeGreaterThan(3);
    expect(new Set(answered.map((entry) => entry.version))).toEqual(new Set(['53', '54']));
    const dates = answered.map((entry) => entry.date);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('submission dates are those of the pings', async () => {
    const answered = await getJson<DatesIndex>(app, '/aggregates_by/submission_date/channels/nightly/dates/');
    expect(answered.filter((entry) => entry.version === '54').map((entry) => entry.date)).toEqual(['20170201', '20170131', '20170130']);
  });

  it('release needs a token', async () => {
    const anonymous = await get(app, '/aggregates_by/build_id/channels/release/dates/');
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toEqual({ code: 'authorization_header_missing', description: 'Authorization header is expected' });
    const expired = await get(app, '/aggregates_by/build_id/channels/release/dates/', { headers: await bearer({ expiresIn: -120 }) });
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({ code: 'token_expired', description: 'Token is expired' });
    const authed = await getJson<DatesIndex>(app, '/aggregates_by/build_id/channels/release/dates/', { headers: await bearer() });
    expect(authed).toEqual([{ date: '20170125', version: '51' }]);
  });

  it('answers [] for channels without data, without reading R2 for unknown ones', async () => {
    expect(await getJson(app, '/aggregates_by/build_id/channels/beta/dates/')).toEqual([]);
    const unknown = await get(app, '/aggregates_by/build_id/channels/nosuch/dates/');
    expect(await unknown.json()).toEqual([]);
    expect(readsOf(unknown).total).toBe(0);
  });
});

describe('GET /filters/', () => {
  const app = makeApp();
  const stored = objectJson<FiltersIndex>('v1/meta/nightly/54/filters.json');

  it('lists the options with [[COUNT]]_ stripped and hidden metrics removed', async () => {
    const filters = await getJson<Record<string, string[]>>(app, '/filters/?channel=nightly&version=54');
    expect(Object.keys(filters)).toEqual(['metric', 'application', 'architecture', 'os', 'child', 'e10sEnabled']);
    expect(stored.metric).toContain('[[COUNT]]_CREATE_EVENT_EVENTS');
    expect(filters.metric).toContain('CREATE_EVENT_EVENTS');
    expect(filters.metric).toContain('USE_COUNTER2_PROPERTY_FILL_DOCUMENT');
    expect(filters.metric).toContain('SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT');
    expect(filters.metric?.some((name) => name.startsWith('[[COUNT]]'))).toBe(false);
    for (const hidden of ['SEARCH_COUNTS', 'SCALARS_BROWSER.SEARCH.WITH_ADS', 'SCALARS_TELEMETRY.EVENT_COUNTS'])
      expect(filters.metric).not.toContain(hidden);
    expect(filters.metric).toHaveLength(stored.metric.length - 3);
    expect(filters.application).toEqual(['Firefox', 'Thunderbird']);
    expect(filters.architecture).toEqual(['x86', 'x86-64']);
    expect(filters.os).toEqual(['Darwin,16.4.0', 'Windows_NT,10.0', 'Windows_NT,6.1']);
    expect(filters.child).toEqual(['content', 'gpu', 'parent']);
    expect(filters.e10sEnabled).toEqual(stored.e10sEnabled);
  });

  it('lists authed-only metrics to authenticated callers, never blacklisted ones', async () => {
    const filters = await getJson<Record<string, string[]>>(app, '/filters/?channel=nightly&version=54', { headers: await bearer() });
    expect(filters.metric).toContain('SCALARS_TELEMETRY.EVENT_COUNTS');
    expect(filters.metric).not.toContain('SEARCH_COUNTS');
    expect(filters.metric).not.toContain('SCALARS_BROWSER.SEARCH.WITH_ADS');
  });

  it('release needs a token', async () => {
    const anonymous = await get(app, '/filters/?channel=release&version=51');
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ code: 'authorization_header_missing' });
    const filters = await getJson<Record<string, string[]>>(app, '/filters/?channel=release&version=51', { headers: await bearer() });
    expect(filters.os).toEqual(['Windows_NT,10.0']);
  });

  it('404s for a missing parameter or an unknown channel/version', async () => {
    for (const query of [
      '',
      '?channel=nightly',
      '?version=54',
      '?channel=nightly&version=55',
      '?channel=nosuch&version=54',
      '?channel=nightly&version=x',
    ]) {
      const response = await get(app, `/filters/${query}`);
      expect(response.status, query).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toHaveProperty('message');
    }
  });
});

describe('index responses are cacheable', () => {
  it.each([
    '/aggregates_by/build_id/channels/',
    '/aggregates_by/submission_date/channels/nightly/dates/',
    '/filters/?channel=nightly&version=54',
  ])('%s: strong ETag, 304 on If-None-Match, max-age', async (path) => {
    const app = makeApp();
    const first = await get(app, path);
    const etag = first.headers.get('ETag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get('Cache-Control')).toBe('max-age=3600');
    expect(first.headers.get('Vary')).toBe('Authorization');
    const again = await get(app, path, { headers: { 'If-None-Match': etag as string } });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(readsOf(again).total).toBe(0);
    expect((await get(app, path, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    const authed = await get(app, path, { headers: await bearer() });
    expect(authed.headers.get('Cache-Control')).toBe('private, max-age=3600');
    expect(authed.headers.get('ETag')).not.toBe(etag);
    const configured = await get(app, path, { env: testEnv({ INDEX_MAX_AGE_SECONDS: '120' }) });
    expect(configured.headers.get('Cache-Control')).toBe('max-age=120');
  });
});
