/**
 * `builder trim` end to end: the real pings re-dated over five months (test/helpers/trim-dataset.ts)
 * are built through the CLI into a `dir:` target, then trimmed through the CLI. The result is
 * checked against the store as it was before, decoded with the worker's own codec and validators.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalR2Store } from '../../builder/src/publish/local-r2-store';
import type { TrimReport } from '../../builder/src/trim/trim-report';
import type { DatesIndex, LedgerIndex } from '../../worker/src/core/index-objects';
import type { ShardContent } from '../../worker/src/core/shard';
import { decodeShard, decodeShardContent } from '../../worker/src/core/shard-codec';
import {
  validateChannels,
  validateDates,
  validateFilters,
  validateManifest,
  validateMetrics,
} from '../../worker/src/storage/index-validation';
import { runCli as cli } from '../helpers/run-cli';
import { TRIM_BASE_DATE, TRIM_FIRST_KEPT, TRIM_KEEP_DAYS, TRIM_LAST_KEPT, trimDatasetNdjson } from '../helpers/trim-dataset';

type Objects = Map<string, Buffer>;

let tmp: string;
let built: string;
let original: Objects;
let seq = 0;

async function snapshot(root: string, dir = root, out: Objects = new Map()): Promise<Objects> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await snapshot(root, full, out);
    else out.set(path.relative(root, full).split(path.sep).join('/'), await readFile(full));
  }
  return out;
}

function expectSameObjects(actual: Objects, expected: Objects): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const differing = [...expected].filter(([key, bytes]) => !bytes.equals(actual.get(key) as Buffer)).map(([key]) => key);
  expect(differing).toEqual([]);
}

/** A fresh copy of the built store. */
async function copyOfBuilt(name: string): Promise<string> {
  const dir = path.join(tmp, `${++seq}-${name}`);
  await cp(built, dir, { recursive: true });
  return dir;
}

async function trim(dir: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string; report: TrimReport }> {
  const reportFile = path.join(tmp, `report-${++seq}.json`);
  const result = await cli([
    'trim',
    '--target',
    `dir:${dir}`,
    '--base-date',
    TRIM_BASE_DATE,
    '--keep-days',
    String(TRIM_KEEP_DAYS),
    '--report',
    reportFile,
    ...extra,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return { ...result, report: JSON.parse(await readFile(reportFile, 'utf8')) as TrimReport };
}

const json = <T>(objects: Objects, key: string): T => JSON.parse((objects.get(key) as Buffer).toString('utf8')) as T;
const shardKeys = (objects: Objects) => [...objects.keys()].filter((key) => !key.endsWith('.json'));
const decode = (objects: Objects, key: string): ShardContent => decodeShardContent(new Uint8Array(objects.get(key) as Buffer));
const inWindow = (date: string, first = TRIM_FIRST_KEPT, last = TRIM_LAST_KEPT) => date >= first && date <= last;
const revisionOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'trim-'));
  const input = path.join(tmp, 'pings.ndjson');
  await writeFile(input, trimDatasetNdjson());
  built = path.join(tmp, 'built');
  const { code } = await cli(['build', '--input', input, '--target', `dir:${built}`, '--quiet']);
  expect(code).toBe(0);
  original = await snapshot(built);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the data set', () => {
  it('spans whole trimmed, boundary and whole kept months on both prefixes', () => {
    const periods = (prefix: string) =>
      new Set(
        shardKeys(original)
          .filter((k) => k.startsWith(`v1/${prefix}/nightly/54/`))
          .map((k) => k.split('/')[4]),
      );
    expect([...periods('submission_date')].sort()).toEqual(['201612', '201701', '201702', '201703', '201704']);
    expect([...periods('build_id')].sort()).toEqual(['201612', '201701', '201702', '201703', '201704']);
    // the January build-id shard holds a trimmed (20170110) and a kept (20170118) build date
    const january = decode(original, 'v1/build_id/nightly/54/201701/GC_MS');
    expect(new Set(january.rows.map((r) => r.date))).toEqual(new Set(['20170110', '20170118']));
  });
});

