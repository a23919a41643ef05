/**
 * Publishing is incremental and idempotent: re-running a build never double counts, builds of
 * separate submission dates add up to the build of all of them (in any order), and stored rows of
 * a different length (a definition that gained buckets) merge cell by cell.
 *
 * Everything goes through the CLI (`main`) into `dir:` targets; stored objects are compared byte
 * for byte and shards are decoded with the worker's codec.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';
import { decodeShardContent, encodeShard } from '../../worker/src/core/shard-codec';
import { histogram, makePing } from '../helpers/pings';
import type { GoldenHistogram } from '../helpers/reference-buckets';
import { denseOf, goldenLayout, loadGolden } from '../helpers/reference-buckets';
import { buildIntoDir } from '../helpers/run-cli';

const D1 = '20170130';
const D2 = '20170131';
const D3 = '20170201'; // another month: the build-id shard of January still receives it
const BUILD = '20170129030205';
const GC_MS_LAYOUT = goldenLayout(loadGolden().histograms.GC_MS as GoldenHistogram);

interface GcPing {
  date: string;
  buildId: string;
  values: Record<string, number>;
  sum: number;
  channel?: string;
  version?: string;
  os?: { name: string; version: string };
  e10s?: boolean;
}

const GC_PINGS: GcPing[] = [
  { date: D1, buildId: BUILD, values: { '1': 2, '14': 3 }, sum: 50 },
  { date: D1, buildId: BUILD, values: { '20': 1 }, sum: 20 },
  { date: D2, buildId: BUILD, values: { '268': 4, '1': 1 }, sum: 1100 },
  { date: D2, buildId: '20170131030205', values: { '2': 1 }, sum: 2, version: '55.0a1' },
  { date: D2, buildId: BUILD, values: { '3': 5 }, sum: 15, os: { name: 'Linux', version: '4.4.0-21' }, e10s: false },
  { date: D3, buildId: BUILD, values: { '14': 1 }, sum: 14 },
  { date: D3, buildId: '20170120030205', values: { '5': 1 }, sum: 5, channel: 'beta', version: '52.0' },
];

function pingOf(p: GcPing, index: number): Record<string, unknown> {
  return makePing(
    {
      histograms: { GC_MS: histogram(p.values, p.sum), CONTENT_DOCUMENTS_DESTROYED: histogram({ '0': index + 1 }, index + 1, 4) },
      keyedHistograms: { TELEMETRY_TEST_KEYED_FLAG: { [`key${index % 2}`]: histogram({ '1': 1 }, 1, 3) } },
      simpleMeasurements: { uptime: 10 * index },
      childPayloads: [{ histograms: { GC_MS: histogram({ '8': 1 }, 8) } }],
      processes: { parent: { scalars: { 'browser.engagement.tab_open_event_count': index } } },
    },
    {
      meta: { submissionDate: p.date, sampleId: index },
      application: { buildId: p.buildId, ...(p.channel ? { channel: p.channel } : {}), ...(p.version ? { version: p.version } : {}) },
      ...(p.os ? { os: p.os } : {}),
      ...(p.e10s !== undefined ? { settings: { e10sEnabled: p.e10s } } : {}),
    },
  );
}

interface Report {
  pings: { read: number; accepted: number; skipped: Record<string, number> };
  shards: { contributions: number; written: number; alreadyPublished: number };
  indexObjectsWritten: number;
  bytesWritten: number;
}

let tmp: string;
let input: string;
let runs = 0;

async function build(target: string, ...extra: string[]): Promise<Report> {
  const reportFile = path.join(tmp, `report-${++runs}.json`);
  const { code, stderr, report } = await buildIntoDir<Report>(input, target, reportFile, extra);
  expect(code, stderr).toBe(0);
  return report;
}

async function snapshot(root: string, dir = root, out = new Map<string, Buffer>()): Promise<Map<string, Buffer>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await snapshot(root, full, out);
    else out.set(path.relative(root, full).split(path.sep).join('/'), await readFile(full));
  }
  return out;
}

function expectSameObjects(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const differing = [...expected].filter(([key, bytes]) => !bytes.equals(actual.get(key) as Buffer)).map(([key]) => key);
  expect(differing).toEqual([]);
}

function shardKeys(objects: Map<string, Buffer>): string[] {
  return [...objects.keys()].filter((key) => !key.endsWith('.json'));
}

function shard(objects: Map<string, Buffer>, key: string): ShardContent {
  const bytes = objects.get(key);
  expect(bytes, key).toBeDefined();
  return decodeShardContent(new Uint8Array(bytes as Buffer));
}

/** The Windows parent row of build date 20170129 that pings of D1, D2 and D3 feed. */
function isMainRow(row: ShardRow): boolean {
  return row.date === BUILD.slice(0, 8) && row.os === 'Windows_NT' && row.child === 'parent' && row.label === '';
}

