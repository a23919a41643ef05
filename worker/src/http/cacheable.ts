/**
 * The conditional/cached answer shared by every API endpoint:
 *   1. a response-cache hit answers at once (304 when If-None-Match matches its ETag);
 *   2. otherwise `prepare` works out the ETag from cached index objects only, and a matching
 *      If-None-Match answers 304 before any shard is read;
 *   3. otherwise `render` builds the body; 200s are stored in the response cache.
 */
import type { RequestContext } from '../context';
import { cacheControl, ifNoneMatchMatches, notModified, VARY } from './conditional';
import { jsonResponse } from './errors';
import { responseCacheKey } from './response-cache';

export interface Prepared {
  etag: string;
  /** Headers of a body that is not JSON (Content-Type, Content-Disposition), e.g. for CSV. */
  headers?: Record<string, string>;
  /** The JSON body, or an error response (e.g. 404 when no row matched). */
  render(): Promise<string | Response>;
}

export interface CacheableRequest {
  url: string;
  ifNoneMatch: string | undefined;
  authed: boolean;
  maxAgeSeconds: number;
}

export async function respondCacheable(
  rc: RequestContext,
  request: CacheableRequest,
  prepare: () => Promise<Prepared | Response>,
): Promise<Response> {
  const { authed, maxAgeSeconds } = request;
  const cacheKey = rc.responseCache ? responseCacheKey(request.url, authed) : null;
  if (rc.responseCache && cacheKey) {
    const cached = await rc.responseCache.match(cacheKey);
    if (cached) {
      const etag = cached.headers.get('ETag');
      if (etag && ifNoneMatchMatches(request.ifNoneMatch, etag)) return notModified(etag, maxAgeSeconds, authed);
      return jsonResponse(await cached.text(), 200, {
        ...successHeaders(etag ?? undefined, maxAgeSeconds, authed),
        ...representationHeaders(cached),
      });
    }
  }

  const prepared = await prepare();
  if (prepared instanceof Response) return prepared;
  if (ifNoneMatchMatches(request.ifNoneMatch, prepared.etag)) return notModified(prepared.etag, maxAgeSeconds, authed);
  const body = await prepared.render();
  if (body instanceof Response) return body;

  if (rc.responseCache && cacheKey && maxAgeSeconds > 0) {
    // The stored copy is public for the Cache API; clients get the private header when authed.
    const stored = jsonResponse(body, 200, {
      ...prepared.headers,
      ETag: prepared.etag,
      'Cache-Control': `public, max-age=${maxAgeSeconds}`,
    });
    const cache = rc.responseCache;
    rc.waitUntil(cache.put(cacheKey, stored).catch((error: unknown) => console.error('response cache put failed', error)));
  }
  return jsonResponse(body, 200, { ...successHeaders(prepared.etag, maxAgeSeconds, authed), ...prepared.headers });
}

/** The stored answer's Content-Type and Content-Disposition (JSON answers carry only the former). */
function representationHeaders(cached: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['Content-Type', 'Content-Disposition']) {
    const value = cached.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

function successHeaders(etag: string | undefined, maxAgeSeconds: number, authed: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'Cache-Control': cacheControl(maxAgeSeconds, authed), Vary: VARY };
  if (etag) headers.ETag = etag;
  return headers;
}
