/** ETags, If-None-Match and Cache-Control. */

/**
 * Bumped whenever the JSON the API answers changes for the same stored objects: part of every
 * ETag and response-cache key, so a deploy that changes the output invalidates both.
 */
export const API_FORMAT_VERSION = 'api-1';

/** A strong ETag: the first 128 bits of SHA-256 over the parts, quoted. */
export async function strongEtag(parts: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode([API_FORMAT_VERSION, ...parts].join('\u0000'));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest.subarray(0, 16)) hex += byte.toString(16).padStart(2, '0');
  return `"${hex}"`;
}

/** If-None-Match uses the weak comparison: W/ prefixes are ignored; `*` matches any ETag. */
export function ifNoneMatchMatches(header: string | undefined | null, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string): string =>
    tag
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
  const wanted = bare(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === wanted);
}

/** Anonymous answers may be kept by shared caches; authenticated ones only by the client. */
export function cacheControl(maxAgeSeconds: number, authed: boolean): string {
  return authed ? `private, max-age=${maxAgeSeconds}` : `max-age=${maxAgeSeconds}`;
}

/** Authorization decides the body, so caches must not mix answers across it. */
export const VARY = 'Authorization';

export function notModified(etag: string, maxAgeSeconds: number, authed: boolean): Response {
  return new Response(null, {
    status: 304,
    headers: { ETag: etag, 'Cache-Control': cacheControl(maxAgeSeconds, authed), Vary: VARY },
  });
}