/** What that row must hold, from the ping list. */
function expectedMainRow(dates: readonly string[]): { histogram: number[]; sum: number; count: number } {
  const feeding = GC_PINGS.filter((p) => dates.includes(p.date) && p.buildId === BUILD && !p.os && !p.channel && !p.version);
  const histogram = new Array<number>(50).fill(0);
  for (const p of feeding)
    denseOf(GC_MS_LAYOUT, p.values).forEach((v, i) => {
      histogram[i] = (histogram[i] as number) + v;
    });
  return { histogram, sum: feeding.reduce((n, p) => n + p.sum, 0), count: feeding.length };
}

const GC_BUILD_SHARD = 'v1/build_id/nightly/54/201701/GC_MS';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'idempotent-publish-'));
  input = path.join(tmp, 'pings.ndjson');
  await writeFile(input, `${GC_PINGS.map((p, i) => JSON.stringify(pingOf(p, i))).join('\n')}\n`);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('re-running the same build', () => {
  let first: Report;
  let second: Report;
  let before: Map<string, Buffer>;
  let after: Map<string, Buffer>;
  let target: string;

  beforeAll(async () => {
    target = path.join(tmp, 'rerun');
    first = await build(target);
    before = await snapshot(target);
    second = await build(target);
    after = await snapshot(target);
  });

  it('writes every shard the first time', () => {
    expect(first.pings.accepted).toBe(GC_PINGS.length);
    expect(shardKeys(before).length).toBeGreaterThan(10);
    expect(first.shards.written).toBe(shardKeys(before).length);
    expect(first.shards.alreadyPublished).toBe(0);
  });

  it('leaves every published object byte-identical and says so in the report', () => {
    expectSameObjects(after, before);
    expect(second.pings.accepted).toBe(GC_PINGS.length);
    expect(second.shards.written).toBe(0);
    expect(second.shards.alreadyPublished).toBe(shardKeys(before).length);
    expect(second.indexObjectsWritten).toBe(0);
    expect(second.bytesWritten).toBe(0);
  });

  it('does not double count even when only the shards themselves record their submission dates', async () => {
    // Drop the per-version index objects (manifests, and any builder-side record of what each shard
    // holds): the shards' own `submissions` must still prevent a re-merge.
    const dropped = [...before.keys()].filter((key) => /^v1\/(build_id|submission_date)\/[^/]+\/[^/]+\/[^/]+\.json$/.test(key));
    expect(dropped.some((key) => key.endsWith('/manifest.json'))).toBe(true);
    for (const key of dropped) await unlink(path.join(target, ...key.split('/')));
    const third = await build(target);
    expect(third.shards.written).toBe(0);
    expectSameObjects(await snapshot(target), before);
    expect(shard(before, GC_BUILD_SHARD).rows.find(isMainRow)).toMatchObject(expectedMainRow([D1, D2, D3]));
  });
});

