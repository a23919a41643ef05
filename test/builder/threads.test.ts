/**
 * `build --threads N`: batches of lines aggregated on worker threads and merged give exactly the
 * objects of an in-thread build; the line batches split input exactly as the line reader does;
 * a failing worker is an error, not a hang.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../../builder/src/demo/write-demo-input';
import { InputError } from '../../builder/src/input/expand-inputs';
import { forEachLineOf, readLineBatches } from '../../builder/src/input/read-lines';
import { aggregateInParallel, WorkerFailure } from '../../builder/src/threads/parallel-aggregate';
import { generateSyntheticPings } from '../fixtures/synthetic-dataset';
import { vendoredDefinitions } from '../helpers/pings';
import { runCli } from '../helpers/run-cli';
import { linesOfText } from '../helpers/text-lines';

let dir: string;
let input: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'builder-threads-'));
  // About 2.5 MB: several 1 MB batches, so both workers get some.
  const demo = [...generateDemoPings({ count: 15, seed: 7, basePings: loadBasePings(DEFAULT_PINGS_DIR) })];
  const synthetic = [...generateSyntheticPings()].filter((_, i) => i % 5 === 0);
  const lines = [...demo, ...synthetic].map((ping) => JSON.stringify(ping));
  lines.splice(3, 0, 'not json', '', '{"meta":{}}');
  input = path.join(dir, 'pings.ndjson');
  await writeFile(input, `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    out.set(path.relative(root, file), await readFile(file));
  }
  return out;
}

let builds = 0;

async function build(
  threads: number,
  inputs: string[] = [input],
): Promise<{ files: Map<string, Buffer>; report: Record<string, unknown> }> {
  builds += 1;
  const name = `${threads}-${builds}`;
  const target = path.join(dir, `out-${name}`);
  const reportFile = path.join(dir, `report-${name}.json`);
  const { code, stderr } = await runCli([
    'build',
    '--input',
    ...inputs,
    '--target',
    `dir:${target}`,
    '--threads',
    String(threads),
    '--quiet',
    '--report',
    reportFile,
  ]);
  expect(code, stderr).toBe(0);
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as Record<string, unknown>;
  delete report.seconds;
  delete report.target;
  return { files: await filesUnder(target), report };
}

describe('build --threads', () => {
  it('publishes byte-identical objects with 2 threads and with 1', async () => {
    const one = await build(1);
    const two = await build(2);
    expect(one.files.size).toBeGreaterThan(10);
    expect([...two.files.keys()].sort()).toEqual([...one.files.keys()].sort());
    for (const [key, bytes] of one.files) expect(two.files.get(key)?.equals(bytes), key).toBe(true);
    expect(two.report).toEqual(one.report);
  });

  it('publishes the same objects from gzip and plain files split across 3 threads', async () => {
    const text = await readFile(input, 'utf8');
    const lines = text.split('\n');
    const half = Math.floor(lines.length / 2);
    const gzipped = path.join(dir, 'first-half.ndjson.gz');
    const plain = path.join(dir, 'second-half.ndjson');
    await writeFile(gzipped, gzipSync(`${lines.slice(0, half).join('\n')}\n`));
    await writeFile(plain, lines.slice(half).join('\n'));
    const one = await build(1, [input]);
    const three = await build(3, [gzipped, plain]);
    expect([...three.files.keys()].sort()).toEqual([...one.files.keys()].sort());
    for (const [key, bytes] of one.files) expect(three.files.get(key)?.equals(bytes), key).toBe(true);
    const { inputs: _a, inputBytes: _b, ...oneRest } = one.report;
    const { inputs: _c, inputBytes: _d, ...threeRest } = three.report;
    expect(threeRest).toEqual(oneRest);
  });

  it('rejects a bad --threads value', async () => {
    const { code, stderr } = await runCli(['build', '--input', input, '--target', `dir:${dir}/x`, '--threads', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('--threads must be an integer from 1 to 256, got "0"');
  });

  it('reports a failing worker as an error instead of hanging (a definitions file it cannot read: an input error)', async () => {
    const definitions = await vendoredDefinitions();
    const run = aggregateInParallel({
      sources: [{ kind: 'file', path: input }],
      threads: 2,
      parser: 'scan',
      definitions: {
        ...definitions,
        files: { ...definitions.files, histograms: { path: path.join(dir, 'no-such-Histograms.json'), label: 'x' } },
      },
      selection: { sampleIdBelow: 100 },
      bytes: { bytesRead: 0 },
    });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/cannot read Histograms\.json .*no-such-Histograms\.json/);
  });

  it('reports a worker that dies as a WorkerFailure', async () => {
    const definitions = await vendoredDefinitions();
    const run = aggregateInParallel({
      sources: [{ kind: 'file', path: input }],
      threads: 2,
      parser: 'scan',
      // a directory the workers cannot scan: they fail while starting, outside their reading loop
      definitions: { ...definitions, files: { ...definitions.files, directory: path.join(dir, 'no-such-definitions') } },
      selection: { sampleIdBelow: 100 },
      bytes: { bytesRead: 0 },
    });
    await expect(run).rejects.toThrow(WorkerFailure);
  });
});

describe('line batches', () => {
  it('split input into exactly its lines, plain or gzip, with or without a last newline', async () => {
    const text = ['{"a":1}', '', 'x'.repeat(3000), 'héllo ✓', '{"b":2}\r', 'y'.repeat(70_000), 'last'].join('\n');
    for (const [name, bytes] of [
      ['plain', Buffer.from(text)],
      ['newline', Buffer.from(`${text}\n`)],
      ['gzip', gzipSync(`${text}\n`)],
    ] as const) {
      const file = path.join(dir, `lines-${name}`);
      await writeFile(file, bytes);
      const source = { kind: 'file' as const, path: file };
      const expected = linesOfText(text);
      for (const batchBytes of [1, 100, 5000, 1 << 20]) {
        const got: string[] = [];
        for await (const batch of readLineBatches(source, undefined, batchBytes)) forEachLineOf(batch, (line) => got.push(line));
        expect(got, `${name}, batches of ${batchBytes}`).toEqual(expected);
      }
    }
  });
});
