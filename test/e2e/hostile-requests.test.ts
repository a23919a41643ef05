/**
 * 10,000 hostile data requests (worker/bench/hostile-mix.ts, the stream `npm run bench:hostile`
 * sends: names that do not exist, 16,000-character names and labels, versions nobody published)
 * through wrangler's production bundle in plain Miniflare, over data the builder published, with
 * real requests mixed in. No hostile request reads a shard, each answers 404 as an unknown one
 * would, and after every response each per-isolate memory (X-Isolate-Caches, DEBUG_R2_READS) is
 * within its bound, with the default bounds and with bounds small enough to be reached.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostileKind, HostileRequest } from '../../worker/bench/hostile-mix';
import { HOSTILE_KINDS, hostileRequests } from '../../worker/bench/hostile-mix';
import type { BuiltWorker, HttpResult } from '../helpers/built-worker';
import { buildPingsIntoLocalR2, bundleWorker, ROOT, startBuiltWorker, tempDir } from '../helpers/built-worker';
import { derivePings } from '../worker/fixtures/derive-pings';

const CHANNEL = 'nightly';
const VERSION = '54';
const REAL_METRICS = ['GC_MAX_PAUSE_MS', 'CREATE_EVENT_EVENTS', 'IPC_MESSAGE_SIZE', 'USE_COUNTER2_PROPERTY_FILL_PAGE'];
const CONCURRENCY = 8;
const DEBUG = { DEBUG_R2_READS: 'true' };
/** Small enough that the stream reaches them (the fixtures' shards are a few KB each). */
const SMALL_BOUNDS = { ...DEBUG, INDEX_CACHE_MB: '0.02', SHARD_CACHE_MB: '0.01', INDEX_CACHE_SECONDS: '1' };

let worker: BuiltWorker;
let removeTemp: () => Promise<void> = async () => {};
let buildIds: string[] = [];
let submissionDates: string[] = [];

interface StreamTotals {
  byKind: Record<HostileKind, { requests: number; statuses: Set<number>; shardReads: number; maxIndexReads: number }>;
  realStatuses: Map<number, number>;
  /** Each cache's largest accounted size seen, and its bound. */
  caches: Map<string, { used: number; bound: number }>;
  overBound: string[];
}

function datesOf(result: HttpResult): string[] {
  const entries = JSON.parse(result.text) as { date: string; version: string }[];
  return [...new Set(entries.filter((entry) => entry.version === VERSION).map((entry) => entry.date))].sort();
}

beforeAll(async () => {
  const temp = await tempDir('hostile-');
  removeTemp = temp.remove;
  const pingsDir = join(ROOT, 'test', 'fixtures', 'pings');
  const bases = await Promise.all(
    ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'].map(
      async (name) => JSON.parse(await readFile(join(pingsDir, name), 'utf8')) as Record<string, unknown>,
    ),
  );
  const [scriptPath, { persistDir }] = await Promise.all([
    bundleWorker(join(temp.path, 'dist')),
    buildPingsIntoLocalR2(derivePings([bases[0]!, bases[1]!]), temp.path),
  ]);
  worker = await startBuiltWorker({
    scriptPath,
    persistDir,
    instances: [
      { name: 'defaults', vars: DEBUG },
      { name: 'small', vars: SMALL_BOUNDS },
    ],
  });
  buildIds = datesOf(await worker.fetch(`/aggregates_by/build_id/channels/${CHANNEL}/dates/`));
  submissionDates = datesOf(await worker.fetch(`/aggregates_by/submission_date/channels/${CHANNEL}/dates/`));
}, 240_000);

afterAll(async () => {
  await worker?.dispose();
  await removeTemp();
});

/** A real request now and then: the caches fill with what real traffic leaves. */
function realRequest(i: number): string {
  const metric = REAL_METRICS[i % REAL_METRICS.length] as string;
  const [prefix, dates] = i % 2 === 0 ? ['build_id', buildIds] : ['submission_date', submissionDates];
  return `/aggregates_by/${prefix}/channels/${CHANNEL}/?version=${VERSION}&dates=${dates.join(',')}&metric=${metric}`;
}

