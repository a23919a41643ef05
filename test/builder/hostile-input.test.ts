/**
 * Hostile input: the whole hostile corpus (test/fixtures/hostile-corpus.ts, the hand-written
 * test/fixtures/hostile/*.ndjson and a 50 MB single line generated here) goes through the CLI
 * into a dir: target. The builder exits 0, its report counts every skip reason with exactly the
 * numbers the corpus declares, the valid metrics carried by the hostile pings still count, and
 * nothing hostile reaches a stored name, label, dimension or key.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExactInt } from '../../worker/src/core/exact-int';
import type { ShardContent } from '../../worker/src/core/shard';
import { DIMENSIONS } from '../../worker/src/core/shard';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import type { HostileCase } from '../fixtures/hostile-corpus';
import { ENORMOUS_KEYS, GOOD_SCALAR_METRIC, GOOD_SCALAR_VALUE, hostileCases, hugeLinePing, KEYED_METRIC } from '../fixtures/hostile-corpus';
import type { CliResult } from '../helpers/run-cli';
import { runCli } from '../helpers/run-cli';

const HAND_WRITTEN = fileURLToPath(new URL('../fixtures/hostile/hand-written.ndjson', import.meta.url));
/** What hand-written.ndjson holds (see test/fixtures/hostile/README.md). */
const HAND_WRITTEN_SKIPS = { 'invalid-json': 1, 'bad-sample-id': 2, 'missing-dimension': 1, 'not-an-object': 1 };
const HUGE_LINE_BYTES = 50 * 1024 * 1024;
const STORED_NAME = /^[A-Za-z0-9_\-[\].]+$/;

interface Report {
  pings: { read: number; accepted: number; skipped: Record<string, number> };
  metrics: {
    skipped: Record<string, number>;
    withoutDefinition: { names: number; occurrences: number; examples: string[] };
    rowsDropped: { nonPrintableName: number; nameTooLong: number; nulInLabel: number; labelTooLong: number; sumOverflow: number };
    rowsClamped: number;
  };
  shards: { written: number };
}

let tmp: string;
let cases: HostileCase[];
let report: Report;
let code: number;
let stderr = '';
let corpusBytes = 0;
let shards: { file: string; content: ShardContent }[] = [];
let indexFiles: { file: string; text: string }[] = [];
let partialRun: CliResult;
let mergeRun: CliResult;
let mergeReport: Report | undefined;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'hostile-'));
  const input = path.join(tmp, 'input');
  await mkdir(input);
  cases = hostileCases();
  const corpus = Buffer.concat(cases.flatMap((c) => [typeof c.line === 'string' ? Buffer.from(c.line) : c.line, Buffer.from('\n')]));
  await writeFile(path.join(input, 'corpus.ndjson'), corpus);
  const huge = Buffer.from(hugeLinePing(HUGE_LINE_BYTES));
  await writeFile(path.join(input, 'huge-line.ndjson'), huge); // one line, no trailing newline
  await copyFile(HAND_WRITTEN, path.join(input, 'hand-written.ndjson'));
  corpusBytes = corpus.length + huge.length + (await readFile(HAND_WRITTEN)).length;

  const target = path.join(tmp, 'out');
  const reportFile = path.join(tmp, 'report.json');
  ({ code, stderr } = await runCli(['build', '--input', input, '--target', `dir:${target}`, '--report', reportFile, '--quiet']));
  report = JSON.parse(await readFile(reportFile, 'utf8')) as Report;
  // the same input as a partial aggregate, merged into another target
  const partial = path.join(tmp, 'corpus.partial');
  partialRun = await runCli(['build', '--input', input, '--partial', partial, '--quiet']);
  const mergeReportFile = path.join(tmp, 'merge-report.json');
  mergeRun = await runCli([
    'merge',
    '--input',
    partial,
    '--target',
    `dir:${path.join(tmp, 'merged')}`,
    '--report',
    mergeReportFile,
    '--quiet',
  ]);
  mergeReport = mergeRun.code === 0 ? (JSON.parse(await readFile(mergeReportFile, 'utf8')) as Report) : undefined;
  for (const file of await walk(target)) {
    const relative = path.relative(target, file);
    const parts = relative.split(path.sep);
    // shards are v1/{prefix}/{channel}/{version}/{YYYYMM}/{metric}; every other object is JSON
    const isShard = parts.length === 6 && parts[1] !== 'meta' && /^\d{6}$/.test(parts[4] as string);
    if (!isShard) indexFiles.push({ file: relative, text: await readFile(file, 'utf8') });
    else shards.push({ file: relative, content: decodeShardContent(new Uint8Array(await readFile(file))) });
  }
  if (process.env.HOSTILE_REPORT) {
    process.stdout.write(
      `corpus: ${cases.length} generated lines + 5 hand-written + 1 huge line, ${corpusBytes} bytes\n${JSON.stringify(report, null, 2)}\n`,
    );
  }
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  shards = [];
  indexFiles = [];
});

