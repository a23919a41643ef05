/**
 * The Hono app: per-isolate runtime (storage caches, token verifier) + per-request context,
 * headers on every response, CORS, and the routes. `createApp(deps)` lets tests swap the
 * object source and the response cache and drive it with `app.request()`, and the bench entry
 * (worker/bench/bench-worker.ts) add its own route and R2 latency.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { AuthResult } from './auth/tokens';
import { MAX_CACHED_TOKENS, TokenVerifier } from './auth/tokens';
import type { Config } from './config';
import { configFor } from './config';
import type { AppEnv, RequestContext } from './context';
import type { Env } from './env';
import { errorResponse, INTERNAL_ERROR_MESSAGE, notFound } from './http/errors';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, withSecurityHeaders } from './http/headers';
import type { ResponseCache } from './http/response-cache';
import { defaultResponseCache } from './http/response-cache';
import { registerDashboardRoutes } from './routes/dashboard';
import { registerDataRoute } from './routes/data';
import { registerIndexRoutes } from './routes/indexes';
import { registerOpenApiRoute } from './routes/openapi';
import { registerOpsRoutes } from './routes/ops';
import type { CacheAccount } from './storage/aggregate-store';
import { AggregateStore } from './storage/aggregate-store';
import { EdgeSource, WORKERS_CONNECTION_LIMIT } from './storage/edge-source';
import type { ObjectSource, ReadStats } from './storage/object-source';
import { emptyReadStats, R2ObjectSource, totalReads } from './storage/object-source';

export interface AppDeps {
  /** Where objects are read from; default: the AGGREGATES R2 binding. */
  source?: (env: Env) => ObjectSource;
  /** Whole-response cache; default: caches.default (unless RESPONSE_CACHE is false); null: none. */
  responseCache?: ResponseCache | null;
  /** Clock for caches and token expiry (tests). */
  now?: () => number;
  /** More routes, registered after the API's and before the 404 fallback (the bench entry's). */
  routes?: (app: Hono<AppEnv>) => void;
}

/** Debug headers (only when DEBUG_R2_READS is true): R2 reads this request caused. */
export const READS_HEADER = 'X-R2-Reads';
export const INDEX_READS_HEADER = 'X-R2-Index-Reads';
export const SHARD_READS_HEADER = 'X-R2-Shard-Reads';
/**
 * Also only with DEBUG_R2_READS: `worker;dur=<ms>, r2;dur=<ms>`: the time from the start of the
 * request to its response, and the part of it with R2 reads in flight, as the worker's clock sees
 * them. Deployed Workers advance the clock only on I/O, so there `worker` is I/O wait too; workerd
 * run locally advances it always (in whole milliseconds), so locally it is I/O plus CPU time.
 */
export const SERVER_TIMING_HEADER = 'Server-Timing';
/**
 * Also only with DEBUG_R2_READS: `name=used/bound, ...` for every per-isolate memory after the
 * request (index-bytes, index-entries, shard-bytes, shard-loads, metric-kinds-bytes,
 * empty-shards-bytes, tokens; bytes are accounted estimates, the others entry counts).
 */
export const ISOLATE_CACHES_HEADER = 'X-Isolate-Caches';

/** What one app instance (one per isolate in production) keeps between requests. */
class AppRuntime {
  private store: { key: string; store: AggregateStore } | undefined;
  private verifier: { key: string; verifier: TokenVerifier } | undefined;

  constructor(private readonly deps: AppDeps) {}

  storeFor(config: Config): AggregateStore {
    const { indexCacheSeconds, indexCacheBytes, shardCacheBytes } = config.cache;
    const key = `${indexCacheSeconds}/${indexCacheBytes}/${shardCacheBytes}`;
    if (this.store?.key !== key) {
      this.store = {
        key,
        store: new AggregateStore({
          indexTtlMs: indexCacheSeconds * 1000,
          indexCacheBytes,
          shardCacheBytes,
          ...(this.deps.now ? { now: this.deps.now } : {}),
        }),
      };
    }
    return this.store.store;
  }

  verifierFor(config: Config): TokenVerifier {
    const key = JSON.stringify(config.auth);
    if (this.verifier?.key !== key) this.verifier = { key, verifier: new TokenVerifier(config.auth, this.deps.now) };
    return this.verifier.verifier;
  }

