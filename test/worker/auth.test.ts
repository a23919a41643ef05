/** Bearer tokens (jose, RS256, JWKS) and the access rules that depend on them. */
import { base64url, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS } from '../../worker/src/config';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import { publicMetricName } from '../../worker/src/core/metric-names';
import type { ExpectedRow } from './helpers';
import {
  bearer,
  expectedData,
  get,
  getJson,
  makeApp,
  objectJson,
  seedBucket,
  signToken,
  storedRows,
  TEST_KID,
  testEnv,
  testJwks,
  testPrivateKey,
} from './helpers';

beforeAll(() => seedBucket());
afterEach(() => vi.restoreAllMocks());

const RELEASE_DATA = '/aggregates_by/build_id/channels/release/?version=51&dates=20170125&metric=GC_MAX_PAUSE_MS';

async function rejection(headers: Record<string, string>, path = '/authed'): Promise<unknown> {
  const response = await get(makeApp(), path, { headers });
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toBe('application/json');
  return response.json();
}

describe('tokens', () => {
  it('a valid token is accepted, and opens release data', async () => {
    const app = makeApp();
    expect((await get(app, '/authed', { headers: await bearer() })).status).toBe(200);
    const body = await getJson<{ data: ExpectedRow[] }>(app, RELEASE_DATA, { headers: await bearer() });
    expect(body.data).toEqual(expectedData(storedRows('build_id', 'release', '51', 'GC_MAX_PAUSE_MS'), ['20170125']));
    expect(body.data.length).toBeGreaterThan(0);
  });

  it.each([
    ['expired', { expiresIn: -60 }, { code: 'token_expired', description: 'Token is expired' }],
    [
      'issued by someone else',
      { issuer: 'https://evil.test/' },
      { code: 'invalid_claims', description: 'Incorrect claims,please check the audience and issuer' },
    ],
    [
      'for another audience',
      { audience: 'https://other.test/' },
      { code: 'invalid_claims', description: 'Incorrect claims,please check the audience and issuer' },
    ],
    ['without scope', { scope: undefined }, { code: 'access_denied', description: 'Access not allowed' }],
    ['with another scope', { scope: 'read:other write:aggregates' }, { code: 'access_denied', description: 'Access not allowed' }],
    ['for an unknown key id', { kid: 'someone-else' }, { code: 'invalid_header', description: 'Unable to find appropriate key' }],
  ])('a token %s is rejected', async (_name, options, body) => {
    const headers = await bearer(options);
    expect(await rejection(headers)).toEqual(body);
    expect(await rejection(headers, RELEASE_DATA)).toEqual(body);
  });

  it('a token with several scopes including the required one is accepted', async () => {
    expect((await get(makeApp(), '/authed', { headers: await bearer({ scope: 'openid read:aggregates profile' }) })).status).toBe(200);
  });

  it('a token signed by another key (same kid) is rejected', async () => {
    const other = await generateKeyPair('RS256');
    const token = await signToken({}, other.privateKey);
    expect(await rejection({ Authorization: `Bearer ${token}` })).toEqual({
      code: 'invalid_header',
      description: 'Unable to parse authentication token.',
    });
  });

  it('a tampered token is rejected', async () => {
    const [header, , signature] = (await signToken()).split('.');
    const payload = base64url.encode(
      JSON.stringify({ scope: DEFAULTS.requiredScope, iss: DEFAULTS.issuer, aud: DEFAULTS.audience, exp: 9_999_999_999 }),
    );
    expect(await rejection({ Authorization: `Bearer ${header}.${payload}.${signature}` })).toMatchObject({ code: 'invalid_header' });
  });

  it('alg "none" is rejected', async () => {
    const token = new UnsecuredJWT({ scope: DEFAULTS.requiredScope })
      .setIssuer(DEFAULTS.issuer)
      .setAudience(DEFAULTS.audience)
      .setExpirationTime('1h')
      .encode();
    expect(await rejection({ Authorization: `Bearer ${token}` })).toMatchObject({ code: 'invalid_header' });
    // The same with a kid pointing at the real key.
    const [, payload] = token.split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: TEST_KID, typ: 'JWT' }));
    expect(await rejection({ Authorization: `Bearer ${header}.${payload}.` })).toMatchObject({ code: 'invalid_header' });
  });

  it('HS256 signed with the public key as the secret is rejected (algorithm confusion)', async () => {
    const jwks = JSON.parse(testJwks) as { keys: JsonWebKey[] };
    const publicJwk = jwks.keys[0] as JsonWebKey & { kid: string };
    const publicKey = await importJWK({ ...publicJwk, alg: 'RS256' }, 'RS256', { extractable: true });
    const secrets = [
      new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey)),
      new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey))),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT({ scope: DEFAULTS.requiredScope })
        .setProtectedHeader({ alg: 'HS256', kid: TEST_KID })
        .setIssuer(DEFAULTS.issuer)
        .setAudience(DEFAULTS.audience)
        .setExpirationTime('1h')
        .sign(secret);
      expect(await rejection({ Authorization: `Bearer ${token}` })).toMatchObject({ code: 'invalid_header' });
    }
  });

  it('a token without exp is rejected', async () => {
    const key = await testPrivateKey();
    const token = await new SignJWT({ scope: DEFAULTS.requiredScope })
      .setProtectedHeader({ alg: 'RS256', kid: TEST_KID })
      .setIssuer(DEFAULTS.issuer)
      .setAudience(DEFAULTS.audience)
      .sign(key);
    expect(await rejection({ Authorization: `Bearer ${token}` })).toMatchObject({ code: 'invalid_claims' });
  });

  it.each([
    ['no header', {}, { code: 'authorization_header_missing', description: 'Authorization header is expected' }],
    [
      'another scheme',
      { Authorization: 'Basic dXNlcjpwYXNz' },
      { code: 'invalid_header', description: 'Authorization header must start with Bearer' },
    ],
    ['no token', { Authorization: 'Bearer' }, { code: 'invalid_header', description: 'Token not found' }],
    ['two tokens', { Authorization: 'Bearer a b' }, { code: 'invalid_header', description: 'Authorization header must be Bearer token' }],
    ['garbage', { Authorization: 'Bearer not-a-jwt' }, { code: 'improper_token', description: 'Token cannot be validated' }],
  ])('%s: the original 403 body', async (_name, headers, body) => {
    expect(await rejection(headers)).toEqual(body);
  });

  it('remembers a verified token briefly, never past its exp', async () => {
    let now = Date.now();
    const app = makeApp({ now: () => now });
    const issuedAt = Math.floor(now / 1000);
    const headers = await bearer({ claims: { nbf: issuedAt - 5 } });
    expect((await get(app, '/authed', { headers })).status).toBe(200);
    // Before its nbf a fresh verification fails; the remembered one still answers.
    now -= 3_600_000;
    expect((await get(app, '/authed', { headers })).status).toBe(200);
    expect((await get(makeApp({ now: () => now }), '/authed', { headers })).status).toBe(403);
    // Past AUTH_TOKEN_CACHE_SECONDS (300) it is verified again.
    now += 3_600_000 + 301_000;
    expect((await get(app, '/authed', { headers })).status).toBe(200);

    const shortLived = await bearer({ expiresIn: 100 });
    now = Date.now();
    expect((await get(app, '/authed', { headers: shortLived })).status).toBe(200);
    now += 150_000;
    expect(await (await get(app, '/authed', { headers: shortLived })).json()).toEqual({
      code: 'token_expired',
      description: 'Token is expired',
    });
  });

  it('fetches the JWKS from AUTH_JWKS_URL when no inline JWKS is set', async () => {
    const jwks = testJwks;
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = input instanceof Request ? input.url : String(input);
      expect(url).toBe('https://idp.test/.well-known/jwks.json');
      return new Response(jwks, { headers: { 'Content-Type': 'application/json' } });
    });
    const env = testEnv({ AUTH_JWKS: undefined, AUTH_JWKS_URL: 'https://idp.test/.well-known/jwks.json' });
    const app = makeApp();
    expect((await get(app, '/authed', { headers: await bearer(), env })).status).toBe(200);
    expect((await get(app, '/authed', { headers: await bearer({ claims: { jti: 'second' } }), env })).status).toBe(200);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});

