/** Access rules, configuration parsing and conditional requests. */
import { describe, expect, it } from 'vitest';
import { metricAccess, visibleChannels, visibleMetrics } from '../../../worker/src/auth/access';
import { bearerToken } from '../../../worker/src/auth/tokens';
import { ConfigError, DEFAULTS, parseConfig } from '../../../worker/src/config';
import { cacheControl, ifNoneMatchMatches, strongEtag } from '../../../worker/src/http/conditional';
import { responseCacheKey } from '../../../worker/src/http/response-cache';

describe('access rules', () => {
  const access = parseConfig({}).access;

  it('blacklists by regex anchored at the start (re.match), before anything else', () => {
    for (const metric of ['SEARCH_COUNTS', 'SEARCH_COUNTS_EXTRA', 'SCALARS_BROWSER.SEARCH.WITH_ADS']) {
      expect(metricAccess(access, 'nightly', metric)).toBe('blacklisted');
      expect(metricAccess(access, 'release', metric)).toBe('blacklisted');
    }
    expect(metricAccess(access, 'nightly', 'X_SEARCH_COUNTS')).toBe('public');
    expect(metricAccess(access, 'nightly', 'SCALARS_BROWSER.SEARCH.')).toBe('public');
  });

  it('release needs a token unless the metric is public or all are opened', () => {
    expect(metricAccess(access, 'release', 'GC_MS')).toBe('needs-auth');
    expect(metricAccess(access, 'release', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT')).toBe('public');
    expect(metricAccess(parseConfig({ ALLOW_ALL_RELEASE_METRICS: 'True' }).access, 'release', 'GC_MS')).toBe('public');
    expect(metricAccess(access, 'nightly', 'GC_MS')).toBe('public');
    expect(metricAccess(access, 'nightly', 'SCALARS_TELEMETRY.EVENT_COUNTS')).toBe('needs-auth');
  });

  it('lists channels and metrics by auth state', () => {
    expect(visibleChannels(['beta', 'nightly', 'release'], false)).toEqual(['beta', 'nightly']);
    expect(visibleChannels(['beta', 'nightly', 'release'], true)).toEqual(['beta', 'nightly', 'release']);
    const stored = [
      'GC_MS',
      '[[COUNT]]_SEARCH_COUNTS',
      '[[COUNT]]_CREATE_EVENT_EVENTS',
      'SCALARS_TELEMETRY.EVENT_COUNTS',
      'SCALARS_BROWSER.SEARCH.WITH_ADS',
    ];
    expect(visibleMetrics(access, stored, false)).toEqual(['GC_MS', 'CREATE_EVENT_EVENTS']);
    expect(visibleMetrics(access, stored, true)).toEqual(['GC_MS', 'CREATE_EVENT_EVENTS', 'SCALARS_TELEMETRY.EVENT_COUNTS']);
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = parseConfig({});
    expect(config.auth).toEqual({
      jwks: undefined,
      jwksUrl: 'https://auth.mozilla.auth0.com/.well-known/jwks.json',
      issuer: 'https://auth.mozilla.auth0.com/',
      audience: 'https://aggregates.telemetry.mozilla.org/',
      requiredScope: 'read:aggregates',
      tokenCacheSeconds: 300,
    });
    expect(config.cache).toEqual({
      dataMaxAgeSeconds: 86400,
      indexMaxAgeSeconds: 3600,
      indexCacheSeconds: 60,
      indexCacheBytes: 16 * 1024 * 1024,
      shardCacheBytes: 48 * 1024 * 1024,
      responseCache: true,
    });
    expect(config.debugR2Reads).toBe(false);
    expect([...config.access.publicReleaseMetrics]).toEqual([...DEFAULTS.publicReleaseMetrics]);
    expect(config.build.commit).toBe('unknown');
    expect(config.build.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('parses lists as JSON arrays, TOML arrays or comma lists, and numbers and flags', () => {
    const config = parseConfig({
      METRICS_BLACKLIST: '["A\\\\.B", "C"]',
      PUBLIC_RELEASE_METRICS: 'X, Y',
      AUTHED_ONLY_METRICS: ['Z'],
      DATA_MAX_AGE_SECONDS: 10,
      SHARD_CACHE_MB: '0.5',
      RESPONSE_CACHE: 'FALSE',
      DEBUG_R2_READS: true,
    });
    expect(config.access.blacklist.map(String)).toEqual(['/^(?:A\\.B)/', '/^(?:C)/']);
    expect([...config.access.publicReleaseMetrics]).toEqual(['X', 'Y']);
    expect([...config.access.authedOnlyMetrics]).toEqual(['Z']);
    expect(config.cache).toMatchObject({ dataMaxAgeSeconds: 10, shardCacheBytes: 524288, responseCache: false });
    expect(config.debugR2Reads).toBe(true);
    expect(parseConfig({ PUBLIC_RELEASE_METRICS: '' }).access.publicReleaseMetrics.size).toBe(0);
  });

  it('rejects unusable values', () => {
    expect(() => parseConfig({ DEBUG_R2_READS: 'maybe' })).toThrow(ConfigError);
    expect(() => parseConfig({ DATA_MAX_AGE_SECONDS: '-1' })).toThrow(ConfigError);
    expect(() => parseConfig({ METRICS_BLACKLIST: '["("]' })).toThrow(ConfigError);
    expect(() => parseConfig({ METRICS_BLACKLIST: '[1' })).toThrow(ConfigError);
  });
});

describe('Authorization header parsing (the original rules)', () => {
  it('accepts "Bearer <token>" with surrounding whitespace only', () => {
    expect(bearerToken(' Bearer abc ')).toEqual({ ok: true, token: 'abc' });
    expect(bearerToken(undefined)).toMatchObject({ ok: false, error: { code: 'authorization_header_missing' } });
    expect(bearerToken('Basic abc')).toMatchObject({ ok: false, error: { description: 'Authorization header must start with Bearer' } });
    expect(bearerToken('bearer abc')).toMatchObject({ ok: false, error: { code: 'invalid_header' } });
    expect(bearerToken('Bearer')).toMatchObject({ ok: false, error: { description: 'Token not found' } });
    expect(bearerToken('Bearer a b')).toMatchObject({ ok: false, error: { description: 'Authorization header must be Bearer token' } });
  });
});

describe('conditional requests', () => {
  it('makes strong, stable, input-sensitive ETags', async () => {
    const a = await strongEtag(['x', 'y']);
    expect(a).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await strongEtag(['x', 'y'])).toBe(a);
    expect(await strongEtag(['xy'])).not.toBe(a);
    expect(await strongEtag(['x', 'z'])).not.toBe(a);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(ifNoneMatchMatches('"abc"', '"abc"')).toBe(true);
    expect(ifNoneMatchMatches('W/"abc"', '"abc"')).toBe(true);
    expect(ifNoneMatchMatches('"x", "abc"', '"abc"')).toBe(true);
    expect(ifNoneMatchMatches('*', '"abc"')).toBe(true);
    expect(ifNoneMatchMatches('abc', '"abc"')).toBe(true);
    expect(ifNoneMatchMatches('"abd"', '"abc"')).toBe(false);
    expect(ifNoneMatchMatches(undefined, '"abc"')).toBe(false);
  });

  it('keeps authenticated answers private', () => {
    expect(cacheControl(60, false)).toBe('max-age=60');
    expect(cacheControl(60, true)).toBe('private, max-age=60');
  });

  it('keys the response cache by URL and auth state', () => {
    const url = 'https://x.test/aggregates_by/build_id/channels/?a=1';
    const anonymous = responseCacheKey(url, false).url;
    const authed = responseCacheKey(url, true).url;
    expect(anonymous).not.toBe(authed);
    expect(anonymous).toMatch(/^https:\/\/x\.test\/__response-cache\/api-\d+\/anonymous\/aggregates_by\/build_id\/channels\/\?a=1$/);
  });
});
