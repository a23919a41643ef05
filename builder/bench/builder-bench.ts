/**
 * `npm run bench:builder`: the builder's throughput and memory against the JSON.parse floor.
 *
 *   npm run bench:builder -- [--input FILE ...] [--count N] [--pool P] [--threads N]
 *                            [--repeat R] [--skip-publish] [--skip-memory]
 *
 * Without --input it generates N real-sized demo pings (default 1700, about 300 MB) once, as
 * UNCOMPRESSED NDJSON, into .demo/bench/ (re-runs reuse the file). Their dimensions come from a
 * fixed pool of P combinations (default 32; generate-demo-pings.ts, dimensionPool), so that many
 * pings share each dimension group as in real traffic and the aggregate does not grow with the
 * input. Every configuration runs in a child process of its own, so that each peak RSS
 * (process.resourceUsage().maxRSS, reported back by the child) belongs to that configuration:
 *   - floor: the builder's line reader (readLineBatches + forEachLineOf, same decompression if
 *     any) + JSON.parse of every line, nothing else, on one thread;
 *   - build, 1 thread: `runBuild` in-process, publishing to a dir: target in a temp directory;
 *   - build, all cores: the same with --threads os.availableParallelism();
 *   - parallel floor: N floor processes at once, each on 1/N of the input (byte ranges of one
 *     file, or a share of the files): what this machine gives N threads of this work right now.
 *     On a shared machine the all-cores speed-up is to be read against this one.
 * Then (unless --skip-memory) the memory check: both builds again on the same input given four
 * times (four links to the file, about 1.2 GB), whose peak RSS should match the 300 MB runs'.
 * Ratios are computed within one run, on the same files, so machine noise partly cancels; with
 * --repeat R each configuration runs R times (in turn) and the fastest run counts. The load
 * average is printed with the figures, and CPU times next to wall times.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, linkSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBuild } from '../src/build-command';
import { loadDefinitions } from '../src/definitions/load-definitions';
import { generateDemoPings } from '../src/demo/generate-demo-pings';
import { loadBasePings } from '../src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../src/demo/write-demo-input';
import { expandInputs } from '../src/input/expand-inputs';
import type { ByteRange } from '../src/input/read-lines';
import { forEachLineOf, readLineBatches } from '../src/input/read-lines';
import type { Progress } from '../src/progress';
import { DirectoryStore } from '../src/publish/directory-store';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const BENCH_DIR = path.join(ROOT, '.demo', 'bench');

interface ChildResult {
  kind: 'floor' | 'build';
  threads: number;
  lines: number;
  bytes: number;
  /** Reading + parsing (+ aggregating and merging), without publishing. */
  aggregateSeconds: number;
  totalSeconds: number;
  /** CPU time of the whole process (all threads), user + system, until the end of aggregating. */
  cpuSeconds: number;
  maxRssBytes: number;
  shards?: number;
  shardBytes?: number;
  pingsAccepted?: number;
}

