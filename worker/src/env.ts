/**
 * The Worker's bindings. Every variable is optional and is a string in wrangler.toml (numbers and
 * booleans written unquoted in TOML are accepted too); see config.ts for meanings and defaults.
 */
export type VarValue = string | number | boolean | readonly unknown[] | undefined;

export interface Env {
  /** The bucket the builder publishes into (layout: core/storage-keys.ts). */
  AGGREGATES: R2Bucket;

  // Access control
  AUTH_JWKS_URL?: VarValue;
  AUTH_JWKS?: VarValue;
  AUTH_ISSUER?: VarValue;
  AUTH_AUDIENCE?: VarValue;
  AUTH_REQUIRED_SCOPE?: VarValue;
  AUTH_TOKEN_CACHE_SECONDS?: VarValue;
  ALLOW_ALL_RELEASE_METRICS?: VarValue;
  PUBLIC_RELEASE_METRICS?: VarValue;
  METRICS_BLACKLIST?: VarValue;
  AUTHED_ONLY_METRICS?: VarValue;

  // Caching
  DATA_MAX_AGE_SECONDS?: VarValue;
  INDEX_MAX_AGE_SECONDS?: VarValue;
  INDEX_CACHE_SECONDS?: VarValue;
  INDEX_CACHE_MB?: VarValue;
  SHARD_CACHE_MB?: VarValue;
  RESPONSE_CACHE?: VarValue;

  // Operations
  DEBUG_R2_READS?: VarValue;
  BUILD_VERSION?: VarValue;
  BUILD_COMMIT?: VarValue;
  BUILD_SOURCE?: VarValue;
  BUILD_URL?: VarValue;
}
