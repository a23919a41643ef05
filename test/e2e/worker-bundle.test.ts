/**
 * The BUILT worker (wrangler's production bundle) in plain Miniflare, i.e. workerd without the
 * vitest pool's unsafe-eval binding: proves that shard decoding (msgpackr) works where code
 * generation from strings is disallowed, and that the bundle serves the API from local R2 state
 * written by the real builder.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../builder/src/build-command';
import { loadDefinitions } from '../../builder/src/definitions/load-definitions';
import { LocalR2Store } from '../../builder/src/publish/local-r2-store';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import type { ShardRow } from '../../worker/src/core/shard';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { manifestKey, shardKey } from '../../worker/src/core/storage-keys';
import { BUCKET, bundleWorker, ROOT, readWranglerSettings } from '../helpers/built-worker';
import { derivePings } from '../worker/fixtures/derive-pings';

const DATES = ['20170130', '20170131', '20170201'];

let dir: string;
let miniflare: Miniflare;
const stored = new Map<string, Uint8Array>();

async function fetchWorker(path: string, headers: Record<string, string> = {}) {
  const response = await miniflare.dispatchFetch(`https://aggregates.test${path}`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function storedRows(metric: string): ShardRow[] {
  const manifest = JSON.parse(new TextDecoder().decode(stored.get(manifestKey('submission_date', 'nightly', '54')))) as ManifestIndex;
  return Object.keys(manifest.metrics[metric] ?? {}).flatMap((period) => {
    const bytes = stored.get(shardKey('submission_date', 'nightly', '54', period, metric));
    return bytes ? decodeShardContent(bytes).rows : [];
  });
}

/** The expected sum per (date, label) of the rows matching `child`, computed without worker code. */
function expectedData(rows: ShardRow[], child?: string) {
  const out: { date: string; label: string; histogram: number[]; count: number; sum: number }[] = [];
  for (const date of DATES) {
    const byLabel = new Map<string, { date: string; label: string; histogram: number[]; count: number; sum: number }>();
    for (const row of rows) {
      if (row.date !== date || (child !== undefined && row.child !== child)) continue;
      const total = byLabel.get(row.label) ?? { date, label: row.label, histogram: [], count: 0, sum: 0 };
      byLabel.set(row.label, total);
      row.histogram.forEach((value, i) => {
        total.histogram[i] = (total.histogram[i] ?? 0) + Number(value);
      });
      total.count += Number(row.count);
      total.sum += Number(row.sum);
    }
    out.push(...[...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : 1)));
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'worker-bundle-'));
  const outdir = join(dir, 'dist');
  const scriptPath = await bundleWorker(outdir);

  const pingsDir = join(ROOT, 'test', 'fixtures', 'pings');
  const bases = await Promise.all(
    ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'].map(
      async (name) => JSON.parse(await readFile(join(pingsDir, name), 'utf8')) as Record<string, unknown>,
    ),
  );
  const input = join(dir, 'pings.ndjson');
  await writeFile(
    input,
    `${derivePings([bases[0]!, bases[1]!])
      .map((ping) => JSON.stringify(ping))
      .join('\n')}\n`,
  );
  const persistDir = join(dir, 'state');
  const store = await LocalR2Store.open({ persistDir, bucketName: BUCKET });
  try {
    await runBuild({ inputs: [input], store, definitions: await loadDefinitions(), selection: { sampleIdBelow: 100 } });
    for (const key of await store.list('v1/')) stored.set(key, (await store.get(key))!.bytes);
  } finally {
    await store.close();
  }

  const { compatibilityDate } = await readWranglerSettings();
  miniflare = new Miniflare({
    r2Persist: join(persistDir, 'v3', 'r2'),
    // No network: a placeholder Request.cf instead of fetching the real one.
    cf: false,
    workers: [
      {
        name: 'aggregates',
        scriptPath,
        modules: true,
        modulesRoot: outdir,
        compatibilityDate,
        r2Buckets: { AGGREGATES: BUCKET },
        bindings: { DEBUG_R2_READS: 'true' },
      },
      {
        // Shows that this runtime refuses code generation from strings, as production does.
        name: 'eval-probe',
        modules: true,
        compatibilityDate,
        script: `export default { fetch() {
          try { return new Response(String(new Function('return "eval allowed"')())); }
          catch (error) { return new Response('eval blocked: ' + error.message); }
        } }`,
      },
    ],
  });
  await miniflare.ready;
}, 180_000);

afterAll(async () => {
  await miniflare?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the bundled worker in plain Miniflare', () => {
  it('runs where eval is disallowed', async () => {
    const probe = await miniflare.getWorker('eval-probe');
    expect(await (await probe.fetch('https://probe.test/')).text()).toMatch(/^eval blocked/);
  });

  it('decodes shards and answers a data request (no eval in workerd)', async () => {
    const rows = storedRows('GC_MAX_PAUSE_MS');
    expect(rows.length).toBeGreaterThan(0);
    const path = `/aggregates_by/submission_date/channels/nightly/?version=54&dates=${DATES.join(',')}&metric=GC_MAX_PAUSE_MS&child=content`;
    const cold = await fetchWorker(path);
    expect(cold.status, cold.text).toBe(200);
    expect(Number(cold.headers.get('X-R2-Shard-Reads'))).toBe(2);
    const body = JSON.parse(cold.text) as { data: unknown[]; kind: string };
    expect(body.kind).toBe('linear');
    expect(body.data).toEqual(expectedData(rows, 'content'));

    const warm = await fetchWorker(path);
    expect(warm.text).toBe(cold.text);
    expect(warm.headers.get('X-R2-Reads')).toBe('0');

    const notModified = await fetchWorker(path, { 'If-None-Match': cold.headers.get('ETag')! });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('X-R2-Shard-Reads')).toBe('0');
  });

  it('serves the index endpoints, use counters and the headers', async () => {
    const channels = await fetchWorker('/aggregates_by/build_id/channels/');
    expect(channels.status).toBe(200);
    expect(JSON.parse(channels.text)).toEqual(['nightly']);
    expect(channels.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(channels.headers.get('X-Frame-Options')).toBe('DENY');
    expect((await fetchWorker('/aggregates_by/submission_date/channels/nightly/dates/')).status).toBe(200);
    expect((await fetchWorker('/filters/?channel=nightly&version=54')).status).toBe(200);
    const useCounter = await fetchWorker(
      `/aggregates_by/submission_date/channels/nightly/?version=54&dates=${DATES.join('%2C')}&metric=USE_COUNTER2_PROPERTY_FILL_DOCUMENT`,
    );
    expect(useCounter.status, useCounter.text).toBe(200);
    expect((await fetchWorker('/aggregates_by/build_id/channels/release/dates/')).status).toBe(403);
    expect((await fetchWorker('/status')).text).toBe('OK');
  });
});
