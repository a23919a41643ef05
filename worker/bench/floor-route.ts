/**
 * GET /__bench__/floor: the floor of a data answer, served by the bench entry only
 * (bench-worker.ts; the deployed worker has no such route). It answers a fixed JSON body shaped
 * and sized like a 40-date metric answer, through the same middleware (security, CORS and debug
 * headers) and with the same kind of caching headers, but without reading, summing or
 * serializing anything: what the data route costs above it is the work of the query itself.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../src/context';
import { cacheControl, VARY } from '../src/http/conditional';
import { jsonResponse } from '../src/http/errors';

export const BENCH_FLOOR_PATH = '/__bench__/floor';

/** Shape of the floor body: like GC_MS (50 exponential buckets) over 40 build ids, one label. */
export const FLOOR_DATES = 40;
export const FLOOR_BUCKETS = 50;

const FLOOR_ETAG = '"bench-floor-1"';

let floorBody: string | undefined;

/** A data answer's JSON with made-up but plausible numbers (deterministic, built once per isolate). */
export function benchFloorBody(): string {
  if (floorBody !== undefined) return floorBody;
  let state = 0x2545f491;
  const next = (bound: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % bound;
  };
  const buckets = Array.from({ length: FLOOR_BUCKETS }, (_, i) =>
    i === 0 ? 0 : Math.round(Math.exp((i * Math.log(10_000)) / FLOOR_BUCKETS)),
  );
  const data = Array.from({ length: FLOOR_DATES }, (_, day) => {
    const histogram = Array.from({ length: FLOOR_BUCKETS }, (_, i) => (i < 30 ? next(2_000) : 0));
    const date = String(20161201 + (day % 28) + Math.floor(day / 28) * 100);
    return { date, label: '', histogram, count: next(500), sum: next(10_000_000) };
  });
  floorBody = JSON.stringify({ data, buckets, kind: 'exponential', description: 'A fixed body for benchmarks.' });
  return floorBody;
}

export function registerFloorRoute(app: Hono<AppEnv>): void {
  app.get(BENCH_FLOOR_PATH, (c) => {
    const maxAge = c.get('request').config.cache.dataMaxAgeSeconds;
    return jsonResponse(benchFloorBody(), 200, { ETag: FLOOR_ETAG, 'Cache-Control': cacheControl(maxAge, false), Vary: VARY });
  });
}
