/**
 * `npm run bench:builder`: the builder's throughput and memory against the JSON.parse floor.
 *
 *   npm run bench:builder -- [--input FILE] [--count N] [--threads N] [--skip-publish]
 *
 * Without --input it generates N real-sized demo pings (default 2000, about 330 MB) once, as
 * UNCOMPRESSED NDJSON, into .demo/bench/ (re-runs reuse the file). Every configuration runs in a
 * child process of its own, so that each peak RSS (process.resourceUsage().maxRSS, reported back
 * by the child) belongs to that configuration alone:
 *   - floor: the builder's line reader, readLineBatches (same file, same decompression if any) + JSON.parse of
 *     every line, nothing else;
 *   - build, 1 thread: `runBuild` in-process, publishing to a dir: target in a temp directory;
 *   - build, all cores: the same with --threads os.availableParallelism().
 * Ratios are computed within one run, on the same file, so machine noise mostly cancels.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBuild } from '../src/build-command';
import { loadDefinitions } from '../src/definitions/load-definitions';
import { generateDemoPings } from '../src/demo/generate-demo-pings';
import { loadBasePings } from '../src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../src/demo/write-demo-input';
import { expandInputs } from '../src/input/expand-inputs';
import { forEachLineOf, readLineBatches } from '../src/input/read-lines';
import type { Progress } from '../src/progress';
import { DirectoryStore } from '../src/publish/directory-store';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface ChildResult {
  kind: 'floor' | 'build';
  threads: number;
  lines: number;
  bytes: number;
  /** Reading + parsing (+ aggregating), without publishing. */
  aggregateSeconds: number;
  totalSeconds: number;
  maxRssBytes: number;
  shards?: number;
  shardBytes?: number;
  pingsAccepted?: number;
}

async function ensureInput(count: number): Promise<string> {
  const dir = path.join(ROOT, '.demo', 'bench');
  const file = path.join(dir, `pings-${count}-seed1.ndjson`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`generating ${count} demo pings into ${file} (once)...\n`);
  const started = performance.now();
  const temp = `${file}.partial`;
  const out = createWriteStream(temp);
  const pings = generateDemoPings({ count, seed: 1, basePings: loadBasePings(DEFAULT_PINGS_DIR) });
  for (const ping of pings) {
    if (!out.write(`${JSON.stringify(ping)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  renameSync(temp, file);
  process.stderr.write(`generated ${(statSync(file).size / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return file;
}

async function childFloor(input: string): Promise<ChildResult> {
  const started = performance.now();
  let lines = 0;
  const bytes = { bytesRead: 0 };
  let sink = 0;
  for (const source of await expandInputs([input])) {
    // The builder's reader (readLineBatches + forEachLineOf, as `build` uses it) and JSON.parse.
    for await (const batch of readLineBatches(source, bytes)) {
      forEachLineOf(batch, (line) => {
        if (line.trim() === '') return;
        const ping = JSON.parse(line) as unknown;
        if (ping !== null) sink++;
        lines++;
      });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (sink < 0) console.log(sink);
  return { kind: 'floor', threads: 1, lines, bytes: statSync(input).size, aggregateSeconds: seconds, totalSeconds: seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

async function childBuild(input: string, threads: number, publish: boolean): Promise<ChildResult> {
  const definitions = await loadDefinitions();
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-bench-'));
  const store = await DirectoryStore.open(dir);
  const started = performance.now();
  let aggregated = 0;
  const progress: Progress = {
    update({ phase }) {
      if (phase !== 'aggregating' && aggregated === 0) aggregated = performance.now();
    },
    finish() {},
  };
  try {
    const report = await runBuild({
      inputs: [input],
      ...(publish ? { store } : { partialOut: path.join(dir, 'partial.msgpack') }),
      definitions,
      selection: { sampleIdBelow: 100 },
      progress,
      threads,
    });
    const ended = performance.now();
    if (aggregated === 0) aggregated = ended;
    return {
      kind: 'build',
      threads,
      lines: report.pings.read,
      bytes: statSync(input).size,
      aggregateSeconds: (aggregated - started) / 1000,
      totalSeconds: (ended - started) / 1000,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      shards: report.shards.written,
      shardBytes: report.bytesWritten,
      pingsAccepted: report.pings.accepted,
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${args.join(' ')} exited with ${code}`));
      const line = out.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

function row(label: string, r: ChildResult): string {
  const mbps = mb(r.bytes) / r.aggregateSeconds;
  const pps = r.lines / r.aggregateSeconds;
  const cols = [
    label.padEnd(22),
    `${fmt(r.aggregateSeconds, 2)} s`.padStart(9),
    `${fmt(pps, 0)} pings/s`.padStart(15),
    `${fmt(mbps)} MB/s`.padStart(12),
    `RSS ${fmt(mb(r.maxRssBytes), 0)} MB`.padStart(13),
  ];
  if (r.kind === 'build') {
    cols.push(`total ${fmt(r.totalSeconds, 2)} s (with publish)`, `${r.shards} shards, ${fmt(mb(r.shardBytes ?? 0), 1)} MB`);
  }
  return cols.join('  ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      input: { type: 'string' },
      count: { type: 'string' },
      threads: { type: 'string' },
      child: { type: 'string' },
      'skip-publish': { type: 'boolean' },
    },
  });
  if (values.child) {
    const input = values.input as string;
    const threads = Number(values.threads ?? 1);
    const result = values.child === 'floor' ? await childFloor(input) : await childBuild(input, threads, !values['skip-publish']);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const input = values.input ? path.resolve(values.input) : await ensureInput(Number(values.count ?? 2000));
  const all = Number(values.threads ?? availableParallelism());
  const size = statSync(input).size;
  const publish = !values['skip-publish'];
  console.log(`builder bench: ${input}`);
  console.log(`  ${fmt(mb(size))} MB on disk; node ${process.version}; ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}`);
  console.log(`  each configuration runs in its own child process; MB/s counts file bytes; rates exclude publishing${publish ? ' (the shard publish to a temp dir: target is timed separately as "total")' : ' (--skip-publish: partial aggregate written instead of shards)'}`);
  const extra = publish ? [] : ['--skip-publish'];
  const floor = await runChild(['--child', 'floor', '--input', input]);
  console.log(row('floor (read+JSON.parse)', floor));
  const one = await runChild(['--child', 'build', '--input', input, '--threads', '1', ...extra]);
  console.log(row('build, 1 thread', one));
  const many = await runChild(['--child', 'build', '--input', input, '--threads', String(all), ...extra]);
  console.log(row(`build, ${all} threads`, many));
  const rate = (r: ChildResult) => r.bytes / r.aggregateSeconds;
  console.log(`ratio build(1 thread)/floor MB/s: ${fmt(rate(one) / rate(floor), 2)}  (target >= 0.50)`);
  console.log(`speed-up build(${all} threads)/build(1 thread): ${fmt(rate(many) / rate(one), 2)}x  (target >= 1.7 on 2 cores)`);
  if (one.pingsAccepted !== many.pingsAccepted || one.shards !== many.shards || one.shardBytes !== many.shardBytes) {
    console.log(`WARNING: 1-thread and ${all}-thread builds differ (accepted ${one.pingsAccepted}/${many.pingsAccepted}, shards ${one.shards}/${many.shards}, bytes ${one.shardBytes}/${many.shardBytes})`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
