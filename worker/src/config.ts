/**
 * The Worker's configuration, parsed from its vars and secrets (pure; memoized per env object).
 * Documented for operators in docs/configuration.md and in wrangler.toml.
 */
import { version as packageVersion } from '../../package.json';
import type { Env, VarValue } from './env';

export interface AuthConfig {
  /** Inline JWKS (JSON text): wins over jwksUrl when set (self-hosting, tests). */
  jwks: string | undefined;
  jwksUrl: string;
  issuer: string;
  audience: string;
  requiredScope: string;
  tokenCacheSeconds: number;
}

export interface AccessConfig {
  allowAllReleaseMetrics: boolean;
  publicReleaseMetrics: ReadonlySet<string>;
  /** Anchored at the start like Python's re.match, as the original. */
  blacklist: readonly RegExp[];
  authedOnlyMetrics: ReadonlySet<string>;
}

export interface CacheConfig {
  /** Cache-Control max-age of data responses, and their lifetime in the Workers Cache API. */
  dataMaxAgeSeconds: number;
  /** The same for channels, dates and filters. */
  indexMaxAgeSeconds: number;
  /** How long an isolate keeps index objects (channels, dates, manifests, filters, metrics). */
  indexCacheSeconds: number;
  /** Approximate bound on the index objects an isolate keeps. */
  indexCacheBytes: number;
  /** Approximate bound on the decoded shards an isolate keeps. */
  shardCacheBytes: number;
  /** Whole responses in the Workers Cache API (caches.default). */
  responseCache: boolean;
}

export interface BuildInfo {
  version: string;
  commit: string;
  source: string;
  build: string;
}

export interface Config {
  auth: AuthConfig;
  access: AccessConfig;
  cache: CacheConfig;
  debugR2Reads: boolean;
  build: BuildInfo;
}

export const DEFAULT_AUTH_DOMAIN = 'https://auth.mozilla.auth0.com/';
export const DEFAULTS = {
  jwksUrl: `${DEFAULT_AUTH_DOMAIN}.well-known/jwks.json`,
  issuer: DEFAULT_AUTH_DOMAIN,
  audience: 'https://aggregates.telemetry.mozilla.org/',
  requiredScope: 'read:aggregates',
  tokenCacheSeconds: 300,
  publicReleaseMetrics: ['SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT'],
  blacklist: ['SEARCH_COUNTS', 'SCALARS_BROWSER\\.SEARCH\\..+'],
  authedOnlyMetrics: ['SCALARS_TELEMETRY.EVENT_COUNTS', 'SCALARS_TELEMETRY.DYNAMIC_EVENT_COUNTS'],
  dataMaxAgeSeconds: 86_400,
  indexMaxAgeSeconds: 3_600,
  indexCacheSeconds: 60,
  indexCacheMb: 16,
  shardCacheMb: 48,
} as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const memo = new WeakMap<object, Config>();

/** The parsed configuration of an env (memoized: env objects do not change within an isolate). */
export function configFor(env: Env): Config {
  let config = memo.get(env);
  if (!config) {
    config = parseConfig(env);
    memo.set(env, config);
  }
  return config;
}

export function parseConfig(env: Partial<Env>): Config {
  return {
    auth: {
      jwks: optionalString(env.AUTH_JWKS),
      jwksUrl: optionalString(env.AUTH_JWKS_URL) ?? DEFAULTS.jwksUrl,
      issuer: optionalString(env.AUTH_ISSUER) ?? DEFAULTS.issuer,
      audience: optionalString(env.AUTH_AUDIENCE) ?? DEFAULTS.audience,
      requiredScope: optionalString(env.AUTH_REQUIRED_SCOPE) ?? DEFAULTS.requiredScope,
      tokenCacheSeconds: nonNegative('AUTH_TOKEN_CACHE_SECONDS', env.AUTH_TOKEN_CACHE_SECONDS, DEFAULTS.tokenCacheSeconds),
    },
    access: {
      allowAllReleaseMetrics: flag('ALLOW_ALL_RELEASE_METRICS', env.ALLOW_ALL_RELEASE_METRICS, false),
      publicReleaseMetrics: new Set(list(env.PUBLIC_RELEASE_METRICS, DEFAULTS.publicReleaseMetrics)),
      blacklist: list(env.METRICS_BLACKLIST, DEFAULTS.blacklist).map((source) => anchoredRegExp(source)),
      authedOnlyMetrics: new Set(list(env.AUTHED_ONLY_METRICS, DEFAULTS.authedOnlyMetrics)),
    },
    cache: {
      dataMaxAgeSeconds: nonNegative('DATA_MAX_AGE_SECONDS', env.DATA_MAX_AGE_SECONDS, DEFAULTS.dataMaxAgeSeconds),
      indexMaxAgeSeconds: nonNegative('INDEX_MAX_AGE_SECONDS', env.INDEX_MAX_AGE_SECONDS, DEFAULTS.indexMaxAgeSeconds),
      indexCacheSeconds: nonNegative('INDEX_CACHE_SECONDS', env.INDEX_CACHE_SECONDS, DEFAULTS.indexCacheSeconds),
      indexCacheBytes: megabytes(nonNegative('INDEX_CACHE_MB', env.INDEX_CACHE_MB, DEFAULTS.indexCacheMb)),
      shardCacheBytes: megabytes(nonNegative('SHARD_CACHE_MB', env.SHARD_CACHE_MB, DEFAULTS.shardCacheMb)),
      responseCache: flag('RESPONSE_CACHE', env.RESPONSE_CACHE, true),
    },
    debugR2Reads: flag('DEBUG_R2_READS', env.DEBUG_R2_READS, false),
    build: {
      version: optionalString(env.BUILD_VERSION) ?? packageVersion,
      commit: optionalString(env.BUILD_COMMIT) ?? 'unknown',
      source: optionalString(env.BUILD_SOURCE) ?? '',
      build: optionalString(env.BUILD_URL) ?? '',
    },
  };
}

function optionalString(value: VarValue): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** "true"/"false" in any case (the original read ALLOW_ALL_RELEASE_METRICS == "True"), 1/0, yes/no. */
function flag(name: string, value: VarValue, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  const text = optionalString(value)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${name} must be true or false, got "${String(value)}"`);
}

function megabytes(mb: number): number {
  return Math.round(mb * 1024 * 1024);
}

/** A number var >= 0 (exported for the bench entry's own var). */
export function nonNegative(name: string, value: VarValue, fallback: number): number {
  const text = optionalString(value);
  if (text === undefined) return fallback;
  const number = Number(text);
  if (!Number.isFinite(number) || number < 0) throw new ConfigError(`${name} must be a number >= 0, got "${text}"`);
  return number;
}

/**
 * A list var: a TOML/JSON array, a JSON array in a string, or a comma-separated string.
 * An empty string or "[]" gives an empty list (e.g. no public release metrics).
 */
function list(value: VarValue, fallback: readonly string[]): string[] {
  if (value === undefined || value === null) return [...fallback];
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else {
    const text = String(value).trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!Array.isArray(parsed)) throw new Error('not an array');
        items = parsed;
      } catch (error) {
        throw new ConfigError(`a list var is not a JSON array: ${(error as Error).message}`);
      }
    } else items = text.split(',');
  }
  return items.map((item) => String(item).trim()).filter((item) => item !== '');
}

function anchoredRegExp(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})`);
  } catch (error) {
    throw new ConfigError(`METRICS_BLACKLIST has an invalid pattern "${source}": ${(error as Error).message}`);
  }
}
