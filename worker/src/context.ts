/** What a route handler gets besides the request: config, storage view, auth, caches. */
import type { AuthResult } from './auth/tokens';
import type { Config } from './config';
import type { Env } from './env';
import type { ResponseCache } from './http/response-cache';
import type { StoreReader } from './storage/aggregate-store';
import type { ReadStats } from './storage/object-source';

export interface RequestContext {
  config: Config;
  reader: StoreReader;
  stats: ReadStats;
  /** The caller's token checked (once per request, on first use). */
  auth(): Promise<AuthResult>;
  /** null when the response cache is disabled or unavailable. */
  responseCache: ResponseCache | null;
  /** Work that may finish after the response (cache writes). */
  waitUntil(promise: Promise<unknown>): void;
}

export interface AppEnv {
  Bindings: Env;
  Variables: { request: RequestContext };
}
