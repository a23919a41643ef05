/**
 * The benchmark entry: `npm run bench:serve` and `npm run load` run `wrangler dev` on this file
 * (with wrangler.toml's bindings and vars) instead of worker/src/index.ts. It is the production
 * app (createApp) with two things injected, and nothing else changed:
 *
 * - GET /__bench__/floor (floor-route.ts), the floor the data route is compared with;
 * - SIMULATED_R2_LATENCY_MS (default 0): milliseconds added to every R2 read, spent while the
 *   read holds one of the request's 6 connection slots (latency-source.ts).
 *
 * The deployed worker has neither (test/e2e/bench-entry.test.ts).
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../src/app';
import { createApp, r2Source } from '../src/app';
import { nonNegative } from '../src/config';
import type { AppEnv } from '../src/context';
import type { Env, VarValue } from '../src/env';
import { registerFloorRoute } from './floor-route';
import { LatencySource } from './latency-source';

export interface BenchEnv extends Env {
  SIMULATED_R2_LATENCY_MS?: VarValue;
}

export interface BenchAppDeps extends Omit<AppDeps, 'routes'> {
  /** How the simulated latency is waited; default setTimeout (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
}

export function simulatedLatencyMs(env: BenchEnv): number {
  return nonNegative('SIMULATED_R2_LATENCY_MS', env.SIMULATED_R2_LATENCY_MS, 0);
}

export function createBenchApp(deps: BenchAppDeps = {}): Hono<AppEnv> {
  const { sleep, source = r2Source, ...rest } = deps;
  return createApp({
    ...rest,
    source: (env) => new LatencySource(source(env), simulatedLatencyMs(env), sleep),
    routes: registerFloorRoute,
  });
}

const app = createBenchApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<BenchEnv>;
