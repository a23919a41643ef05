/**
 * `--target r2://BUCKET[/PREFIX]`: which bucket and key prefix, which S3 endpoint, which credentials.
 * Pure: the environment is passed in, and problems come back as messages (open-store turns them
 * into TargetError).
 */

export interface R2Location {
  bucket: string;
  /** Key prefix without leading or trailing "/"; "" for none. */
  prefix: string;
}

export interface S3Connection extends R2Location {
  /** Origin (and optional base path) of the S3 API, without a trailing "/". */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const R2_SCHEME = 'r2://';
export const CREDENTIAL_VARIABLES = ['R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY'] as const;

/** R2 bucket names: 3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function parseR2Target(target: string): Parsed<R2Location> {
  if (!target.startsWith(R2_SCHEME)) return { ok: false, message: `not an r2:// target: "${target}"` };
  const rest = target.slice(R2_SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (!bucket) return { ok: false, message: '--target r2:// needs a bucket name, e.g. r2://telemetry-aggregates' };
  if (!BUCKET_NAME.test(bucket)) {
    return { ok: false, message: `"${bucket}" is not an R2 bucket name (3-63 lowercase letters, digits and hyphens)` };
  }
  const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  const badSegment = prefix.split('/').find((segment) => prefix !== '' && (segment === '' || segment === '.' || segment === '..'));
  if (badSegment !== undefined) {
    return { ok: false, message: `the prefix "${prefix}" of ${target} has an empty, "." or ".." segment` };
  }
  return { ok: true, value: { bucket, prefix } };
}

/** The endpoint: --endpoint, else R2_ENDPOINT, else the account's R2 endpoint from R2_ACCOUNT_ID. */
export function resolveEndpoint(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): Parsed<string> {
  const given = nonEmpty(explicit) ?? nonEmpty(env.R2_ENDPOINT);
  if (given === undefined) {
    const account = nonEmpty(env.R2_ACCOUNT_ID);
    if (account === undefined) {
      return { ok: false, message: 'r2:// targets need R2_ACCOUNT_ID (or --endpoint URL, or R2_ENDPOINT) to know the S3 endpoint' };
    }
    if (!/^[A-Za-z0-9-]+$/.test(account)) return { ok: false, message: `R2_ACCOUNT_ID "${account}" is not an account id` };
    return { ok: true, value: `https://${account}.r2.cloudflarestorage.com` };
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return { ok: false, message: `the endpoint "${given}" is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, message: `the endpoint "${given}" must be http(s)` };
  if (url.search || url.hash || url.username || url.password) {
    return { ok: false, message: `the endpoint "${given}" must not carry a query, fragment or credentials` };
  }
  return { ok: true, value: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

export function resolveS3Connection(
  target: string,
  options: { endpoint?: string | undefined; env: Readonly<Record<string, string | undefined>> },
): Parsed<S3Connection> {
  const location = parseR2Target(target);
  if (!location.ok) return location;
  const endpoint = resolveEndpoint(options.endpoint, options.env);
  if (!endpoint.ok) return endpoint;
  const accessKeyId = nonEmpty(options.env.R2_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(options.env.R2_SECRET_ACCESS_KEY);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = CREDENTIAL_VARIABLES.filter((name) => nonEmpty(options.env[name]) === undefined);
    return {
      ok: false,
      message: `r2:// targets need the environment variables ${CREDENTIAL_VARIABLES.join(' and ')} (an R2 API token's S3 credentials); missing: ${missing.join(', ')}`,
    };
  }
  return { ok: true, value: { ...location.value, endpoint: endpoint.value, accessKeyId, secretAccessKey } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
