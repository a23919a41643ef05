/**
 * Whole responses in the Workers Cache API, keyed by the request URL and the auth state (so an
 * anonymous and an authenticated answer never share an entry) and the API format version.
 */
import { API_FORMAT_VERSION } from './conditional';

/** The part of the Cache API the worker uses (caches.default satisfies it). */
export interface ResponseCache {
  match(key: Request): Promise<Response | undefined>;
  put(key: Request, response: Response): Promise<void>;
}

/**
 * The cache key: the request's own origin with a path no route serves, so keys never collide
 * with real URLs nor with each other across auth states.
 */
export function responseCacheKey(requestUrl: string, authed: boolean): Request {
  const url = new URL(requestUrl);
  const key = new URL(`/__response-cache/${API_FORMAT_VERSION}/${authed ? 'authed' : 'anonymous'}${url.pathname}`, url.origin);
  key.search = url.search;
  return new Request(key.toString(), { method: 'GET' });
}

/** caches.default when the runtime has it. */
export function defaultResponseCache(): ResponseCache | null {
  const storage = (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches;
  return storage?.default ?? null;
}
