/** /status, Dockerflow endpoints, /authed, and the headers every response carries. */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import packageJson from '../../package.json';
import { CSP_POLICY } from '../../worker/src/http/headers';
import type { ObjectSource } from '../../worker/src/storage/object-source';
import { bearer, get, MapSource, makeApp, seedBucket, testEnv } from './helpers';

const SECURITY = {
  'access-control-allow-origin': '*',
  'content-security-policy': CSP_POLICY,
  'x-content-security-policy': CSP_POLICY,
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(SECURITY)) expect(response.headers.get(name), name).toBe(value);
}

beforeAll(() => seedBucket());
afterEach(() => vi.restoreAllMocks());

/** Expected failures are logged; keep them out of the test output but check they are. */
function quietErrors() {
  return vi.spyOn(console, 'error').mockImplementation(() => undefined);
}

describe('operational endpoints', () => {
  const app = makeApp();

  it('/status answers OK', async () => {
    const response = await get(app, '/status');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('OK');
    expectSecurityHeaders(response);
  });

  it('/__lbheartbeat__ answers 200', async () => {
    const response = await get(app, '/__lbheartbeat__');
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
  });

  it('/__heartbeat__ checks the bucket', async () => {
    const response = await get(app, '/__heartbeat__');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ status: 'ok', checks: { storage: 'ok' }, details: {} });

    const empty = await get(makeApp({ source: () => new MapSource(new Map()) }), '/__heartbeat__');
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ status: 'warning', checks: { storage: 'warning' } });

    const logged = quietErrors();
    const broken: ObjectSource = { get: () => Promise.reject(new Error('R2 is down')) };
    const failing = await get(makeApp({ source: () => broken }), '/__heartbeat__');
    expect(failing.status).toBe(500);
    expect(await failing.json()).toMatchObject({ status: 'error', checks: { storage: 'error' } });
    expectSecurityHeaders(failing);
    expect(logged).toHaveBeenCalled();
  });

  it('/__version__ reports the build from vars, defaulting to the package version', async () => {
    const defaults = await get(app, '/__version__');
    expect(defaults.headers.get('content-type')).toBe('application/json');
    expect(await defaults.json()).toEqual({ source: '', version: packageJson.version, commit: 'unknown', build: '' });
    const set = await get(app, '/__version__', {
      env: testEnv({ BUILD_VERSION: '1.2.3', BUILD_COMMIT: 'abc123', BUILD_SOURCE: 'https://example.test/repo' }),
    });
    expect(await set.json()).toEqual({ source: 'https://example.test/repo', version: '1.2.3', commit: 'abc123', build: '' });
  });

  it('/authed answers 200 Authenticated for a good token and 403 otherwise', async () => {
    const good = await get(app, '/authed', { headers: await bearer() });
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('Authenticated');
    const missing = await get(app, '/authed');
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(await missing.json()).toEqual({ code: 'authorization_header_missing', description: 'Authorization header is expected' });
    expectSecurityHeaders(missing);
  });
});

describe('headers on every response', () => {
  const app = makeApp();
  const paths = [
    '/status',
    '/aggregates_by/build_id/channels/',
    '/aggregates_by/build_id/channels/nightly/dates/',
    '/filters/?channel=nightly&version=54',
    '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=GC_MAX_PAUSE_MS',
    // errors
    '/no/such/route',
    '/aggregates_by/no_such_prefix/channels/',
    '/filters/',
    '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=GC_MAX_PAUSE_MS&foo=1',
    '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=NO_SUCH_METRIC',
    '/aggregates_by/build_id/channels/release/dates/',
  ];

  it.each(paths)('GET %s', async (path) => {
    const response = await get(app, path);
    expectSecurityHeaders(response);
    if (response.status !== 200 || path !== '/status') expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('on 304s', async () => {
    const path = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=GC_MAX_PAUSE_MS';
    const first = await get(app, path);
    const second = await get(app, path, { headers: { 'If-None-Match': first.headers.get('ETag') as string } });
    expect(second.status).toBe(304);
    expectSecurityHeaders(second);
  });

  it('on internal errors (500 JSON, nothing leaked)', async () => {
    const logged = quietErrors();
    const broken: ObjectSource = { get: () => Promise.reject(new Error('secret detail')) };
    const response = await get(makeApp({ source: () => broken }), '/aggregates_by/build_id/channels/');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal error.' });
    expectSecurityHeaders(response);
    expect(logged).toHaveBeenCalled();
  });

  it('on configuration errors', async () => {
    quietErrors();
    const response = await get(app, '/status', { env: testEnv({ DEBUG_R2_READS: 'maybe' }) });
    expect(response.status).toBe(500);
    expectSecurityHeaders(response);
  });

  it('answers CORS preflights allowing Authorization and Content-Type', async () => {
    const response = await get(app, '/aggregates_by/build_id/channels/release/dates/', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://dashboard.test',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type');
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
    expectSecurityHeaders(response);
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await get(app, '/aggregates_by/build_id/channels/', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expectSecurityHeaders(response);
  });

  it('serves paths with or without their trailing slash', async () => {
    expect((await get(app, '/aggregates_by/build_id/channels')).status).toBe(200);
    expect((await get(app, '/filters?channel=nightly&version=54')).status).toBe(200);
    expect((await get(app, '/status/')).status).toBe(200);
  });

  it('adds the R2 read counters only when DEBUG_R2_READS is true', async () => {
    const on = await get(app, '/status');
    expect(on.headers.get('x-r2-reads')).toBe('0');
    const off = await get(app, '/status', { env: testEnv({ DEBUG_R2_READS: 'false' }) });
    expect(off.headers.has('x-r2-reads')).toBe(false);
  });
});
