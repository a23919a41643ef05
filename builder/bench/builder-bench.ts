/**
 * `npm run bench:builder`: the builder's throughput and memory against the JSON.parse floor, on
 * two workloads, printed as markdown (the tables of docs/performance.md).
 *
 *   npm run bench:builder -- [--workload pooled|diverse] [--count N] [--pool P] [--threads N]
 *                            [--repeat R] [--skip-local-r2] [--skip-publish] [--skip-memory]
 *                            [--parsers scan,json] [--input FILE ...]
 *
 * Workloads (generated once, as UNCOMPRESSED NDJSON, into .demo/bench/; re-runs reuse the files):
 *   - pooled: N real-sized demo pings (default 1700, about 300 MB) whose dimensions come from a
 *     pool of P combinations (default 32), so that many pings share each dimension group as in
 *     real traffic and the aggregate does not grow with the input;
 *   - diverse: as many pings, each with its own combination (build id, OS version, submission
 *     date...): the aggregate, the shards and the publishing grow with the input.
 *   (--input FILE runs one workload, "input", on those files instead.)
 * Every configuration runs in a child process of its own, so that each peak RSS
 * (process.resourceUsage().maxRSS, reported back by the child) belongs to that configuration:
 *   - floor: the builder's line reader (readLineBatches + forEachLineOf) + JSON.parse of every
 *     line, nothing else, one thread;
 *   - parallel floor: N floor processes at once, each on 1/N of the input (byte ranges): what
 *     this machine gives N threads of this work right now (on a shared machine, read the
 *     all-cores figures against this one);
 *   - aggregate: `build --partial` (no publishing), 1 thread and N threads;
 *   (each build configuration once per parser of --parsers: scan, the byte scanner and the
 *   default, and json, JSON.parse alone; the scanner's fallback rate is printed after the table)
 *   - build → dir: / → local R2: the whole build, publishing into a fresh temp directory / a fresh
 *     Miniflare R2 bucket, 1 thread and N threads. Local R2 also reports workerd's CPU time and
 *     peak RSS (another process).
 * Seconds and MB/s count the aggregating phase (read + parse + aggregate + merge); "total"
 * includes planning and publishing. Then (pooled, unless --skip-memory) the memory check: the
 * dir: builds on the input given four times (four links to the file, about 1.2 GB), whose peak
 * RSS should match the 300 MB runs'. Ratios are computed within one run, on the same files; with
 * --repeat R each configuration runs R times (in turn) and the fastest counts.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
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
import type { ObjectStore } from '../src/publish/object-store';
import type { ParserName } from '../src/threads/aggregate-unit';
import { PARSERS } from '../src/threads/aggregate-unit';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const BENCH_DIR = path.join(ROOT, '.demo', 'bench');

type Mode = 'partial' | 'dir' | 'local';

interface ChildResult {
  kind: 'floor' | 'build';
  threads: number;
  lines: number;
  bytes: number;
  /** Reading + parsing (+ aggregating and merging), without planning or publishing. */
  aggregateSeconds: number;
  totalSeconds: number;
  /** CPU time of this process (all threads), user + system, until the end. */
  cpuSeconds: number;
  maxRssBytes: number;
  shards?: number;
  shardBytes?: number;
  pingsAccepted?: number;
  /** Lines the byte scanner handed to JSON.parse, by reason (builds with --parser scan). */
  fallbackReasons?: Record<string, number>;
  /** workerd (local R2): CPU seconds and peak RSS. */
  workerdCpuSeconds?: number;
  workerdRssBytes?: number;
}

interface Workload {
  name: string;
  inputs: string[];
}