  requestContext(env: Env, request: Request, waitUntil: (promise: Promise<unknown>) => void): RequestContext {
    const config = configFor(env);
    const stats: ReadStats = emptyReadStats();
    const source = this.edgeSource(this.deps.source ? this.deps.source(env) : r2Source(env), stats);
    let auth: Promise<AuthResult> | undefined;
    const authorization = request.headers.get('Authorization');
    return {
      config,
      stats,
      reader: this.storeFor(config).reader(source, stats, waitUntil),
      auth: () => (auth ??= this.verifierFor(config).check(authorization)),
      responseCache: !config.cache.responseCache
        ? null
        : this.deps.responseCache === undefined
          ? defaultResponseCache()
          : this.deps.responseCache,
      waitUntil,
    };
  }

  /** Every per-isolate memory and its bound (the X-Isolate-Caches debug header). */
  cacheAccounts(): CacheAccount[] {
    const accounts = this.store?.store.accounts() ?? [];
    if (this.verifier) accounts.push({ name: 'tokens', used: this.verifier.verifier.cachedTokens, bound: MAX_CACHED_TOKENS });
    return accounts;
  }

  /** Every read goes through the Workers limits (6 at once per request). */
  private edgeSource(source: ObjectSource, stats: ReadStats): ObjectSource {
    return new EdgeSource(source, {
      maxConcurrentReads: WORKERS_CONNECTION_LIMIT,
      onReadWait: (ms) => {
        stats.readWaitMs += ms;
      },
    });
  }
}

function formatAccount(account: CacheAccount): string {
  return `${account.name}=${account.used}/${account.bound}`;
}

/** The AGGREGATES bucket as an ObjectSource (the default source). */
export function r2Source(env: Env): ObjectSource {
  if (!env.AGGREGATES) throw new Error('the AGGREGATES R2 binding is missing');
  return new R2ObjectSource(env.AGGREGATES);
}

export function createApp(deps: AppDeps = {}): Hono<AppEnv> {
  const runtime = new AppRuntime(deps);
  // Not strict: a path matches with and without its trailing slash (routes are registered without).
  const app = new Hono<AppEnv>({ strict: false });

  app.use('*', async (c, next) => {
    const started = performance.now();
    let rc: RequestContext;
    try {
      const waitUntil = (promise: Promise<unknown>): void => {
        try {
          c.executionCtx.waitUntil(promise);
        } catch {
          // No ExecutionContext (e.g. app.request() without one): let it run on its own.
        }
      };
      rc = runtime.requestContext(c.env, c.req.raw, waitUntil);
    } catch (error) {
      console.error('cannot set up the request', error);
      return withSecurityHeaders(errorResponse(500, INTERNAL_ERROR_MESSAGE));
    }
    c.set('request', rc);
    await next();
    const response = withSecurityHeaders(c.res);
    if (rc.config.debugR2Reads) {
      response.headers.set(READS_HEADER, String(totalReads(rc.stats)));
      response.headers.set(INDEX_READS_HEADER, String(rc.stats.indexReads));
      response.headers.set(SHARD_READS_HEADER, String(rc.stats.shardReads));
      response.headers.set(SERVER_TIMING_HEADER, `worker;dur=${performance.now() - started}, r2;dur=${rc.stats.readWaitMs}`);
      response.headers.set(ISOLATE_CACHES_HEADER, runtime.cacheAccounts().map(formatAccount).join(', '));
    }
    if (response !== c.res) c.res = response;
  });

  app.use(
    '*',
    cors({
      origin: '*',
      allowHeaders: CORS_ALLOW_HEADERS,
      allowMethods: CORS_ALLOW_METHODS,
      exposeHeaders: CORS_EXPOSE_HEADERS,
      maxAge: 86_400,
    }),
  );

  registerOpsRoutes(app);
  registerIndexRoutes(app);
  registerDataRoute(app);
  registerDashboardRoutes(app);
  registerOpenApiRoute(app);
  deps.routes?.(app);

  app.notFound(() => notFound());
  app.onError((error) => {
    console.error('request failed', error);
    return errorResponse(500, INTERNAL_ERROR_MESSAGE);
  });
  return app;
}
