/**
 * Path-style S3 URLs: `{endpoint}/{bucket}/{key}`, each key segment URI-encoded the strict
 * (RFC 3986) way, which is also how SigV4 canonicalises the path, so what is sent is what is signed.
 */

/** encodeURIComponent plus the five characters it leaves alone that RFC 3986 reserves. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A key as a URL path, one encoded segment per "/"-separated part. Segments "." and ".." cannot
 * travel in a URL (fetch resolves them, even percent-encoded), so such keys are refused.
 */
export function encodeKeyPath(key: string): string {
  if (key === '') throw new RangeError('an object key cannot be empty');
  const segments = key.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new RangeError(`the key "${key}" has a "." or ".." segment, which no URL can address`);
  }
  return segments.map(encodeRfc3986).join('/');
}

export function objectUrl(endpoint: string, bucket: string, key: string): string {
  return `${endpoint}/${encodeRfc3986(bucket)}/${encodeKeyPath(key)}`;
}

export interface ListPageQuery {
  prefix: string;
  continuationToken?: string | undefined;
  /** At most 1000 on S3 and R2. */
  maxKeys?: number | undefined;
}

/** ListObjectsV2 for one page. */
export function listUrl(endpoint: string, bucket: string, query: ListPageQuery): string {
  const params = new URLSearchParams({ 'list-type': '2', prefix: query.prefix });
  if (query.maxKeys !== undefined) params.set('max-keys', String(query.maxKeys));
  if (query.continuationToken !== undefined) params.set('continuation-token', query.continuationToken);
  return `${endpoint}/${encodeRfc3986(bucket)}?${params.toString().replace(/\+/g, '%20')}`;
}

/** Adds the store's key prefix ("" for none). */
export function withPrefix(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}/${key}`;
}

/** Removes the store's key prefix; null for a key outside it. */
export function withoutPrefix(prefix: string, storedKey: string): string | null {
  if (prefix === '') return storedKey;
  return storedKey.startsWith(`${prefix}/`) ? storedKey.slice(prefix.length + 1) : null;
}