describe('building submission dates separately or together', () => {
  let together: Map<string, Buffer>;
  let forward: Map<string, Buffer>;
  let backward: Map<string, Buffer>;
  const reports: Report[] = [];

  beforeAll(async () => {
    await build(path.join(tmp, 'together'));
    together = await snapshot(path.join(tmp, 'together'));
    for (const date of [D1, D2, D3]) reports.push(await build(path.join(tmp, 'forward'), '--date', date));
    forward = await snapshot(path.join(tmp, 'forward'));
    for (const date of [D3, D2, D1]) await build(path.join(tmp, 'backward'), '--date', date);
    backward = await snapshot(path.join(tmp, 'backward'));
  });

  it('--date keeps only that date and counts the others', () => {
    const perDate = (date: string) => GC_PINGS.filter((p) => p.date === date).length;
    expect(reports.map((r) => r.pings.accepted)).toEqual([perDate(D1), perDate(D2), perDate(D3)]);
    expect(reports.map((r) => r.pings.skipped['other-submission-date'])).toEqual([D1, D2, D3].map((d) => GC_PINGS.length - perDate(d)));
  });

  it('gives byte-identical objects to one build of all dates, in either order', () => {
    expect(together.size).toBeGreaterThan(10);
    expectSameObjects(forward, together);
    expectSameObjects(backward, together);
  });

  it('a build-id shard fed by several submission dates holds them all and sums them', () => {
    for (const objects of [together, forward]) {
      const gc = shard(objects, GC_BUILD_SHARD);
      expect(gc.submissions).toEqual([D1, D2, D3]);
      expect(gc.rows.filter(isMainRow)).toHaveLength(1);
      expect(gc.rows.find(isMainRow)).toMatchObject(expectedMainRow([D1, D2, D3]));
    }
    // After the first date alone, the row held only that date's pings.
    expect(expectedMainRow([D1]).count).toBe(2);
    expect(expectedMainRow([D1, D2, D3]).count).toBe(4);
  });

  it('submission-date shards are per month of the submission date', () => {
    expect(shard(together, 'v1/submission_date/nightly/54/201701/GC_MS').submissions).toEqual([D1, D2]);
    expect(shard(together, 'v1/submission_date/nightly/54/201702/GC_MS').submissions).toEqual([D3]);
    const feb = shard(together, 'v1/submission_date/nightly/54/201702/GC_MS').rows.filter((r) => r.child === 'parent');
    expect(feb).toMatchObject([{ date: D3, sum: 14, count: 1 }]);
  });

  it('index objects are unions: channels, dates newest first, manifests', () => {
    const json = (key: string) => JSON.parse((together.get(key) as Buffer).toString('utf8')) as unknown;
    expect(json('v1/build_id/channels.json')).toEqual(['beta', 'nightly']);
    expect(json('v1/submission_date/nightly/dates.json')).toEqual([
      { date: D3, version: '54' },
      { date: D2, version: '55' },
      { date: D2, version: '54' },
      { date: D1, version: '54' },
    ]);
    expect(json('v1/build_id/nightly/dates.json')).toEqual([
      { date: '20170131', version: '55' },
      { date: '20170129', version: '54' },
    ]);
    const manifest = json('v1/submission_date/nightly/54/manifest.json') as { metrics: Record<string, Record<string, string>> };
    expect(Object.keys(manifest.metrics.GC_MS ?? {})).toEqual(['201701', '201702']);
  });

  it('--date for a date already published is a no-op', async () => {
    const target = path.join(tmp, 'forward');
    const again = await build(target, '--date', D2);
    expect(again.pings.accepted).toBe(GC_PINGS.filter((p) => p.date === D2).length);
    expect(again.shards.written).toBe(0);
    expect(again.shards.alreadyPublished).toBeGreaterThan(0);
    expect(again.indexObjectsWritten).toBe(0);
    expectSameObjects(await snapshot(target), together);
  });
});

describe('merging into stored rows of another length', () => {
  const OLD_DATE = '20170115';
  const oldRow = (os: string, histogram: number[], sum: number, count: number): ShardRow => ({
    date: BUILD.slice(0, 8),
    application: 'Firefox',
    architecture: 'x86-64',
    os,
    osVersion: '10.0',
    e10sEnabled: 'true',
    child: 'parent',
    label: '',
    histogram,
    sum,
    count,
  });
  // 10 cells: what a definition with fewer buckets would have stored.
  const shortCells = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  let merged: ShardContent;
  let objects: Map<string, Buffer>;

  beforeAll(async () => {
    const target = path.join(tmp, 'short');
    const existing: ShardContent = {
      prefix: 'build_id',
      channel: 'nightly',
      version: '54',
      period: '201701',
      metric: 'GC_MS',
      submissions: [OLD_DATE],
      rows: [oldRow('Windows_NT', shortCells, 1000, 7), oldRow('Darwin', shortCells, 55, 3)],
    };
    await mkdir(path.join(target, 'v1/build_id/nightly/54/201701'), { recursive: true });
    await writeFile(path.join(target, ...GC_BUILD_SHARD.split('/')), encodeShard(existing));
    await build(target);
    objects = await snapshot(target);
    merged = shard(objects, GC_BUILD_SHARD);
  });

  it('adds cell by cell, padding the shorter row, and keeps sum and count apart', () => {
    const fresh = expectedMainRow([D1, D2, D3]);
    // the new pings reach beyond the 10 stored cells, so padding is really exercised
    expect(fresh.histogram.slice(10).some((v) => v > 0)).toBe(true);
    const row = merged.rows.find(isMainRow);
    expect(row?.histogram).toHaveLength(50);
    expect(row?.histogram).toEqual(fresh.histogram.map((v, i) => v + (shortCells[i] ?? 0)));
    expect(row?.sum).toBe(fresh.sum + 1000);
    expect(row?.count).toBe(fresh.count + 7);
    expect(merged.submissions).toEqual([OLD_DATE, D1, D2, D3]);
  });

  it('keeps a stored row that the build does not touch as it was', () => {
    const darwin = merged.rows.filter((r) => r.os === 'Darwin');
    expect(darwin).toEqual([oldRow('Darwin', shortCells, 55, 3)]);
  });

  it('lists the merged shard in the manifest with the revision of the new bytes', () => {
    const manifest = JSON.parse((objects.get('v1/build_id/nightly/54/manifest.json') as Buffer).toString('utf8')) as {
      metrics: Record<string, Record<string, string>>;
    };
    const revision = createHash('sha256')
      .update(objects.get(GC_BUILD_SHARD) as Buffer)
      .digest('hex')
      .slice(0, 16);
    expect(manifest.metrics.GC_MS?.['201701']).toBe(revision);
  });
});