describe('access rules', () => {
  const app = makeApp();

  it('release metric data needs a token, except public metrics', async () => {
    expect(await rejection({}, RELEASE_DATA)).toEqual({
      code: 'authorization_header_missing',
      description: 'Authorization header is expected',
    });
    const open = await getJson<{ data: ExpectedRow[] }>(
      app,
      '/aggregates_by/build_id/channels/release/?version=51&dates=20170125&metric=SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
    );
    expect(open.data).toEqual(
      expectedData(storedRows('build_id', 'release', '51', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT'), ['20170125']),
    );
  });

  it('ALLOW_ALL_RELEASE_METRICS opens release data; PUBLIC_RELEASE_METRICS is configurable', async () => {
    expect((await get(app, RELEASE_DATA, { env: testEnv({ ALLOW_ALL_RELEASE_METRICS: 'true' }) })).status).toBe(200);
    const env = testEnv({ PUBLIC_RELEASE_METRICS: 'GC_MAX_PAUSE_MS' });
    expect((await get(app, RELEASE_DATA, { env })).status).toBe(200);
    expect(
      (
        await get(
          app,
          '/aggregates_by/build_id/channels/release/?version=51&dates=20170125&metric=SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
          { env },
        )
      ).status,
    ).toBe(403);
  });

  it('authed-only metrics need a token on every channel', async () => {
    const path = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=SCALARS_TELEMETRY.EVENT_COUNTS';
    expect(await rejection({}, path)).toMatchObject({ code: 'authorization_header_missing' });
    const body = await getJson<{ data: ExpectedRow[] }>(app, path, { headers: await bearer() });
    expect(body.data).toEqual(expectedData(storedRows('build_id', 'nightly', '54', 'SCALARS_TELEMETRY.EVENT_COUNTS'), ['20170130']));
  });

  it('blacklisted metrics are never served, even with a token', async () => {
    for (const metric of ['SEARCH_COUNTS', 'SCALARS_BROWSER.SEARCH.WITH_ADS']) {
      for (const channel of ['nightly', 'release']) {
        const version = channel === 'nightly' ? '54' : '51';
        const response = await get(
          app,
          `/aggregates_by/build_id/channels/${channel}/?version=${version}&dates=20170130,20170125&metric=${metric}`,
          { headers: await bearer() },
        );
        expect(response.status).toBe(404);
      }
    }
  });

  it('release data never appears in any anonymous response', async () => {
    const anonymousBodies: string[] = [];
    const record = async (path: string) => {
      const response = await get(app, path);
      const text = await response.text();
      anonymousBodies.push(text);
      return { status: response.status, text };
    };
    for (const prefix of ['build_id', 'submission_date']) {
      expect((await record(`/aggregates_by/${prefix}/channels/`)).text).not.toContain('release');
      expect((await record(`/aggregates_by/${prefix}/channels/release/dates/`)).status).toBe(403);
      const manifest = objectJson<ManifestIndex>(`v1/${prefix}/release/51/manifest.json`);
      const dates = '20170125,20170130';
      for (const stored of Object.keys(manifest.metrics)) {
        const metric = publicMetricName(stored);
        const { status } = await record(
          `/aggregates_by/${prefix}/channels/release/?version=51&dates=${dates}&metric=${encodeURIComponent(metric)}`,
        );
        if (metric === 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT') expect(status).toBe(200);
        else expect(status, metric).toBeOneOf([403, 404]);
      }
    }
    expect((await record('/filters/?channel=release&version=51')).status).toBe(403);
    const releaseOnly = JSON.stringify(storedRows('build_id', 'release', '51', 'GC_MAX_PAUSE_MS')[0]?.histogram);
    expect(anonymousBodies.some((body) => body.includes(releaseOnly))).toBe(false);
  });
});
