/**
 * Definitions per channel and version (--definitions DIR, docs/definitions.md): which file a
 * (channel, version) takes, that each group is aggregated and described with its own file,
 * resolved once per group, that metrics.json records the files, and that threads, partials and
 * merges give the same result.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import { EXIT } from '../../builder/src/cli/exit-status';
import type { DefinitionsDirectory } from '../../builder/src/definitions/definitions-directory';
import { resolveDefinitionFile, scanDefinitionsDirectory } from '../../builder/src/definitions/definitions-directory';
import { loadDefinitions } from '../../builder/src/definitions/load-definitions';
import { planBuild } from '../../builder/src/shards/plan-build';
import { checkIndexObject, MetricsSchema } from '../../worker/src/core/index-schemas';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { histogram, makePing } from '../helpers/pings';
import { runCli } from '../helpers/run-cli';

const VENDORED = path.join(path.dirname(new URL(import.meta.url).pathname), '../../builder/data/Histograms.json');

describe('which file a channel and version take', () => {
  const directory = (files: string[]): DefinitionsDirectory => ({
    root: '/defs',
    files: files.map((relative) => {
      const parts = relative.split('/');
      const name = parts.pop() as 'Histograms.json';
      const file: DefinitionsDirectory['files'][number] = { name, relative };
      for (const part of parts) {
        if (/^\d+$/.test(part)) Object.assign(file, { version: Number(part) });
        else Object.assign(file, { channel: part });
      }
      return file;
    }),
  });
  const all = directory([
    'Histograms.json',
    'nightly/Histograms.json',
    '50/Histograms.json',
    '58/Histograms.json',
    'nightly/55/Histograms.json',
    'nightly/58/Histograms.json',
    'beta/60/Histograms.json',
    '60/Scalars.yaml',
  ]);

  it.each([
    ['nightly', '60', 'nightly/58/Histograms.json'], // nearest at or below; the channel's own at the same version
    ['nightly', '58', 'nightly/58/Histograms.json'],
    ['nightly', '57', 'nightly/55/Histograms.json'], // nearer than 50/
    ['nightly', '54', '50/Histograms.json'], // nearer than nightly/ (unversioned)
    ['nightly', '45', 'nightly/Histograms.json'], // no version at or below: the channel's own unversioned
    ['beta', '59', '58/Histograms.json'],
    ['beta', '61', 'beta/60/Histograms.json'],
    ['beta', '45', 'Histograms.json'], // DIR's own
    ['release', '9999', '58/Histograms.json'],
  ])('%s %s: %s', (channel, version, file) => {
    expect(resolveDefinitionFile(all, 'Histograms.json', channel, version)).toBe(file);
  });

  it('each file on its own; none: the fallback (undefined)', () => {
    expect(resolveDefinitionFile(all, 'Scalars.yaml', 'nightly', '61')).toBe('60/Scalars.yaml');
    expect(resolveDefinitionFile(all, 'Scalars.yaml', 'nightly', '59')).toBeUndefined();
    expect(resolveDefinitionFile(directory(['60/Histograms.json']), 'Histograms.json', 'aurora', '59')).toBeUndefined();
  });
});

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'definitions-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let dirSeq = 0;
async function definitionsDir(files: Record<string, string>): Promise<string> {
  const root = path.join(tmp, `defs-${++dirSeq}`);
  for (const [relative, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), text);
  }
  return root;
}

describe('scanning a definitions directory', () => {
  it('lists the definition files, ignoring other files and hidden folders', async () => {
    const root = await definitionsDir({
      'Histograms.json': '{}',
      'README.md': 'notes',
      '.git/Histograms.json': '{}',
      'nightly/60/Histograms.json': '{}',
      'nightly/60/SOURCE.md': 'x',
      '61/Scalars.yaml': '',
    });
    expect(scanDefinitionsDirectory(root).files).toEqual([
      { name: 'Scalars.yaml', relative: '61/Scalars.yaml', version: 61 },
      { name: 'Histograms.json', relative: 'Histograms.json' },
      { name: 'Histograms.json', relative: 'nightly/60/Histograms.json', channel: 'nightly', version: 60 },
    ]);
  });

  it.each([
    ['a folder that is no channel or version', { 'Nightly/Histograms.json': '{}' }, /unexpected folder Nightly \(expected DIR\//],
    ['a channel inside a version', { '60/nightly/Histograms.json': '{}' }, /unexpected folder 60\/nightly/],
    ['a version inside a version', { '60/61/Histograms.json': '{}' }, /unexpected folder 60\/61/],
    ['no definition file at all', { 'nightly/README.md': '' }, /holds no definition file/],
  ])('rejects %s, with the layout in the message', async (_, files, message) => {
    expect(() => scanDefinitionsDirectory(path.join(tmp, 'missing'))).toThrow(/cannot read definitions directory/);
    const root = await definitionsDir(files);
    expect(() => scanDefinitionsDirectory(root)).toThrow(message);
  });
});

/** A Histograms.json holding the vendored GC_MS and these entries. */
async function histogramsJson(extra: Record<string, unknown>): Promise<string> {
  const vendored = JSON.parse(await readFile(VENDORED, 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ GC_MS: vendored.GC_MS, ...extra });
}

