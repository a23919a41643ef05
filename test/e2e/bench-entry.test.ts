/**
 * The deployed worker carries no benchmark scaffolding; the bench entry does. Both are wrangler's
 * production bundles (worker/src/index.ts, and worker/bench/bench-worker.ts that `npm run
 * bench:serve` and `npm run load` serve) in plain Miniflare with wrangler.toml's vars, plus the
 * old benchmark vars set as an operator could set them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_FLOOR_PATH, FLOOR_DATES } from '../../worker/bench/floor-route';
import type { BuiltWorker } from '../helpers/built-worker';
import { bundleWorker, startBuiltWorker, tempDir } from '../helpers/built-worker';

const LATENCY_MS = 150;
/** Set on both workers: the production one must ignore them. */
const BENCH_VARS = { BENCH_ROUTES: 'true', SIMULATED_R2_LATENCY_MS: String(LATENCY_MS), DEBUG_R2_READS: 'true' };

let production: { script: string; worker: BuiltWorker };
let bench: { script: string; worker: BuiltWorker };
let removeTemp: () => Promise<void> = async () => {};

/** The `r2` duration of a Server-Timing header (`worker;dur=..., r2;dur=...`). */
function r2Milliseconds(serverTiming: string | null): number {
  const match = /r2;dur=([0-9.]+)/.exec(serverTiming ?? '');
  if (!match) throw new Error(`no r2 duration in ${serverTiming}`);
  return Number(match[1]);
}

beforeAll(async () => {
  const temp = await tempDir('bench-entry-');
  removeTemp = temp.remove;
  const [productionScript, benchScript] = await Promise.all([
    bundleWorker(join(temp.path, 'production')),
    bundleWorker(join(temp.path, 'bench'), 'worker/bench/bench-worker.ts'),
  ]);
  const start = (scriptPath: string) =>
    startBuiltWorker({ scriptPath, persistDir: join(temp.path, 'state'), instances: [{ name: 'aggregates', vars: BENCH_VARS }] });
  production = { script: await readFile(productionScript, 'utf8'), worker: await start(productionScript) };
  bench = { script: await readFile(benchScript, 'utf8'), worker: await start(benchScript) };
}, 180_000);

afterAll(async () => {
  await production?.worker.dispose();
  await bench?.worker.dispose();
  await removeTemp();
});

describe('the production bundle', () => {
  it('answers 404 for the floor route, whatever the vars', async () => {
    const floor = await production.worker.fetch(BENCH_FLOOR_PATH);
    expect(floor.status).toBe(404);
    expect(JSON.parse(floor.text)).toEqual({ message: 'Not found.' });
  });

  it('holds no benchmark route nor benchmark var', () => {
    for (const text of ['__bench__', 'SIMULATED_R2_LATENCY_MS', 'BENCH_ROUTES']) expect(production.script).not.toContain(text);
    expect(bench.script).toContain('__bench__');
  });

  it('serves the API', async () => {
    expect((await production.worker.fetch('/status')).text).toBe('OK');
    expect((await production.worker.fetch('/aggregates_by/build_id/channels/')).status).toBe(200);
  });
});

describe('the bench bundle', () => {
  it('serves the floor route through the same headers', async () => {
    const floor = await bench.worker.fetch(BENCH_FLOOR_PATH);
    expect(floor.status).toBe(200);
    expect((JSON.parse(floor.text) as { data: unknown[] }).data).toHaveLength(FLOOR_DATES);
    expect(floor.headers.get('X-Frame-Options')).toBe('DENY');
    expect(floor.headers.get('X-R2-Reads')).toBe('0');
  });

  it('adds SIMULATED_R2_LATENCY_MS to each R2 read', async () => {
    const channels = await bench.worker.fetch('/aggregates_by/submission_date/channels/');
    expect(channels.status).toBe(200);
    expect(channels.headers.get('X-R2-Reads')).toBe('1');
    expect(r2Milliseconds(channels.headers.get('Server-Timing'))).toBeGreaterThanOrEqual(LATENCY_MS);
  });
});
