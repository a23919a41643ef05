/**
 * The builder's command line: arguments, exit codes and messages, every input form, the ping
 * selection options and the JSON report. Most cases call `main()` in-process (fast); the ones
 * that need a real process (stdin, exit status, a target that must not hang) spawn
 * `node --import tsx builder/src/cli.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_OPTIONS } from '../../builder/src/cli/build-command-line';
import { SHARED_OPTIONS } from '../../builder/src/cli/shared-options';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { histogram, makePing } from '../helpers/pings';
import { runCli as cli } from '../helpers/run-cli';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STACK_LINE = /\n\s+at .+:\d+/;

interface Report {
  target: string;
  inputs: number;
  inputBytes: number;
  pings: { read: number; accepted: number; skipped: Record<string, number> };
  metrics: { skipped: Record<string, number>; withoutDefinition: { names: number; occurrences: number; examples: string[] } };
  shards: { contributions: number; written: number; alreadyPublished: number };
  definitions: Record<string, { histograms: string; scalars: string }>;
  indexObjectsWritten: number;
  bytesWritten: number;
  seconds: number;
}

let tmp: string;
let seq = 0;
/** A fresh path under the temp dir. */
function fresh(name: string): string {
  return path.join(tmp, `${++seq}-${name}`);
}

/** Runs the CLI as a child process (`node --import tsx builder/src/cli.ts`, or the given node arguments). */
function spawnCli(
  args: string[],
  stdin?: string | Buffer,
  timeoutMs = 90_000,
  entry = ['--import', 'tsx', 'builder/src/cli.ts'],
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}

async function readReport(file: string): Promise<Report> {
  return JSON.parse(await readFile(file, 'utf8')) as Report;
}

async function listFiles(root: string, dir = root, out = new Map<string, Buffer>()): Promise<Map<string, Buffer>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await listFiles(root, full, out);
    else out.set(path.relative(root, full).split(path.sep).join('/'), await readFile(full));
  }
  return out;
}

/** A build into a fresh dir target; returns the exit code, the report and the target. */
async function buildTo(inputArgs: string[], ...extra: string[]): Promise<{ code: number; stderr: string; report: Report; target: string }> {
  const target = fresh('out');
  const reportFile = fresh('report.json');
  const { code, stderr } = await cli(['build', ...inputArgs, '--target', `dir:${target}`, '--report', reportFile, '--quiet', ...extra]);
  expect(code, stderr).toBe(0);
  return { code, stderr, report: await readReport(reportFile), target };
}

// ---------------------------------------------------------------------------------------------
// Inputs

const SCALAR = 'browser.engagement.tab_open_event_count';
const SCALAR_METRIC = 'SCALARS_BROWSER.ENGAGEMENT.TAB_OPEN_EVENT_COUNT';

/** A small ping whose tab_open_event_count scalar is its sampleId. */
function samplePing(sampleId: number, overrides: Parameters<typeof makePing>[1] = {}): Record<string, unknown> {
  return makePing(
    {
      histograms: { GC_MS: histogram({ '1': 1 }, 1), NOT_A_DEFINED_HISTOGRAM: histogram({ '1': 1 }, 1) },
      processes: { parent: { scalars: { [SCALAR]: sampleId } } },
    },
    { ...overrides, meta: { sampleId, ...overrides.meta } },
  );
}

const BASIC = [
  samplePing(1),
  samplePing(2, { meta: { submissionDate: '20170131' } }),
  samplePing(3, { application: { channel: 'beta', version: '52.0' } }),
];
const ndjson = (pings: unknown[]) => `${pings.map((p) => JSON.stringify(p)).join('\n')}\n`;