function add(into: Record<string, number>, key: string, n: number): void {
  into[key] = (into[key] ?? 0) + n;
}

function big(value: ExactInt): bigint {
  return BigInt(value);
}

/** Totals of one metric over the rows of one prefix (optionally one process and label). */
function totals(prefix: string, metric: string, filter: (row: ShardContent['rows'][number]) => boolean = () => true) {
  let count = 0n;
  let sum = 0n;
  let rows = 0;
  const cells: bigint[] = [];
  for (const { content } of shards) {
    if (content.prefix !== prefix || content.metric !== metric) continue;
    for (const row of content.rows) {
      if (!filter(row)) continue;
      rows += 1;
      count += big(row.count);
      sum += big(row.sum);
      row.histogram.forEach((v, i) => {
        cells[i] = (cells[i] ?? 0n) + big(v);
      });
    }
  }
  return { rows, count, sum, cells };
}

describe('hostile input through the CLI', () => {
  it('never crashes: exit 0, no stack trace', () => {
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+/);
  });

  it('counts every ping-level reason exactly as the corpus declares', () => {
    const skipped: Record<string, number> = { ...HAND_WRITTEN_SKIPS };
    let read = 5 + 1; // hand-written + the huge line
    let accepted = 1; // the huge line is a valid ping
    for (const c of cases) {
      if (c.outcome === 'blank') continue;
      read += 1;
      if (c.outcome === 'accepted') accepted += 1;
      else add(skipped, c.outcome, 1);
    }
    expect(report.pings).toEqual({ read, accepted, skipped });
  });

  it('counts every metric-level reason exactly as the corpus declares', () => {
    const skipped: Record<string, number> = {};
    let noDefinition = 0;
    for (const c of cases) {
      if (c.outcome !== 'accepted') continue;
      for (const [reason, n] of Object.entries(c.metrics ?? {})) add(skipped, reason, n);
      noDefinition += c.noDefinition ?? 0;
    }
    expect(report.metrics.skipped).toEqual(skipped);
    expect(report.metrics.withoutDefinition.occurrences).toBe(noDefinition);
    expect(report.metrics.withoutDefinition.names).toBe(noDefinition);
    expect(report.metrics.rowsDropped).toEqual({
      nonPrintableName: skipped['non-printable-name'] ?? 0,
      nameTooLong: skipped['name-too-long'] ?? 0,
      nulInLabel: skipped['nul-in-label'] ?? 0,
      labelTooLong: skipped['label-too-long'] ?? 0,
      sumOverflow: skipped['sum-overflow'] ?? 0,
    });
    expect(report.metrics.rowsClamped).toBe(cases.reduce((n, c) => n + (c.clamped ?? 0), 0));
  });

  it('prints hostile histogram names escaped and cut in the report examples', () => {
    const examples = report.metrics.withoutDefinition.examples;
    expect(examples).toContain('GC_MS\\u0000');
    expect(examples).toContain('../../GC_MS');
    const long = examples.find((name) => name.startsWith('LONG_'));
    expect(long).toMatch(/^LONG_\\u202eX+\.\.\. \(5006 characters\)$/);
    for (const name of examples) {
      expect(name).toMatch(/^[\x20-\x7e]*$/);
      expect(name.length).toBeLessThan(120);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts that no control character reaches stderr
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it.each(['build_id', 'submission_date'])('the valid metrics of hostile pings still count exactly (%s)', (prefix) => {
    const accepted = cases.filter((c) => c.outcome === 'accepted');
    const gc = BigInt(accepted.filter((c) => c.gc !== false).length + 1); // + the huge line
    const scalar = BigInt(accepted.filter((c) => c.scalar !== false).length + 1);
    const gcMs = totals(prefix, 'GC_MS', (row) => row.child === 'parent' && row.label === '');
    expect(gcMs.count).toBe(gc);
    expect(gcMs.sum).toBe(10n * gc);
    expect(gcMs.cells.slice(0, 3)).toEqual([gc, 2n * gc, 0n]); // GOOD_GC_MS: {"0": 1, "1": 2}; hostile keys added nothing
    expect(gcMs.cells.slice(3).every((v) => v === 0n)).toBe(true);
    expect(totals(prefix, 'GC_MS', (row) => row.child !== 'parent' || row.label !== '').rows).toBe(0);
    const tabs = totals(prefix, GOOD_SCALAR_METRIC);
    expect(tabs.count).toBe(scalar);
    expect(tabs.sum).toBe(BigInt(GOOD_SCALAR_VALUE) * scalar);
  });

  it.each(['build_id', 'submission_date'])('hostile-but-valid parts count too (%s)', (prefix) => {
    // 100k keyed-histogram keys: one row per key, each counted once
    const keyed = totals(prefix, KEYED_METRIC, (row) => row.label.startsWith('key_'));
    expect(keyed.rows).toBe(ENORMOUS_KEYS);
    expect(keyed.count).toBe(BigInt(ENORMOUS_KEYS));
    // 10k keyed scalar keys k0..k9999 with values 0..9999
    const keyedScalar = totals(prefix, 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', (row) => /^K\d+$/.test(row.label));
    expect(keyedScalar.rows).toBe(10_000);
    expect(keyedScalar.sum).toBe(BigInt((9_999 * 10_000) / 2));
    // beyond 2^53: stored as JSON.parse rounded it (9007199254740993 -> ...992), exactly
    expect(totals(prefix, 'SCALARS_TELEMETRY.TEST.HOSTILE_2_53').sum).toBe(9007199254740992n);
    // string counts and a deep array as a count: the histogram counts, its cells stay empty
    const mark = totals(prefix, 'GC_MARK_MS');
    expect(mark.count).toBe(2n);
    expect(mark.cells.every((v) => v === 0n)).toBe(true);
    // null, float, object and false counts add nothing; the integer count next to them does
    const gray = totals(prefix, 'GC_MARK_GRAY_MS');
    expect(gray.count).toBe(1n);
    expect(gray.cells.slice(0, 5)).toEqual([0n, 2n, 0n, 0n, 0n]); // linear(1, 200, 50): bounds 0, 1, 5, 9, 13, ...
    expect(gray.cells.slice(5).every((v) => v === 0n)).toBe(true);
    // overflowing rows are gone
    for (const metric of [
      'SCALARS_TELEMETRY.TEST.HOSTILE_2_63',
      'SCALARS_TELEMETRY.TEST.HOSTILE_1E308',
      'GC_SLICE_MS',
      '[[COUNT]]_HOSTILE_COUNT',
      'SCALARS_TELEMETRY.TEST.HOSTILE_E400',
      'SCALARS_TELEMETRY.TEST.HOSTILE_DIGITS400',
      'SCALARS_TELEMETRY.TEST.HOSTILE_KEYED_E400',
      'SCALARS_TELEMETRY.TEST.HOSTILE_KEYED_DIGITS400',
      'SIMPLE_MEASURES_HOSTILE_E400',
      'SIMPLE_MEASURES_HOSTILE_DIGITS400',
    ]) {
      expect(totals(prefix, metric).rows).toBe(0);
    }
    // a bucket count past int64, stored clamped
    expect(totals(prefix, 'GC_MINOR_US').cells[0]).toBe(2n ** 63n - 1n);
  });

  it('build --partial + merge publishes byte for byte what one build does, with the same report', async () => {
    expect(partialRun.stderr).not.toMatch(/\n\s+at .+:\d+/);
    expect(partialRun.code).toBe(0);
    expect(mergeRun.code).toBe(0);
    const direct = path.join(tmp, 'out');
    const merged = path.join(tmp, 'merged');
    const files = (await walk(direct)).map((file) => path.relative(direct, file)).sort();
    expect((await walk(merged)).map((file) => path.relative(merged, file)).sort()).toEqual(files);
    const differing: string[] = [];
    for (const file of files) {
      const [a, b] = await Promise.all([readFile(path.join(direct, file)), readFile(path.join(merged, file))]);
      if (!a.equals(b)) differing.push(file);
    }
    expect(differing).toEqual([]);
    const comparable = (r: Report | undefined) => {
      // a merge parses no line: `parsing` is the build's alone
      const { target: _t, seconds: _s, inputs: _i, inputBytes: _b, parsing: _p, ...rest } = (r ?? {}) as Report & Record<string, unknown>;
      return rest;
    };
    expect(comparable(mergeReport)).toEqual(comparable(report));
  });

  it('nothing hostile leaks into stored strings', () => {
    expect(shards.length).toBeGreaterThan(0);
    expect(indexFiles.length).toBeGreaterThan(0);
    for (const { file, content } of shards) {
      for (const segment of file.split(path.sep)) expect(segment).toMatch(STORED_NAME);
      expect(content.metric).toMatch(STORED_NAME);
      const strings = new Set<string>([content.channel, content.version, content.period, ...content.submissions]);
      for (const row of content.rows) for (const d of DIMENSIONS) strings.add(row[d]);
      expect(
        [...strings].filter((s) => s.includes('\u0000')),
        file,
      ).toEqual([]);
    }
    for (const { file, text } of indexFiles) {
      for (const segment of file.split(path.sep)) expect(segment).toMatch(STORED_NAME);
      const strings: string[] = [];
      const collect = (value: unknown): void => {
        if (typeof value === 'string') strings.push(value);
        else if (Array.isArray(value)) value.forEach(collect);
        else if (value && typeof value === 'object') {
          for (const [key, v] of Object.entries(value)) {
            strings.push(key);
            collect(v);
          }
        }
      };
      collect(JSON.parse(text));
      expect(
        strings.filter((s) => s.includes('\u0000')),
        file,
      ).toEqual([]);
      if (path.basename(file) === 'metrics.json') {
        for (const name of Object.keys((JSON.parse(text) as { metrics: Record<string, unknown> }).metrics))
          expect(name).toMatch(STORED_NAME);
      }
    }
  });
});
