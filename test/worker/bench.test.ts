/**
 * The bench entry inside workerd (worker/bench/bench-worker.ts): its floor route, the simulated
 * R2 latency (SIMULATED_R2_LATENCY_MS) through the app, the Server-Timing debug header, and the
 * request mixes of `npm run bench:serve` / `npm run load` (worker/bench/request-mix.ts), which
 * must all be answered 200 so the scripts cannot rot silently.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchAppDeps } from '../../worker/bench/bench-worker';
import { createBenchApp, simulatedLatencyMs } from '../../worker/bench/bench-worker';
import { BENCH_FLOOR_PATH, FLOOR_BUCKETS, FLOOR_DATES } from '../../worker/bench/floor-route';
import type { BenchDataset, Probe } from '../../worker/bench/request-mix';
import { discoverDataset, loadMix, serveScenarios } from '../../worker/bench/request-mix';
import { ConfigError } from '../../worker/src/config';
import { SECURITY_HEADERS } from '../../worker/src/http/headers';
import { get, MapSource, makeApp, readsOf, seedBucket, testEnv } from './helpers';

beforeAll(() => seedBucket());

/** The bench app with test settings (no response cache). */
function makeBenchApp(deps: BenchAppDeps = {}) {
  return createBenchApp({ responseCache: null, ...deps });
}

describe('SIMULATED_R2_LATENCY_MS', () => {
  it('defaults to 0, parses numbers, and rejects bad values', () => {
    expect(simulatedLatencyMs(testEnv())).toBe(0);
    expect(simulatedLatencyMs({ ...testEnv(), SIMULATED_R2_LATENCY_MS: '15' })).toBe(15);
    expect(() => simulatedLatencyMs({ ...testEnv(), SIMULATED_R2_LATENCY_MS: '-1' })).toThrow(ConfigError);
  });
});

describe('the floor route', () => {
  it('is not served by the production app', async () => {
    expect((await get(makeApp(), BENCH_FLOOR_PATH)).status).toBe(404);
  });

  it('answers a fixed data-shaped body through the same headers, reading nothing', async () => {
    const app = makeBenchApp();
    const env = testEnv();
    const first = await get(app, BENCH_FLOOR_PATH, { env });
    expect(first.status).toBe(200);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(first.headers.get(name)).toBe(value);
    expect(first.headers.get('Content-Type')).toBe('application/json');
    expect(first.headers.get('ETag')).toMatch(/^".+"$/);
    expect(readsOf(first).total).toBe(0);
    const body = (await first.json()) as { data: { histogram: number[] }[]; buckets: number[] };
    expect(body.data).toHaveLength(FLOOR_DATES);
    expect(body.buckets).toHaveLength(FLOOR_BUCKETS);
    for (const row of body.data) expect(row.histogram).toHaveLength(FLOOR_BUCKETS);
    const second = await get(makeBenchApp(), BENCH_FLOOR_PATH, { env });
    expect(await second.text()).toBe(JSON.stringify(body));
  });
});

describe('SIMULATED_R2_LATENCY_MS through the bench app', () => {
  const path = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130,20170125&metric=GC_MAX_PAUSE_MS';

  it('waits the latency once per R2 read the request makes, and only then', async () => {
    const waits: number[] = [];
    const sleep = (ms: number): Promise<void> => {
      waits.push(ms);
      return Promise.resolve();
    };
    const source = new MapSource();
    const app = makeBenchApp({ source: () => source, sleep });
    const env = { ...testEnv(), SIMULATED_R2_LATENCY_MS: '15' };
    const cold = await get(app, path, { env });
    expect(cold.status).toBe(200);
    expect(readsOf(cold).total).toBeGreaterThan(2);
    expect(waits).toEqual(new Array(readsOf(cold).total).fill(15));
    expect(source.gets).toHaveLength(waits.length);

    const warm = await get(app, path, { env });
    expect(readsOf(warm).total).toBe(0);
    expect(waits).toHaveLength(readsOf(cold).total);
  });

  it('waits nothing by default', async () => {
    const waits: number[] = [];
    const app = makeBenchApp({
      source: () => new MapSource(),
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    const response = await get(app, path);
    expect(response.status).toBe(200);
    expect(readsOf(response).total).toBeGreaterThan(0);
    expect(waits).toEqual([]);
  });

  it('adds Server-Timing with the debug headers', async () => {
    const response = await get(makeApp(), path);
    expect(response.headers.get('Server-Timing')).toMatch(/^worker;dur=\d+(\.\d+)?, r2;dur=\d+(\.\d+)?$/);
    const quiet = await get(makeApp(), path, { env: testEnv({ DEBUG_R2_READS: 'false' }) });
    expect(quiet.headers.get('Server-Timing')).toBeNull();
  });
});

describe('the benchmark and load request mixes', () => {
  const app = makeBenchApp();
  const env = testEnv();
  const probe: Probe = async (path) => {
    const response = await get(app, path, { env });
    return { status: response.status, body: await response.text() };
  };
  let dataset: BenchDataset;

  beforeAll(async () => {
    dataset = await discoverDataset(probe);
  });

  it('finds a version with dates, a metric, filters and a keyed metric in the data', () => {
    expect(dataset.buildIds.length).toBeGreaterThan(1);
    expect(dataset.submissionDates.length).toBeGreaterThan(1);
    expect(dataset.oneFilter.split('&')).toHaveLength(1);
    expect(dataset.threeFilters.split('&')).toHaveLength(3);
    expect(dataset.keyedLabel).not.toBe('');
    expect(dataset.otherMetrics.length).toBeGreaterThan(0);
  });

  it('every bench:serve scenario and every load request is answered 200', async () => {
    const paths = [...serveScenarios(dataset), ...loadMix(dataset)].map((request) => request.path);
    expect(new Set(paths).size).toBeGreaterThan(15);
    for (const path of paths) expect({ path, status: (await probe(path)).status }).toEqual({ path, status: 200 });
  });

  it('the filtered scenarios are narrower than the unfiltered one', async () => {
    const [none, one, three] = serveScenarios(dataset);
    const rows = async (path: string): Promise<number> => (JSON.parse((await probe(path)).body) as { data: unknown[] }).data.length;
    const totals = async (path: string): Promise<number> =>
      (JSON.parse((await probe(path)).body) as { data: { count: number }[] }).data.reduce((sum, row) => sum + row.count, 0);
    expect(await rows(three?.path as string)).toBeGreaterThan(0);
    expect(await totals(one?.path as string)).toBeLessThanOrEqual(await totals(none?.path as string));
    expect(await totals(three?.path as string)).toBeLessThan(await totals(none?.path as string));
  });
});