const NEW_PROBE = { kind: 'linear', low: 1, high: 10, n_buckets: 5, description: 'added in 60' };
const WIDER = { kind: 'linear', low: 1, high: 100, n_buckets: 20, description: 'redefined in 60' };

const on = (version: string, payload: Record<string, unknown>, channel = 'nightly') =>
  makePing(payload, { application: { version: `${version}.0a1`, channel } });
const probes = { NEW_PROBE: histogram({ '1': 1 }, 1, 1), GC_MS: histogram({ '1': 2 }, 2), GC_BUDGET_MS: histogram({ '1': 1 }, 1, 1) };

describe('aggregating with the definitions of each group', () => {
  let root: string;
  beforeAll(async () => {
    root = await definitionsDir({
      'nightly/60/Histograms.json': await histogramsJson({ NEW_PROBE, GC_BUDGET_MS: WIDER }),
    });
  });

  it("a probe only the newer file defines counts in that version only; a redefined one takes each file's buckets", async () => {
    const definitions = await loadDefinitions({ directory: root });
    const aggregator = new Aggregator(definitions);
    for (const version of ['54', '60', '61']) aggregator.addPing(on(version, { histograms: probes }));
    aggregator.addPing(on('60', { histograms: probes }, 'beta')); // beta has no file of its own: the vendored one
    const plan = planBuild(aggregator, definitions);
    const rows = (metric: string) =>
      plan.shards
        .filter((shard) => shard.identity.prefix === 'build_id' && shard.identity.metric === metric)
        .flatMap((shard) => shard.contributions().flatMap((c) => c.rows.map((row) => [`${c.channel}/${c.version}`, row.histogram.length])));
    expect(rows('NEW_PROBE')).toEqual([
      ['nightly/60', 5],
      ['nightly/61', 5],
    ]);
    // vendored GC_BUDGET_MS: linear(1, 100, 10); nightly/60's: 20 buckets
    expect(rows('GC_BUDGET_MS').sort()).toEqual([
      ['beta/60', 10],
      ['nightly/54', 10],
      ['nightly/60', 20],
      ['nightly/61', 20],
    ]);
    expect([...aggregator.stats.undefinedHistograms]).toEqual([['NEW_PROBE', 2]]);
    // and the metrics index of each version describes its own file's definitions
    expect(plan.indexes.metrics.get('nightly/60')?.metrics.GC_BUDGET_MS).toMatchObject({ description: 'redefined in 60' });
    expect(plan.indexes.metrics.get('nightly/54')?.metrics.GC_BUDGET_MS).toMatchObject({ buckets: { linear: [1, 100, 10] } });
    expect(plan.indexes.metrics.get('nightly/54')?.metrics.NEW_PROBE).toBeUndefined();
  });

  it('resolves the definitions once per dimension group, not per ping or histogram', async () => {
    const definitions = await loadDefinitions({ directory: root });
    const resolve = vi.spyOn(definitions, 'histogramsFor');
    const aggregator = new Aggregator(definitions);
    for (let i = 0; i < 20; i++) {
      aggregator.addPing(on('54', { histograms: probes }));
      aggregator.addPing(on('60', { histograms: probes }));
    }
    expect(resolve.mock.calls).toEqual([
      ['nightly', '54'],
      ['nightly', '60'],
    ]);
  });

  it('a definition file that is not JSON: exit 3, naming the file', async () => {
    const broken = await definitionsDir({ '60/Histograms.json': '{ not json' });
    const input = path.join(tmp, 'broken-input.ndjson');
    await writeFile(input, `${JSON.stringify(on('60', { histograms: probes }))}\n`);
    for (const threads of ['1', '2']) {
      const result = await runCli([
        'build',
        '--input',
        input,
        '--definitions',
        broken,
        '--partial',
        path.join(tmp, 'x'),
        '--threads',
        threads,
      ]);
      expect(result.code).toBe(EXIT.unreadable);
      expect(result.stderr).toMatch(new RegExp(`${path.join(broken, '60', 'Histograms.json')} is not a usable Histograms.json`));
    }
  });
});