describe('a dry run, then --apply', () => {
  let dir: string;
  let dry: Awaited<ReturnType<typeof trim>>;
  let applied: Awaited<ReturnType<typeof trim>>;
  let after: Objects;

  beforeAll(async () => {
    dir = await copyOfBuilt('apply');
    dry = await trim(dir);
    applied = await trim(dir, '--apply');
    after = await snapshot(dir);
  });

  it('the dry run changes nothing and says what it would do', async () => {
    expect(dry.report.applied).toBe(false);
    expect(dry.stdout).toContain('dry run, nothing changed');
    expect(dry.stdout).toMatch(/build_id\/nightly: keeping 20170117\.\.20170311; dates trimmed \d+ \(20161210/);
    expect(dry.report.actions.length).toBeGreaterThan(0);
    expect(dry.report.totals.shardsDeleted).toBeGreaterThan(0);
    expect(dry.report.totals.shardsRewritten).toBeGreaterThan(0);
    // compared after the apply ran on the same dir: a fresh dry run on a fresh copy
    const untouched = await copyOfBuilt('dry');
    await trim(untouched);
    expectSameObjects(await snapshot(untouched), original);
  });

  it('--apply carries out exactly the plan the dry run reported', () => {
    expect(applied.report.applied).toBe(true);
    expect(applied.stdout).toContain(': applied');
    expect(applied.report.actions).toEqual(dry.report.actions);
    expect(applied.report.totals).toEqual(dry.report.totals);
    expect(applied.report.channels).toEqual(dry.report.channels);
  });

  it('leaves no row dated outside the window, and every remaining shard decodes for the worker', () => {
    const keys = shardKeys(after);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const [, prefix, channel, version, period, metric] = key.split('/');
      const columns = decodeShard(new Uint8Array(after.get(key) as Buffer));
      expect(columns).toMatchObject({ prefix, channel, version, period, metric });
      const content = decode(after, key);
      expect(content.rows.length, key).toBeGreaterThan(0);
      for (const row of content.rows) expect(inWindow(row.date), `${key} ${row.date}`).toBe(true);
      if (prefix === 'submission_date') for (const date of content.submissions) expect(inWindow(date), `${key} ${date}`).toBe(true);
    }
  });

  it('keeps every row of a kept date exactly as it was, and deletes a shard only when none is left', () => {
    for (const key of shardKeys(original)) {
      const before = decode(original, key);
      const kept = before.rows.filter((row) => inWindow(row.date));
      if (kept.length === 0) {
        expect(after.has(key), key).toBe(false);
        continue;
      }
      expect(after.has(key), key).toBe(true);
      const now = decode(after, key);
      expect(now.rows, key).toEqual(kept);
      // build-id shards keep their submission dates (see trim-shard.ts); submission-date shards lose the trimmed ones
      expect(now.submissions, key).toEqual(
        before.prefix === 'build_id' ? before.submissions : before.submissions.filter((d) => inWindow(d)),
      );
      // a shard with nothing to trim is not rewritten at all
      if (kept.length === before.rows.length && now.submissions.length === before.submissions.length) {
        expect((after.get(key) as Buffer).equals(original.get(key) as Buffer), key).toBe(true);
      }
    }
  });

  it('rewrites the boundary months: January and March keep only their kept dates', () => {
    const january = decode(after, 'v1/build_id/nightly/54/201701/GC_MS');
    expect(new Set(january.rows.map((r) => r.date))).toEqual(new Set(['20170118']));
    expect(january.submissions).toEqual(decode(original, 'v1/build_id/nightly/54/201701/GC_MS').submissions);
    const march = decode(after, 'v1/submission_date/nightly/54/201703/GC_MS');
    expect(new Set(march.rows.map((r) => r.date))).toEqual(new Set(['20170308']));
    expect(march.submissions).toEqual(['20170308']);
    const rewritten = applied.report.actions.filter((a) => a.kind === 'rewrite-shard').map((a) => a.key);
    expect(rewritten).toContain('v1/build_id/nightly/54/201701/GC_MS');
    expect(rewritten).toContain('v1/submission_date/nightly/54/201703/GC_MS');
    expect(rewritten.every((key) => /\/2017(01|03)\//.test(key))).toBe(true);
  });

  it('drops the trimmed dates from dates.json and keeps the others', () => {
    for (const prefix of ['build_id', 'submission_date']) {
      for (const channel of ['nightly', 'aurora']) {
        const key = `v1/${prefix}/${channel}/dates.json`;
        const before = json<DatesIndex>(original, key);
        const now = validateDates(json<unknown>(after, key), key);
        expect(now).toEqual(before.filter((entry) => inWindow(entry.date)));
        expect(now.length).toBeLessThanOrEqual(before.length);
      }
    }
    expect(json<DatesIndex>(original, 'v1/build_id/nightly/dates.json').some((e) => !inWindow(e.date))).toBe(true);
  });

  it('every manifest entry names an existing shard by the revision of its bytes, and ledgers match the shards', () => {
    const manifests = [...after.keys()].filter((key) => key.endsWith('/manifest.json'));
    expect(manifests.length).toBeGreaterThan(0);
    for (const key of manifests) {
      const manifest = validateManifest(json<unknown>(after, key), key);
      const base = key.slice(0, -'manifest.json'.length);
      for (const [metric, periods] of Object.entries(manifest.metrics)) {
        for (const [period, revision] of Object.entries(periods)) {
          const shard = after.get(`${base}${period}/${metric}`);
          expect(shard, `${base}${period}/${metric}`).toBeDefined();
          expect(revision).toBe(revisionOf(shard as Buffer));
        }
      }
      const ledger = json<LedgerIndex>(after, `${base}ledger.json`);
      for (const [shardId, submissions] of Object.entries(ledger.shards)) {
        expect(submissions).toEqual(decode(after, `${base}${shardId}`).submissions);
      }
      // every remaining shard is listed
      const listed = shardKeys(after)
        .filter((k) => k.startsWith(base))
        .map((k) => k.slice(base.length));
      expect(listed.sort()).toEqual(
        Object.entries(manifest.metrics)
          .flatMap(([m, p]) => Object.keys(p).map((period) => `${period}/${m}`))
          .sort(),
      );
    }
  });

  it('removes a channel and a version with nothing left, and their meta objects', () => {
    for (const prefix of ['build_id', 'submission_date']) {
      expect(json<string[]>(original, `v1/${prefix}/channels.json`)).toContain('beta');
      expect(validateChannels(json<unknown>(after, `v1/${prefix}/channels.json`), 'channels')).toEqual(['aurora', 'nightly']);
      expect(after.has(`v1/${prefix}/beta/dates.json`)).toBe(false);
      expect([...after.keys()].filter((k) => k.startsWith(`v1/${prefix}/beta/`) || k.startsWith(`v1/${prefix}/nightly/55/`))).toEqual([]);
    }
    expect(original.has('v1/meta/nightly/55/filters.json')).toBe(true);
    expect([...after.keys()].filter((k) => k.startsWith('v1/meta/')).sort()).toEqual(
      ['aurora/53', 'nightly/54'].flatMap((cv) => [`v1/meta/${cv}/filters.json`, `v1/meta/${cv}/metrics.json`]),
    );
    for (const cv of ['aurora/53', 'nightly/54']) {
      validateFilters(json<unknown>(after, `v1/meta/${cv}/filters.json`), cv);
      validateMetrics(json<unknown>(after, `v1/meta/${cv}/metrics.json`), cv);
    }
    expect(applied.report.metaRemoved).toEqual(['beta/52', 'nightly/55']);
  });

  it('trims a local R2 bucket (Miniflare) to the same objects, through its conditional writes', async () => {
    // Two channels only (local R2 writes are slow): one trimmed away entirely, one partly.
    const persist = path.join(tmp, 'local-r2');
    const input = path.join(tmp, 'pings.ndjson');
    expect(
      (await cli(['build', '--input', input, '--target', 'local', '--persist-to', persist, '--channels', 'aurora,beta', '--quiet'])).code,
    ).toBe(0);
    const local = [
      '--target',
      'local',
      '--persist-to',
      persist,
      '--base-date',
      TRIM_BASE_DATE,
      '--keep-days',
      String(TRIM_KEEP_DAYS),
      '--channel-keep-days',
      'aurora=2',
    ];
    const first = await cli(['trim', ...local, '--apply']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/done: [1-9]\d* actions/);
    expect((await cli(['trim', ...local, '--apply'])).stdout).toContain('done: 0 actions');
    // the same channels of a dir: copy trimmed the same way
    const dirCopy = await copyOfBuilt('local-twin');
    await trim(dirCopy, '--channel-keep-days', 'aurora=2', '--apply');
    const twin = [...(await snapshot(dirCopy))].filter(([key]) => /^v1\/(build_id|submission_date|meta)\/(aurora|beta)\//.test(key));
    const store = await LocalR2Store.open({ persistDir: persist });
    try {
      const keys = await store.list('v1/');
      expect(keys.filter((key) => !key.endsWith('/channels.json')).sort()).toEqual(twin.map(([key]) => key).sort());
      for (const [key, bytes] of twin) expect(Buffer.from((await store.get(key))?.bytes ?? []).equals(bytes), key).toBe(true);
      for (const prefix of ['build_id', 'submission_date']) {
        expect(JSON.parse(new TextDecoder().decode((await store.get(`v1/${prefix}/channels.json`))?.bytes))).toEqual(['aurora']);
      }
    } finally {
      await store.close();
    }
  }, 180_000);

  it('a second trim is a no-op', async () => {
    const again = await trim(dir, '--apply');
    expect(again.report.actions).toEqual([]);
    expect(again.report.shardsInspected).toBe(0);
    expectSameObjects(await snapshot(dir), after);
  });
});

describe('options', () => {
  it('--prefix build_id leaves submission_date alone', async () => {
    const dir = await copyOfBuilt('prefix');
    const { report } = await trim(dir, '--prefix', 'build_id', '--apply');
    expect(report.actions.every((a) => a.key.startsWith('v1/build_id/') || a.key.startsWith('v1/meta/'))).toBe(true);
    const after = await snapshot(dir);
    const untouched = (objects: Objects) => [...objects].filter(([k]) => k.startsWith('v1/submission_date/'));
    expect(untouched(after)).toEqual(untouched(original));
    // nightly 55 and beta 52 still have submission-date data, so their meta objects stay
    expect(report.metaRemoved).toEqual([]);
    expect(after.has('v1/meta/beta/52/filters.json')).toBe(true);
  });

  it('--channel-keep-days shortens one channel only', async () => {
    const dir = await copyOfBuilt('channel');
    const plain = await trim(dir);
    const { report } = await trim(dir, '--channel-keep-days', 'aurora=2', '--apply');
    const aurora = report.channels.filter((c) => c.channel === 'aurora');
    expect(aurora.map((c) => c.window)).toEqual([
      { first: '20170303', last: TRIM_LAST_KEPT },
      { first: '20170303', last: TRIM_LAST_KEPT },
    ]);
    expect(plain.report.channels.filter((c) => c.channel === 'aurora').every((c) => c.datesTrimmed.entries === 0)).toBe(true);
    expect(aurora.every((c) => c.datesTrimmed.sample.join() === '20170301')).toBe(true);
    // everything but aurora is trimmed exactly as without the override
    const notAurora = (r: TrimReport) => r.actions.filter((a) => !a.key.includes('/aurora/'));
    expect(notAurora(report)).toEqual(notAurora(plain.report));
    const after = await snapshot(dir);
    for (const key of shardKeys(after).filter((k) => k.includes('/aurora/'))) {
      for (const row of decode(after, key).rows) expect(row.date >= '20170303').toBe(true);
    }
    expect(json<DatesIndex>(after, 'v1/submission_date/aurora/dates.json')).toEqual([{ date: '20170306', version: '53' }]);
  });

  it('defaults: 730 days before today (UTC) plus a 7-day buffer', async () => {
    const dir = await copyOfBuilt('defaults');
    const reportFile = path.join(tmp, 'defaults.json');
    const result = await cli(['trim', '--target', `dir:${dir}`, '--report', reportFile, '--quiet']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as TrimReport;
    expect(report.policy).toMatchObject({ keepDays: 730, bufferDays: 7, channelKeepDays: {} });
    expect(report.policy.baseDate).toBe(new Date().toISOString().slice(0, 10).replaceAll('-', ''));
    // the 2017 data is older than two years: all of it would go, and the dry run kept it
    expect(report.channels.every((c) => c.datesKept.entries === 0)).toBe(true);
    expectSameObjects(await snapshot(dir), original);
  });
});

describe('command line', () => {
  it.each([
    [['trim'], '--target is required'],
    [['trim', '--target', 'dir:/nowhere', '--base-date', '20170230'], '--base-date must be YYYYMMDD'],
    [['trim', '--target', 'dir:/nowhere', '--keep-days', '1.5'], '--keep-days must be a whole number'],
    [['trim', '--target', 'dir:/nowhere', '--channel-keep-days', 'esr=3'], 'unknown channel "esr"'],
    [['trim', '--target', 'dir:/nowhere', '--channel-keep-days', 'nightly'], 'expected CHANNEL=DAYS'],
    [['trim', '--target', 'dir:/nowhere', '--prefix', 'builds'], '--prefix must be build_id or submission_date'],
    [['trim', '--target', 'dir:'], 'dir: needs a path'],
    [['trim', '--target', 's3:bucket'], 'unknown target'],
    [['trim', '--target', 'dir:/nowhere', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2 with a usage message', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('builder trim --help');
    expect(result.stdout).toBe('');
  });

  it('--help explains the defaults', async () => {
    const result = await cli(['trim', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--keep-days N');
    expect(result.stdout).toContain('default 730');
    expect(result.stdout).toContain('A dry run by default');
  });

  it('the builder help lists trim', async () => {
    expect((await cli(['--help'])).stdout).toContain('builder trim');
  });

  it('an empty target has nothing to trim', async () => {
    const result = await cli(['trim', '--target', `dir:${path.join(tmp, 'empty')}`, '--apply']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('done: 0 actions');
  });

  it('a shard that is not a shard fails clearly with status 1', async () => {
    const dir = await copyOfBuilt('corrupt');
    await writeFile(path.join(dir, 'v1/build_id/nightly/54/201701/GC_MS'), 'not msgpack');
    const result = await cli([
      'trim',
      '--target',
      `dir:${dir}`,
      '--base-date',
      TRIM_BASE_DATE,
      '--keep-days',
      String(TRIM_KEEP_DAYS),
      '--apply',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('v1/build_id/nightly/54/201701/GC_MS: not a readable shard');
    const after = await snapshot(dir);
    // nothing was changed: the plan is made before anything is written
    expect([...after.keys()].sort()).toEqual([...original.keys()].sort());
  });
});