async function stream(instance: string, requests: readonly HostileRequest[], realEvery: number): Promise<StreamTotals> {
  const totals: StreamTotals = {
    byKind: Object.fromEntries(
      HOSTILE_KINDS.map((kind) => [kind, { requests: 0, statuses: new Set<number>(), shardReads: 0, maxIndexReads: 0 }]),
    ) as StreamTotals['byKind'],
    realStatuses: new Map(),
    caches: new Map(),
    overBound: [],
  };
  const check = (result: HttpResult): void => {
    for (const part of (result.headers.get('X-Isolate-Caches') ?? '').split(', ')) {
      const [name, used, bound] = part.split(/[=/]/) as [string, string, string];
      if (Number(used) > Number(bound)) totals.overBound.push(part);
      if (Number(used) >= (totals.caches.get(name)?.used ?? -1)) totals.caches.set(name, { used: Number(used), bound: Number(bound) });
    }
  };
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      const request = requests[i] as HostileRequest;
      if (i % realEvery === 0) {
        const real = await worker.fetch(realRequest(i / realEvery), { worker: instance });
        totals.realStatuses.set(real.status, (totals.realStatuses.get(real.status) ?? 0) + 1);
        check(real);
      }
      const result = await worker.fetch(request.path, { worker: instance });
      const kind = totals.byKind[request.kind];
      kind.requests += 1;
      kind.statuses.add(result.status);
      kind.shardReads += Number(result.headers.get('X-R2-Shard-Reads'));
      kind.maxIndexReads = Math.max(kind.maxIndexReads, Number(result.headers.get('X-R2-Index-Reads')));
      check(result);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, run));
  return totals;
}

function expectNoShardReadAndBoundsHeld(totals: StreamTotals, count: number): void {
  expect(HOSTILE_KINDS.reduce((sum, kind) => sum + totals.byKind[kind].requests, 0)).toBe(count);
  for (const kind of HOSTILE_KINDS) {
    const k = totals.byKind[kind];
    expect(k.requests, kind).toBeGreaterThan(0);
    expect({ kind, statuses: [...k.statuses], shardReads: k.shardReads }).toEqual({ kind, statuses: [404], shardReads: 0 });
    // A version nobody published: its manifest and metrics index, once (then remembered as missing).
    expect(k.maxIndexReads, kind).toBeLessThanOrEqual(2);
  }
  expect(totals.byKind['long-name'].maxIndexReads).toBe(0);
  expect(totals.byKind['long-label'].maxIndexReads).toBe(0);
  expect(totals.overBound).toEqual([]);
  expect([...totals.caches.keys()].sort()).toEqual(
    ['empty-shards-bytes', 'index-bytes', 'index-entries', 'metric-kinds-bytes', 'shard-bytes', 'shard-loads', 'tokens'].sort(),
  );
}

/** `count` hostile requests (a real one every `realEvery`), checked: no shard read, 404s, bounds held, real ones 200. */
async function hostileStream(instance: string, count: number, realEvery: number): Promise<StreamTotals> {
  const target = { channel: CHANNEL, version: VERSION, buildIds, submissionDates, metric: 'GC_MAX_PAUSE_MS' };
  const totals = await stream(instance, hostileRequests(target, { count, seed: count, longLength: 16_000 }), realEvery);
  expectNoShardReadAndBoundsHeld(totals, count);
  expect([...totals.realStatuses.keys()]).toEqual([200]);
  return totals;
}

describe('a hostile request stream through the built worker', () => {
  it('10,000 requests: no shard read for any of them, every cache within its default bound', async () => {
    const totals = await hostileStream('defaults', 10_000, 50);
    // Nothing from the hostile names stays: the shard keys found empty are those of real metrics.
    const empty = totals.caches.get('empty-shards-bytes');
    expect(empty?.used).toBeLessThan(10_000);
    expect(totals.caches.get('index-entries')?.used).toBeLessThanOrEqual(totals.caches.get('index-entries')?.bound as number);
  }, 600_000);

  it('with bounds the stream reaches, they hold', async () => {
    const totals = await hostileStream('small', 3_000, 10);
    // The bounds were reached, not just respected from afar.
    for (const name of ['index-bytes', 'shard-bytes']) {
      const cache = totals.caches.get(name);
      expect(cache?.used, name).toBeGreaterThan((cache?.bound as number) / 2);
    }
  }, 600_000);
});