let plainFile: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'builder-cli-'));
  plainFile = path.join(tmp, 'basic.ndjson');
  await writeFile(plainFile, ndjson(BASIC));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('help and argument errors (exit 2)', () => {
  it('--help documents every option and exits 0 (also -h, help, build --help)', async () => {
    const parsed = Object.keys({ ...SHARED_OPTIONS, ...BUILD_OPTIONS });
    const required = [
      'input',
      'target',
      'date',
      'channels',
      'sample',
      'histograms',
      'scalars',
      'persist-to',
      'bucket',
      'report',
      'quiet',
      'help',
    ];
    for (const option of required) expect(parsed).toContain(option);
    for (const args of [['--help'], ['-h'], ['help'], ['build', '--help']]) {
      const { code, stdout } = await cli(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toMatch(/^Usage: builder build --input PATH/);
      for (const option of parsed) expect(stdout, option).toContain(`--${option}`);
      for (const word of ['local', 'dir:PATH', 'YYYYMMDD', 'FRACTION', 'stdin', 'gzip', 'Exit status']) expect(stdout).toContain(word);
    }
  });

  it.each([
    ['no arguments', [], /Usage: builder build/],
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown option', ['build', '--input', 'x', '--target', 'dir:y', '--bogus'], /bogus/],
    ['no --input', ['build', '--target', 'dir:T'], /--input is required/],
    ['no --target', ['build', '--input', 'INPUT'], /--target is required/],
    ['an unknown target', ['build', '--input', 'INPUT', '--target', 'ftp:somewhere'], /unknown target "ftp:somewhere"/],
    ['an empty dir: target', ['build', '--input', 'INPUT', '--target', 'dir:'], /dir: needs a path/],
    [
      'a --date with dashes',
      ['build', '--input', 'INPUT', '--target', 'dir:T', '--date', '2017-01-30'],
      /--date must be YYYYMMDD \(a calendar date\), got "2017-01-30"/,
    ],
    ['a short --date', ['build', '--input', 'INPUT', '--target', 'dir:T', '--date', '201701'], /--date must be YYYYMMDD/],
    [
      'a --date that is no calendar date',
      ['build', '--input', 'INPUT', '--target', 'dir:T', '--date', '20171301'],
      /--date must be YYYYMMDD \(a calendar date\), got "20171301"/,
    ],
    ['--sample 0', ['build', '--input', 'INPUT', '--target', 'dir:T', '--sample', '0'], /--sample must be a fraction in \(0, 1\], got "0"/],
    ['--sample 1.5', ['build', '--input', 'INPUT', '--target', 'dir:T', '--sample', '1.5'], /--sample must be a fraction/],
    ['--sample abc', ['build', '--input', 'INPUT', '--target', 'dir:T', '--sample', 'abc'], /--sample must be a fraction/],
    ['an unknown channel', ['build', '--input', 'INPUT', '--target', 'dir:T', '--channels', 'nightly,esr'], /unknown channel\(s\): esr/],
  ])('%s: exit 2 with a clear message, nothing written', async (_, args, message) => {
    const target = fresh('never');
    const resolved = args.map((a) => (a === 'INPUT' ? plainFile : a === 'dir:T' ? `dir:${target}` : a));
    const { code, stdout, stderr } = await cli(resolved);
    expect(code).toBe(2);
    expect(`${stdout}${stderr}`).toMatch(message);
    if (stderr) expect(stderr).toMatch(/^builder: .+\nRun "builder --help" for usage\.\n$/);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(existsSync(target)).toBe(false);
  });
});

describe('unreadable input or unwritable target (exit 3)', () => {
  it.each([
    ['a missing file', () => [path.join(tmp, 'missing.ndjson')], /input not found: .*missing\.ndjson/],
    ['a glob matching nothing', () => [path.join(tmp, 'nothing-*.ndjson')], /no file matches .*nothing-\*\.ndjson/],
    ['an empty directory', () => [path.join(tmp, 'empty-dir')], /directory has no files: .*empty-dir/],
  ])('%s', async (_, inputs, message) => {
    await mkdir(path.join(tmp, 'empty-dir'), { recursive: true });
    const { code, stderr } = await cli(['build', '--input', ...inputs(), '--target', `dir:${fresh('out')}`, '--quiet']);
    expect(code).toBe(3);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^builder: /);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('a corrupt gzip input', async () => {
    const corrupt = fresh('corrupt.ndjson.gz');
    await writeFile(corrupt, Buffer.concat([gzipSync(ndjson(BASIC)).subarray(0, 12), Buffer.from('this is not deflate data')]));
    const { code, stderr } = await cli(['build', '--input', corrupt, '--target', `dir:${fresh('out')}`, '--quiet']);
    expect(code).toBe(3);
    expect(stderr).toContain(corrupt);
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('a dir: target under a regular file', async () => {
    const file = fresh('a-file');
    await writeFile(file, 'not a directory');
    const { code, stderr } = await cli(['build', '--input', plainFile, '--target', `dir:${path.join(file, 'out')}`, '--quiet']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^builder: cannot write to .*a-file\/out/);
    expect(stderr).not.toMatch(STACK_LINE);
  });
});

describe('input forms', () => {
  let reference: { report: Report; files: Map<string, Buffer> };

  beforeAll(async () => {
    const { report, target } = await buildTo(['--input', plainFile]);
    reference = { report, files: await listFiles(target) };
  });

  it('a plain NDJSON file', () => {
    expect(reference.report.inputs).toBe(1);
    expect(reference.report.pings).toEqual({ read: BASIC.length, accepted: BASIC.length, skipped: {} });
    expect(reference.report.inputBytes).toBe(Buffer.byteLength(ndjson(BASIC)));
    expect(reference.files.size).toBeGreaterThan(5);
  });

  async function expectSameBuild(inputArgs: string[], inputs: number): Promise<void> {
    const { report, target } = await buildTo(inputArgs);
    expect(report.inputs).toBe(inputs);
    expect(report.pings).toEqual(reference.report.pings);
    const files = await listFiles(target);
    expect([...files.keys()].sort()).toEqual([...reference.files.keys()].sort());
    for (const [key, bytes] of reference.files) expect(bytes.equals(files.get(key) as Buffer), key).toBe(true);
  }

  it('a .gz file', async () => {
    const file = fresh('basic.ndjson.gz');
    await writeFile(file, gzipSync(ndjson(BASIC)));
    await expectSameBuild(['--input', file], 1);
  });

  it('a gzip file without the .gz extension (magic bytes)', async () => {
    const file = fresh('basic.data');
    await writeFile(file, gzipSync(ndjson(BASIC)));
    await expectSameBuild(['--input', file], 1);
  });

  it('a directory, read recursively (plain and gzip files mixed)', async () => {
    const dir = fresh('dir');
    await mkdir(path.join(dir, 'nested'), { recursive: true });
    await writeFile(path.join(dir, 'a.ndjson'), ndjson(BASIC.slice(0, 1)));
    await writeFile(path.join(dir, 'nested', 'b.ndjson.gz'), gzipSync(ndjson(BASIC.slice(1))));
    await expectSameBuild(['--input', dir], 2);
  });

  it('a glob', async () => {
    const dir = fresh('glob');
    await mkdir(dir);
    await writeFile(path.join(dir, 'part-1.ndjson'), ndjson(BASIC.slice(0, 2)));
    await writeFile(path.join(dir, 'part-2.ndjson'), ndjson(BASIC.slice(2)));
    await writeFile(path.join(dir, 'other.txt'), 'not json\n');
    await expectSameBuild(['--input', path.join(dir, 'part-*.ndjson')], 2);
  });

  it('several paths after --input, and --input repeated', async () => {
    const dir = fresh('several');
    await mkdir(dir);
    const files = BASIC.map((_, i) => path.join(dir, `p${i}.ndjson`));
    await Promise.all(files.map((file, i) => writeFile(file, ndjson([BASIC[i]]))));
    await expectSameBuild(['--input', files[0] as string, files[1] as string, '--input', files[2] as string], 3);
  });

  it('JSON documents, by content: a pretty-printed ping per .json file, a JSON array (plain or gzip, any name)', async () => {
    const dir = fresh('documents');
    await mkdir(dir);
    await writeFile(path.join(dir, 'one.json'), JSON.stringify(BASIC[0], null, 2));
    await writeFile(path.join(dir, 'rest.data'), gzipSync(JSON.stringify(BASIC.slice(1), null, 2)));
    await expectSameBuild(['--input', dir], 2);
    await expectSameBuild(['--input', dir, '--threads', '2'], 2);
  });

  it('the real pretty-printed pings of test/fixtures/pings, as they are: each file one ping', async () => {
    const pings = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));
    const files = (await readdir(pings)).filter((name) => name.endsWith('.json')).map((name) => path.join(pings, name));
    const { report } = await buildTo(['--input', ...files]);
    // the two FF54 pings carry the pipeline's meta; the other three do not
    expect(report.pings).toEqual({ read: 5, accepted: 2, skipped: { 'bad-sample-id': 3 } });
  });

  it('a line that is not JSON is skipped and counted; the build still exits 0', async () => {
    const file = fresh('with-garbage.ndjson');
    await writeFile(
      file,
      `${JSON.stringify(BASIC[0])}\n{"truncated": \n\n${JSON.stringify(BASIC[1])}\nnot json at all\n${JSON.stringify(BASIC[2])}`,
    );
    const { report, stderr } = await buildTo(['--input', file]);
    expect(report.pings).toEqual({ read: BASIC.length + 2, accepted: BASIC.length, skipped: { 'invalid-json': 2 } });
    expect(stderr).toMatch(/pings skipped:\s+2 invalid-json/);
  });
});

describe('ping selection', () => {
  const hundred = Array.from({ length: 100 }, (_, sampleId) => samplePing(sampleId));
  let file: string;

  beforeAll(async () => {
    file = fresh('hundred.ndjson');
    await writeFile(file, ndjson(hundred));
  });

  async function scalarRow(target: string) {
    const bytes = await readFile(path.join(target, 'v1', 'build_id', 'nightly', '54', '201701', SCALAR_METRIC));
    const rows = decodeShardContent(new Uint8Array(bytes)).rows;
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  it.each([
    [0.5, 50],
    [0.07, 7], // 0.07 * 100 is 7.000000000000001 in floating point
    [0.56, 56],
    [0.29, 29], // 0.29 * 100 is 28.999999999999996
    [1, 100],
  ])('--sample %s keeps exactly the pings with sampleId < %s', async (fraction, below) => {
    const { report, target } = await buildTo(['--input', file], '--sample', String(fraction));
    expect(report.pings.accepted).toBe(below);
    expect(report.pings.skipped).toEqual(below < 100 ? { 'sampled-out': 100 - below } : {});
    // the scalar of each ping is its sampleId: the kept ones are exactly 0 .. below-1
    const row = await scalarRow(target);
    expect(row).toMatchObject({ count: below, sum: (below * (below - 1)) / 2 });
  });

  it('--channels keeps only the listed channels and counts the others', async () => {
    const pings = ['nightly', 'beta', 'release', 'aurora', 'beta'].map((channel, i) => samplePing(i, { application: { channel } }));
    const input = fresh('channels.ndjson');
    await writeFile(input, ndjson([...pings, samplePing(9, { application: { channel: 'esr' } })]));
    const { report, target } = await buildTo(['--input', input], '--channels', 'nightly,beta');
    expect(report.pings.accepted).toBe(3);
    expect(report.pings.skipped).toEqual({ 'channel-not-selected': 2, 'unsupported-channel': 1 });
    const channels = JSON.parse(await readFile(path.join(target, 'v1', 'build_id', 'channels.json'), 'utf8')) as string[];
    expect(channels).toEqual(['beta', 'nightly']);
  });

  it('--date keeps only that submission date and counts the others', async () => {
    const input = fresh('dates.ndjson');
    const dates = ['20170129', '20170130', '20170130', '20170131'];
    await writeFile(input, ndjson(dates.map((submissionDate, i) => samplePing(i, { meta: { submissionDate } }))));
    const { report, target } = await buildTo(['--input', input], '--date', '20170130');
    expect(report.pings.accepted).toBe(2);
    expect(report.pings.skipped).toEqual({ 'other-submission-date': 2 });
    const listed = JSON.parse(await readFile(path.join(target, 'v1', 'submission_date', 'nightly', 'dates.json'), 'utf8')) as unknown;
    expect(listed).toEqual([{ date: '20170130', version: '54' }]);
  });
});

describe('--report FILE', () => {
  it('writes the JSON report: pings read/accepted/skipped by reason, metrics skipped, shards and bytes written, seconds', async () => {
    const input = fresh('report.ndjson');
    const lines = [...BASIC, samplePing(100), samplePing(7, { application: { name: 'Fennec' } })].map((p) => JSON.stringify(p));
    await writeFile(input, `${lines.join('\n')}\nnot json\n`);
    const started = Date.now();
    const { report, target, stderr } = await buildTo(['--input', input]);
    const elapsed = (Date.now() - started) / 1000;
    expect(report.target).toContain(target);
    expect(report.pings).toEqual({
      read: BASIC.length + 3,
      accepted: BASIC.length,
      skipped: { 'bad-sample-id': 1, fennec: 1, 'invalid-json': 1 },
    });
    // NOT_A_DEFINED_HISTOGRAM in each accepted ping: reported apart, not as a skip
    expect(report.metrics.skipped['no-definition']).toBeUndefined();
    expect(report.metrics.withoutDefinition).toEqual({ names: 1, occurrences: BASIC.length, examples: ['NOT_A_DEFINED_HISTOGRAM'] });
    expect(report.definitions).toEqual({
      'beta/52': { histograms: 'builder/data/Histograms.json', scalars: 'builder/data/Scalars.yaml' },
      'nightly/54': { histograms: 'builder/data/Histograms.json', scalars: 'builder/data/Scalars.yaml' },
    });
    expect(stderr).toContain(
      '  definitions:     builder/data/Histograms.json and builder/data/Scalars.yaml for beta/52, nightly/54\n' +
        '  not defined:     3 histograms (1 names) not aggregated: the definitions above do not define them\n' +
        '                   (probes newer or older than those files, or no probes), e.g. NOT_A_DEFINED_HISTOGRAM\n',
    );
    expect(stderr).not.toContain('no-definition');
    const files = await listFiles(target);
    const shards = [...files.keys()].filter((key) => !key.endsWith('.json'));
    expect(report.shards.written).toBe(shards.length);
    expect(report.shards.alreadyPublished).toBe(0);
    expect(report.indexObjectsWritten).toBe(files.size - shards.length);
    expect(report.bytesWritten).toBe([...files.values()].reduce((n, b) => n + b.byteLength, 0));
    expect(report.seconds).toBeGreaterThan(0);
    expect(report.seconds).toBeLessThanOrEqual(elapsed + 0.5);
    // the human-readable report goes to stderr
    expect(stderr).toMatch(/pings read:\s+6/);
    expect(stderr).toMatch(/pings accepted:\s+3/);
    expect(stderr).toMatch(new RegExp(`shards written:\\s+${shards.length}`));
    expect((await stat(path.join(target))).isDirectory()).toBe(true);
  });
});

// Real processes are slow to start (tsx + Miniflare): only what needs one is spawned, concurrently.
describe.concurrent('as a child process', () => {
  it('reads pings from stdin with --input -', async ({ expect }) => {
    const target = fresh('stdin-out');
    const reportFile = fresh('stdin-report.json');
    const result = await spawnCli(
      ['build', '--input', '-', '--target', `dir:${target}`, '--report', reportFile, '--quiet'],
      `${ndjson(BASIC)}garbage\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    const report = await readReport(reportFile);
    expect(report.pings).toEqual({ read: BASIC.length + 1, accepted: BASIC.length, skipped: { 'invalid-json': 1 } });
    expect(existsSync(path.join(target, 'v1', 'build_id', 'nightly', '54', '201701', 'GC_MS'))).toBe(true);
    expect(result.stderr).toMatch(/pings read:\s+4/);
  });

  it('the package bin runs main on the process: help on stdout, errors on stderr, the exit status', async ({ expect }) => {
    const bin = ['builder/bin/aggregates-builder.js'];
    const help = await spawnCli(['--help'], undefined, 45_000, bin);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: builder build --input PATH/);
    const unknown = await spawnCli(['frobnicate'], undefined, 45_000, bin);
    expect(unknown).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'builder: unknown command "frobnicate"\nRun "builder --help" for usage.\n',
    });
  });

  it('a local target that cannot be created exits 3 (and does not hang) with a message and no stack trace', async ({ expect }) => {
    const file = fresh('blocker');
    await writeFile(file, 'x');
    const local = await spawnCli(
      ['build', '--input', plainFile, '--target', 'local', '--persist-to', path.join(file, 'state'), '--quiet'],
      undefined,
      45_000,
    );
    expect(local.timedOut).toBe(false);
    expect(local.code).toBe(3);
    expect(local.stderr).toMatch(/^builder: cannot open local R2 in .*blocker/);
    expect(local.stderr).not.toMatch(STACK_LINE);
  });
});