async function ensureInput(count: number, pool: number): Promise<string> {
  const file = path.join(BENCH_DIR, `pings-${count}-seed1-pool${pool}.ndjson`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  process.stderr.write(`generating ${count} demo pings (a pool of ${pool} dimension combinations) into ${file} (once)...\n`);
  const started = performance.now();
  const temp = `${file}.partial`;
  const out = createWriteStream(temp);
  const pings = generateDemoPings({ count, seed: 1, basePings: loadBasePings(DEFAULT_PINGS_DIR), dimensionPool: pool });
  for (const ping of pings) {
    if (!out.write(`${JSON.stringify(ping)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  renameSync(temp, file);
  process.stderr.write(
    `generated ${(statSync(file).size / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return file;
}

/** Four hard links to `file` (no extra disk space), so that the same input can be given 4 times. */
function fourTimes(file: string): string[] {
  const dir = path.join(BENCH_DIR, `${path.basename(file)}-x4`);
  mkdirSync(dir, { recursive: true });
  return [1, 2, 3, 4].map((n) => {
    const link = path.join(dir, `copy-${n}.ndjson`);
    if (!existsSync(link)) linkSync(file, link);
    return link;
  });
}

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function totalSize(inputs: string[]): number {
  return inputs.reduce((total, input) => total + statSync(input).size, 0);
}

async function childFloor(inputs: string[], range: ByteRange | undefined): Promise<ChildResult> {
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  let lines = 0;
  const bytes = { bytesRead: 0 };
  let sink = 0;
  for (const source of await expandInputs(inputs)) {
    // The builder's reader (readLineBatches + forEachLineOf, as `build` uses it) and JSON.parse.
    for await (const batch of readLineBatches(source, bytes, 1 << 20, range)) {
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
  return {
    kind: 'floor',
    threads: 1,
    lines,
    bytes: range ? range.end - range.start : totalSize(inputs),
    aggregateSeconds: seconds,
    totalSeconds: seconds,
    cpuSeconds: cpuSeconds() - cpuStarted,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

async function childBuild(inputs: string[], threads: number, publish: boolean): Promise<ChildResult> {
  const definitions = await loadDefinitions();
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-bench-'));
  const store = await DirectoryStore.open(dir);
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  let aggregated = 0;
  let aggregatedCpu = 0;
  const progress: Progress = {
    update({ phase }) {
      if (phase !== 'aggregating' && aggregated === 0) {
        aggregated = performance.now();
        aggregatedCpu = cpuSeconds();
      }
    },
    finish() {},
  };
  try {
    const report = await runBuild({
      inputs,
      ...(publish ? { store } : { partialOut: path.join(dir, 'partial.msgpack') }),
      definitions,
      selection: { sampleIdBelow: 100 },
      progress,
      threads,
    });
    const ended = performance.now();
    if (aggregated === 0) {
      aggregated = ended;
      aggregatedCpu = cpuSeconds();
    }
    return {
      kind: 'build',
      threads,
      lines: report.pings.read,
      bytes: totalSize(inputs),
      aggregateSeconds: (aggregated - started) / 1000,
      totalSeconds: (ended - started) / 1000,
      cpuSeconds: aggregatedCpu - cpuStarted,
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
const rate = (r: ChildResult) => r.bytes / r.aggregateSeconds;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

function row(label: string, r: ChildResult): string {
  const cols = [
    label.padEnd(26),
    `${fmt(r.aggregateSeconds, 2)} s`.padStart(9),
    `${fmt(r.lines / r.aggregateSeconds, 0)} pings/s`.padStart(15),
    `${fmt(mb(rate(r)))} MB/s`.padStart(12),
    `cpu ${fmt(r.cpuSeconds, 1)} s`.padStart(11),
    `peak RSS ${fmt(mb(r.maxRssBytes), 0)} MB`.padStart(18),
  ];
  if (r.kind === 'build') {
    cols.push(`total ${fmt(r.totalSeconds, 2)} s with publish`, `${r.shards} shards, ${fmt(mb(r.shardBytes ?? 0), 1)} MB`);
  }
  return cols.join('  ');
}

/** N floor children at once over a partition of the input; the time of the slowest (each times itself, after its start-up). */
async function runParallelFloor(
  inputs: string[],
  parts: number,
  inputArgs: (files: string[]) => string[],
): Promise<{ seconds: number; bytes: number }> {
  const jobs: string[][] = [];
  if (inputs.length === 1) {
    const size = totalSize(inputs);
    for (let i = 0; i < parts; i++) {
      const range = `${Math.floor((size * i) / parts)}:${Math.floor((size * (i + 1)) / parts)}`;
      jobs.push(['--child', 'floor', ...inputArgs(inputs), '--range', range]);
    }
  } else {
    for (let i = 0; i < parts; i++) jobs.push(['--child', 'floor', ...inputArgs(inputs.filter((_, n) => n % parts === i))]);
  }
  const results = await Promise.all(jobs.filter((job) => job.includes('--input')).map((job) => runChild(job)));
  return { seconds: Math.max(...results.map((r) => r.aggregateSeconds)), bytes: results.reduce((total, r) => total + r.bytes, 0) };
}

function warnIfDifferent(a: ChildResult, b: ChildResult, what: string): void {
  if (a.pingsAccepted !== b.pingsAccepted || a.shards !== b.shards || a.shardBytes !== b.shardBytes) {
    console.log(
      `WARNING: ${what} differ (accepted ${a.pingsAccepted}/${b.pingsAccepted}, shards ${a.shards}/${b.shards}, bytes ${a.shardBytes}/${b.shardBytes})`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      input: { type: 'string', multiple: true },
      count: { type: 'string' },
      pool: { type: 'string' },
      threads: { type: 'string' },
      child: { type: 'string' },
      range: { type: 'string' },
      'skip-publish': { type: 'boolean' },
      'skip-memory': { type: 'boolean' },
      repeat: { type: 'string' },
    },
  });
  if (values.child) {
    const inputs = values.input ?? [];
    const threads = Number(values.threads ?? 1);
    const [start, end] = (values.range ?? '').split(':').map(Number);
    const range = values.range ? { start: start as number, end: end as number } : undefined;
    const result = values.child === 'floor' ? await childFloor(inputs, range) : await childBuild(inputs, threads, !values['skip-publish']);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const inputs = values.input
    ? values.input.map((input) => path.resolve(input))
    : [await ensureInput(Number(values.count ?? 1700), Number(values.pool ?? 32))];
  const all = Number(values.threads ?? availableParallelism());
  const publish = !values['skip-publish'];
  const extra = publish ? [] : ['--skip-publish'];
  const inputArgs = (files: string[]) => files.flatMap((file) => ['--input', file]);
  console.log(`builder bench: ${inputs.join(' ')}`);
  console.log(
    `  ${fmt(mb(totalSize(inputs)))} MB on disk; node ${process.version}; ${cpus()[0]?.model ?? '?'} x ${availableParallelism()}; load average ${load()}`,
  );
  console.log('  each configuration runs in its own child process; MB/s counts input file bytes; times and rates exclude publishing');
  console.log(
    publish
      ? '  (the shard publish to a temp dir: target is timed separately as "total")'
      : '  (--skip-publish: partial aggregate written instead of shards)',
  );
  const repeat = Math.max(1, Number(values.repeat ?? 1));
  if (repeat > 1) console.log(`  best of ${repeat} runs of each configuration (run in turn), the usual estimate on a busy machine`);
  const configurations = {
    floor: ['--child', 'floor', ...inputArgs(inputs)],
    one: ['--child', 'build', ...inputArgs(inputs), '--threads', '1', ...extra],
    many: ['--child', 'build', ...inputArgs(inputs), '--threads', String(all), ...extra],
  };
  const best: Partial<Record<keyof typeof configurations, ChildResult>> = {};
  for (let run = 0; run < repeat; run++) {
    for (const [name, args] of Object.entries(configurations) as [keyof typeof configurations, string[]][]) {
      const result = await runChild(args);
      const previous = best[name];
      if (!previous || result.aggregateSeconds < previous.aggregateSeconds) best[name] = result;
    }
  }
  const floor = best.floor as ChildResult;
  const one = best.one as ChildResult;
  const many = best.many as ChildResult;
  console.log(row('floor (read+JSON.parse)', floor));
  console.log(row('build, 1 thread', one));
  console.log(row(`build, ${all} threads`, many));
  console.log(
    `ratio build(1 thread)/floor MB/s: ${fmt(rate(one) / rate(floor), 2)}  (target >= 0.50); in CPU time: ${fmt(floor.cpuSeconds / one.cpuSeconds, 2)}`,
  );
  console.log(
    `speed-up build(${all} threads)/build(1 thread): ${fmt(rate(many) / rate(one), 2)}x  (target >= 1.7 on 2 cores); CPU time ${all} threads/1 thread: ${fmt(many.cpuSeconds / one.cpuSeconds, 2)}`,
  );
  warnIfDifferent(one, many, `1-thread and ${all}-thread builds`);
  const parallelFloor = await runParallelFloor(inputs, all, inputArgs);
  const floorSpeedUp = parallelFloor.bytes / parallelFloor.seconds / rate(floor);
  console.log(
    `parallel floor, ${all} processes at once on 1/${all} of the input each: ${fmt(parallelFloor.seconds, 2)} s, ${fmt(mb(parallelFloor.bytes / parallelFloor.seconds))} MB/s = ${fmt(floorSpeedUp, 2)}x the floor (what the machine gives ${all} threads now)`,
  );
  console.log(
    `speed-up relative to the machine's: ${fmt(rate(many) / rate(one) / floorSpeedUp, 2)}  (build speed-up / parallel-floor speed-up)`,
  );
  if (!values['skip-memory'] && inputs.length === 1) {
    const four = fourTimes(inputs[0] as string);
    console.log(`memory: the same input given 4 times (${fmt(mb(totalSize(four)))} MB, four links to the file)`);
    const oneBig = await runChild(['--child', 'build', ...inputArgs(four), '--threads', '1', ...extra]);
    console.log(row('build x4, 1 thread', oneBig));
    const manyBig = await runChild(['--child', 'build', ...inputArgs(four), '--threads', String(all), ...extra]);
    console.log(row(`build x4, ${all} threads`, manyBig));
    console.log(
      `peak RSS x4/x1: 1 thread ${fmt(oneBig.maxRssBytes / one.maxRssBytes, 2)}, ${all} threads ${fmt(manyBig.maxRssBytes / many.maxRssBytes, 2)}  (target within 1.20)`,
    );
    warnIfDifferent(oneBig, manyBig, `x4 1-thread and ${all}-thread builds`);
  }
  console.log(`load average at the end: ${load()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