async function ensureInput(count: number, pool: number | undefined): Promise<string> {
  const file = path.join(BENCH_DIR, `pings-${count}-seed1-${pool === undefined ? 'diverse' : `pool${pool}`}.ndjson`);
  if (existsSync(file)) return file;
  mkdirSync(BENCH_DIR, { recursive: true });
  const what = pool === undefined ? 'each its own dimensions' : `a pool of ${pool} dimension combinations`;
  process.stderr.write(`generating ${count} demo pings (${what}) into ${file} (once)...\n`);
  const temp = `${file}.partial`;
  const out = createWriteStream(temp);
  const pings = generateDemoPings({
    count,
    seed: 1,
    basePings: loadBasePings(DEFAULT_PINGS_DIR),
    ...(pool === undefined ? {} : { dimensionPool: pool }),
  });
  for (const ping of pings) {
    if (!out.write(`${JSON.stringify(ping)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  renameSync(temp, file);
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
  let lines = 0;
  let sink = 0;
  for (const source of await expandInputs(inputs)) {
    for await (const batch of readLineBatches(source, { bytesRead: 0 }, 1 << 20, range)) {
      forEachLineOf(batch, (line) => {
        if (line.trim() === '') return;
        if (JSON.parse(line) !== null) sink++;
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
    cpuSeconds: cpuSeconds(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** CPU seconds and peak RSS of this process's children (workerd, for local R2). */
function childProcesses(): { cpuSeconds: number; rssBytes: number } {
  let cpu = 0;
  let rss = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
      if (fields[1] !== String(process.pid)) continue;
      cpu += (Number(fields[11]) + Number(fields[12])) / 100;
      const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      rss += Number(peak?.[1] ?? 0) * 1024;
    } catch {
      // the process ended meanwhile
    }
  }
  return { cpuSeconds: cpu, rssBytes: rss };
}

async function openTarget(mode: Mode, dir: string): Promise<ObjectStore | undefined> {
  if (mode === 'dir') return DirectoryStore.open(dir);
  if (mode === 'local') {
    const { LocalR2Store } = await import('../src/publish/local-r2-store');
    return LocalR2Store.open({ persistDir: dir });
  }
  return undefined;
}

async function childBuild(inputs: string[], threads: number, mode: Mode, parser: ParserName): Promise<ChildResult> {
  const definitions = await loadDefinitions();
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-bench-'));
  const store = await openTarget(mode, dir);
  const started = performance.now();
  const workerdAtStart = childProcesses().cpuSeconds;
  let aggregated = 0;
  const progress: Progress = {
    update({ phase }) {
      if (phase !== 'aggregating' && aggregated === 0) aggregated = performance.now();
    },
    finish() {},
  };
  try {
    const report = await runBuild({
      inputs,
      ...(store ? { store } : { partialOut: path.join(dir, 'partial.msgpack') }),
      definitions,
      selection: { sampleIdBelow: 100 },
      progress,
      threads,
      parser,
    });
    const ended = performance.now();
    const workerd = childProcesses();
    return {
      kind: 'build',
      threads,
      lines: report.pings.read,
      bytes: totalSize(inputs),
      aggregateSeconds: ((aggregated || ended) - started) / 1000,
      totalSeconds: (ended - started) / 1000,
      cpuSeconds: cpuSeconds(),
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      ...(store ? { shards: report.shards.written } : {}),
      shardBytes: report.bytesWritten,
      pingsAccepted: report.pings.accepted,
      fallbackReasons: { ...report.parsing.fallbackReasons },
      ...(mode === 'local' ? { workerdCpuSeconds: workerd.cpuSeconds - workerdAtStart, workerdRssBytes: workerd.rssBytes } : {}),
    };
  } finally {
    await store?.close();
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
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult);
    });
  });
}

/** N floor children at once over a partition of the input; the time of the slowest (each times itself, after its start-up). */
async function runParallelFloor(inputs: string[], parts: number): Promise<ChildResult> {
  const jobs: string[][] = [];
  if (inputs.length === 1) {
    const size = totalSize(inputs);
    for (let i = 0; i < parts; i++) {
      jobs.push([
        '--child',
        'floor',
        ...inputArgs(inputs),
        '--range',
        `${Math.floor((size * i) / parts)}:${Math.floor((size * (i + 1)) / parts)}`,
      ]);
    }
  } else {
    for (let i = 0; i < parts; i++) jobs.push(['--child', 'floor', ...inputArgs(inputs.filter((_, n) => n % parts === i))]);
  }
  const results = await Promise.all(jobs.filter((job) => job.includes('--input')).map((job) => runChild(job)));
  const seconds = Math.max(...results.map((r) => r.aggregateSeconds));
  return {
    kind: 'floor',
    threads: parts,
    lines: results.reduce((total, r) => total + r.lines, 0),
    bytes: results.reduce((total, r) => total + r.bytes, 0),
    aggregateSeconds: seconds,
    totalSeconds: seconds,
    cpuSeconds: results.reduce((total, r) => total + r.cpuSeconds, 0),
    maxRssBytes: Math.max(...results.map((r) => r.maxRssBytes)),
  };
}

function parserNamed(name: string): ParserName {
  const parser = PARSERS.find((known) => known === name);
  if (parser === undefined) throw new Error(`--parser(s): ${PARSERS.join(' or ')}, not "${name}"`);
  return parser;
}

const inputArgs = (files: string[]) => files.flatMap((file) => ['--input', file]);
const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, digits = 1) => n.toFixed(digits);
const rate = (r: ChildResult) => r.bytes / r.aggregateSeconds;
const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

const TABLE_HEADER = [
  '| configuration | aggregating s | MB/s | × floor | total s | CPU s | peak RSS MB | shards | written MB |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];

function tableRow(label: string, r: ChildResult, floor: ChildResult): string {
  const workerd =
    r.workerdCpuSeconds !== undefined ? ` (+ workerd ${fmt(r.workerdCpuSeconds)} s, ${fmt(mb(r.workerdRssBytes ?? 0), 0)} MB)` : '';
  const cells = [
    label,
    fmt(r.aggregateSeconds, 2),
    fmt(mb(rate(r))),
    fmt(rate(r) / rate(floor), 2),
    fmt(r.totalSeconds, 2),
    `${fmt(r.cpuSeconds)}${r.workerdCpuSeconds !== undefined ? ` + ${fmt(r.workerdCpuSeconds)}` : ''}`,
    `${fmt(mb(r.maxRssBytes), 0)}${workerd ? ` + ${fmt(mb(r.workerdRssBytes ?? 0), 0)}` : ''}`,
    r.shards === undefined ? '' : String(r.shards),
    r.shardBytes === undefined ? '' : fmt(mb(r.shardBytes), 1),
  ];
  return `| ${cells.join(' | ')} |`;
}

function warnIfDifferent(a: ChildResult, b: ChildResult, what: string): void {
  if (a.pingsAccepted !== b.pingsAccepted || a.shards !== b.shards || a.shardBytes !== b.shardBytes) {
    console.log(
      `\nWARNING: ${what} differ (accepted ${a.pingsAccepted}/${b.pingsAccepted}, shards ${a.shards}/${b.shards}, bytes ${a.shardBytes}/${b.shardBytes})`,
    );
  }
}

interface RunSettings {
  all: number;
  repeat: number;
  modes: Mode[];
  parsers: ParserName[];
}

/** Runs `args` `repeat` times and keeps the fastest. */
async function best(args: string[], repeat: number): Promise<ChildResult> {
  let fastest: ChildResult | undefined;
  for (let run = 0; run < repeat; run++) {
    const result = await runChild(args);
    if (!fastest || result.totalSeconds < fastest.totalSeconds) fastest = result;
  }
  return fastest as ChildResult;
}

async function benchWorkload(workload: Workload, settings: RunSettings): Promise<void> {
  const { inputs } = workload;
  const { all, repeat } = settings;
  console.log(`\n### ${workload.name}: ${fmt(mb(totalSize(inputs)))} MB (${inputs.map((input) => path.basename(input)).join(', ')})\n`);
  const floor = await best(['--child', 'floor', ...inputArgs(inputs)], repeat);
  const parallelFloor = await runParallelFloor(inputs, all);
  const rows: string[] = [
    tableRow('floor (read + JSON.parse), 1 thread', floor, floor),
    tableRow(`parallel floor, ${all} processes`, parallelFloor, floor),
  ];
  const label = { partial: 'aggregate only (--partial)', dir: 'build → dir:', local: 'build → local R2' } as const;
  const results = new Map<string, ChildResult>();
  for (const mode of settings.modes) {
    for (const parser of settings.parsers) {
      for (const threads of [1, all]) {
        const args = ['--child', 'build', ...inputArgs(inputs), '--threads', String(threads), '--mode', mode, '--parser', parser];
        const result = await best(args, repeat);
        results.set(`${mode}/${parser}/${threads}`, result);
        rows.push(tableRow(`${label[mode]}, --parser ${parser}, ${threads} thread${threads > 1 ? 's' : ''}`, result, floor));
      }
    }
  }
  console.log([...TABLE_HEADER, ...rows].join('\n'));
  console.log(`\nload average after ${workload.name}: ${load()}\n`);
  const floorSpeedUp = rate(parallelFloor) / rate(floor);
  console.log(`- parallel floor / floor: ${fmt(floorSpeedUp, 2)}x (what this machine gives ${all} threads of JSON.parse now)`);
  for (const mode of settings.modes) {
    for (const parser of settings.parsers) {
      const one = results.get(`${mode}/${parser}/1`) as ChildResult;
      const many = results.get(`${mode}/${parser}/${all}`) as ChildResult;
      console.log(
        `- ${label[mode]}, --parser ${parser}: 1 thread / floor ${fmt(rate(one) / rate(floor), 2)}; ${all} threads / 1 thread ${fmt(rate(many) / rate(one), 2)}x ` +
          `(total ${fmt(one.totalSeconds / many.totalSeconds, 2)}x); ${all} threads / parallel floor ${fmt(rate(many) / rate(parallelFloor), 2)}` +
          (one.shards ? `; publishing ${fmt(((one.totalSeconds - one.aggregateSeconds) * 1000) / one.shards, 3)} ms/shard (1 thread)` : ''),
      );
      warnIfDifferent(one, many, `${label[mode]} --parser ${parser} 1-thread and ${all}-thread builds`);
      if (parser === 'scan') console.log(`  scanner fallback: ${fallbackRate(one)}`);
    }
    if (settings.parsers.length > 1) {
      const [first, second] = settings.parsers as [ParserName, ParserName];
      const a = results.get(`${mode}/${first}/1`) as ChildResult;
      const b = results.get(`${mode}/${second}/1`) as ChildResult;
      console.log(`- ${label[mode]}, 1 thread: --parser ${first} / --parser ${second} ${fmt(rate(a) / rate(b), 2)}x`);
      warnIfDifferent(a, b, `${label[mode]} --parser ${first} and --parser ${second} builds`);
    }
  }
}

/** The lines the scanner gave to JSON.parse, of all lines, with the reasons. */
function fallbackRate(r: ChildResult): string {
  const reasons = Object.entries(r.fallbackReasons ?? {});
  const fallen = reasons.reduce((total, [, n]) => total + n, 0);
  const why = reasons.map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `${fallen} of ${r.lines} lines (${fmt((100 * fallen) / Math.max(1, r.lines), 2)}%)${why ? `: ${why}` : ''}`;
}

async function memoryCheck(input: string, settings: RunSettings): Promise<void> {
  const four = fourTimes(input);
  console.log(`\n### memory: the pooled input given 4 times (${fmt(mb(totalSize(four)))} MB, four links to one file)\n`);
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const threads of [1, settings.all]) {
    const small = await runChild(['--child', 'build', '--input', input, '--threads', String(threads), '--mode', 'dir']);
    const big = await runChild(['--child', 'build', ...inputArgs(four), '--threads', String(threads), '--mode', 'dir']);
    rows.push(
      tableRow(`build → dir: x1, ${threads} thread(s)`, small, small),
      tableRow(`build → dir: x4, ${threads} thread(s)`, big, small),
    );
    ratios.push(`${threads} thread(s) ${fmt(big.maxRssBytes / small.maxRssBytes, 2)}`);
  }
  console.log([...TABLE_HEADER, ...rows].join('\n'));
  console.log(`\n- peak RSS x4 / x1: ${ratios.join(', ')} (flat: within 1.20); × floor here is relative to the x1 run`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      input: { type: 'string', multiple: true },
      workload: { type: 'string' },
      count: { type: 'string' },
      pool: { type: 'string' },
      threads: { type: 'string' },
      child: { type: 'string' },
      mode: { type: 'string' },
      range: { type: 'string' },
      'skip-local-r2': { type: 'boolean' },
      'skip-publish': { type: 'boolean' },
      'skip-memory': { type: 'boolean' },
      repeat: { type: 'string' },
      parser: { type: 'string' },
      parsers: { type: 'string' },
    },
  });
  if (values.child) {
    const inputs = values.input ?? [];
    const [start, end] = (values.range ?? '').split(':').map(Number);
    const range = values.range ? { start: start as number, end: end as number } : undefined;
    const result =
      values.child === 'floor'
        ? await childFloor(inputs, range)
        : await childBuild(inputs, Number(values.threads ?? 1), (values.mode ?? 'dir') as Mode, parserNamed(values.parser ?? 'scan'));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const count = Number(values.count ?? 1700);
  const pool = Number(values.pool ?? 32);
  const chosen = values.workload ?? 'pooled,diverse';
  const workloads: Workload[] = values.input
    ? [{ name: 'input', inputs: values.input.map((input) => path.resolve(input)) }]
    : await Promise.all(
        chosen.split(',').map(async (name): Promise<Workload> => {
          if (name !== 'pooled' && name !== 'diverse') throw new Error(`--workload is pooled or diverse, not "${name}"`);
          return {
            name: name === 'pooled' ? `pooled (a pool of ${pool} dimension combinations)` : 'diverse (every ping its own dimensions)',
            inputs: [await ensureInput(count, name === 'pooled' ? pool : undefined)],
          };
        }),
      );
  const modes: Mode[] = values['skip-publish'] ? ['partial'] : values['skip-local-r2'] ? ['partial', 'dir'] : ['partial', 'dir', 'local'];
  const settings: RunSettings = {
    all: Number(values.threads ?? availableParallelism()),
    repeat: Math.max(1, Number(values.repeat ?? 1)),
    modes,
    parsers: (values.parsers ?? PARSERS.join(',')).split(',').map(parserNamed),
  };
  console.log(`## builder bench\n`);
  console.log(`- command: \`npm run bench:builder${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``);
  console.log(
    `- machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, node ${process.version}; load average at the start ${load()}`,
  );
  console.log(
    `- each configuration in its own child process${settings.repeat > 1 ? `, best of ${settings.repeat}` : ''}; MB/s counts input bytes over the aggregating phase; total s includes planning and publishing`,
  );
  for (const workload of workloads) await benchWorkload(workload, settings);
  const pooled = workloads.find((workload) => workload.name.startsWith('pooled'));
  if (!values['skip-memory'] && pooled) await memoryCheck(pooled.inputs[0] as string, settings);
  console.log(`\nload average at the end: ${load()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