describe('through the command line', () => {
  let root: string;
  let input: string;
  const sha256 = async (file: string) =>
    createHash('sha256')
      .update(await readFile(file))
      .digest('hex');

  beforeAll(async () => {
    root = await definitionsDir({ '60/Histograms.json': await histogramsJson({ NEW_PROBE }), 'README.md': 'where these came from' });
    input = path.join(tmp, 'versions.ndjson');
    const pings = ['54', '60', '60', '61'].map((version) => on(version, { histograms: probes }));
    await writeFile(input, `${pings.map((ping) => JSON.stringify(ping)).join('\n')}\n`);
  });

  async function build(...args: string[]): Promise<{ target: string; report: Record<string, unknown>; stderr: string }> {
    const target = path.join(tmp, `out-${++dirSeq}`);
    const reportFile = `${target}.json`;
    const result = await runCli(['build', '--input', input, '--target', `dir:${target}`, '--report', reportFile, '--quiet', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return { target, report: JSON.parse(await readFile(reportFile, 'utf8')) as Record<string, unknown>, stderr: result.stderr };
  }

  async function files(root: string, dir = root): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) for (const [k, v] of await files(root, full)) out.set(k, v);
      else out.set(path.relative(root, full), await readFile(full));
    }
    return out;
  }

  it('metrics.json and the report name the files each version used; the report no longer calls their probes skipped', async () => {
    const { target, report, stderr } = await build('--definitions', root);
    const metrics = async (version: string) =>
      JSON.parse(await readFile(path.join(target, 'v1', 'meta', 'nightly', version, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    const vendored = { file: 'builder/data/Histograms.json', sha256: await sha256(VENDORED) };
    const scalars = { file: 'builder/data/Scalars.yaml', sha256: await sha256(path.join(path.dirname(VENDORED), 'Scalars.yaml')) };
    const own = { file: '60/Histograms.json', sha256: await sha256(path.join(root, '60', 'Histograms.json')) };
    expect((await metrics('54')).definitions).toEqual({ histograms: [vendored], scalars: [scalars] });
    expect((await metrics('60')).definitions).toEqual({ histograms: [own], scalars: [scalars] });
    expect((await metrics('61')).definitions).toEqual({ histograms: [own], scalars: [scalars] });
    expect(checkIndexObject(MetricsSchema, await metrics('60')).ok).toBe(true);
    expect(report.definitions).toEqual({
      'nightly/54': { histograms: 'builder/data/Histograms.json', scalars: 'builder/data/Scalars.yaml' },
      'nightly/60': { histograms: '60/Histograms.json', scalars: 'builder/data/Scalars.yaml' },
      'nightly/61': { histograms: '60/Histograms.json', scalars: 'builder/data/Scalars.yaml' },
    });
    expect(stderr).toContain('definitions:     60/Histograms.json and builder/data/Scalars.yaml for nightly/60, nightly/61\n');
    // GC_BUDGET_MS is not in 60/Histograms.json (three pings), NEW_PROBE not in the vendored one (one)
    expect(stderr).toContain('not defined:     4 histograms (2 names)');
    const shard = decodeShardContent(
      new Uint8Array(await readFile(path.join(target, 'v1', 'build_id', 'nightly', '60', '201701', 'NEW_PROBE'))),
    );
    expect(shard.rows.map((row) => row.count)).toEqual([2]);
  });

  it('--threads 2, and build --partial + merge, publish the same bytes', async () => {
    const one = await files((await build('--definitions', root)).target);
    expect(await files((await build('--definitions', root, '--threads', '2')).target)).toEqual(one);
    const partial = path.join(tmp, 'versions.partial');
    expect((await runCli(['build', '--input', input, '--partial', partial, '--definitions', root, '--quiet'])).code).toBe(0);
    const merged = path.join(tmp, `merged-${++dirSeq}`);
    expect((await runCli(['merge', '--input', partial, '--target', `dir:${merged}`, '--definitions', root, '--quiet'])).code).toBe(0);
    expect(await files(merged)).toEqual(one);
  });

  it('a later build with other definitions adds them to metrics.json (its descriptions win)', async () => {
    const { target } = await build();
    const other = await definitionsDir({ 'nightly/Histograms.json': await histogramsJson({ NEW_PROBE }) });
    const again = await runCli(['build', '--input', input, '--target', `dir:${target}`, '--definitions', other, '--force', '--quiet']);
    expect(again.code).toBe(EXIT.incomplete); // --force: the build_id shards already held the date
    const metrics = JSON.parse(await readFile(path.join(target, 'v1', 'meta', 'nightly', '60', 'metrics.json'), 'utf8')) as {
      metrics: Record<string, unknown>;
      definitions: { histograms: { file: string }[] };
    };
    expect(metrics.definitions.histograms.map((source) => source.file)).toEqual([
      'builder/data/Histograms.json',
      'nightly/Histograms.json',
    ]);
    expect(metrics.metrics.NEW_PROBE).toMatchObject({ description: 'added in 60' });
  });
});
