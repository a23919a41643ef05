/**
 * `npm run bench:publish`: one build plan published into each store, into an empty target and
 * again (a re-run), with the store operations counted; then r2:// shards/s against the number of
 * requests in flight, against a local S3 server (s3rver behind the tests' fault proxy, in a child
 * process so that its CPU is not ours) that holds every request for a latency.
 *
 *   npm run bench:publish -- [--input FILE] [--targets dir,local,r2] [--r2-latency-ms 30]
 *                            [--r2-concurrency 1,4,16,32,64] [--r2-shards 1500]
 *
 * Without --input it publishes the demo's 2000 pings (.demo/pings-2000-seed1.ndjson, written by
 * `npm run demo`, or generated here once). CPU seconds are this process's and, for local R2,
 * workerd's.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { S3RVER_CREDENTIALS, startS3Sandbox } from '../../test/helpers/s3-sandbox';
import { Aggregator } from '../src/aggregate/aggregator';
import { loadDefinitions } from '../src/definitions/load-definitions';
import { writeDemoInput } from '../src/demo/write-demo-input';
import { expandInputs } from '../src/input/expand-inputs';
import { forEachLineOf, readLineBatches } from '../src/input/read-lines';
import { DirectoryStore } from '../src/publish/directory-store';
import type { ObjectStore, PutCondition } from '../src/publish/object-store';
import { publishBuild } from '../src/publish/publish-build';
import type { BuildPlan } from '../src/shards/plan-build';
import { planBuild } from '../src/shards/plan-build';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const DEMO_INPUT = path.join(ROOT, '.demo', 'pings-2000-seed1.ndjson');

const load = () => loadavg()[0]?.toFixed(1) ?? '?';

/** CPU seconds of this process's child processes (workerd). */
function childCpuSeconds(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
      if (fields[1] === String(process.pid)) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** The store, with its gets, puts and lists counted. */
function counted(inner: ObjectStore): { store: ObjectStore; counts: Record<'get' | 'put' | 'list', number> } {
  const counts = { get: 0, put: 0, list: 0 };
  const store: ObjectStore = {
    description: inner.description,
    ...(inner.suggestedConcurrency === undefined ? {} : { suggestedConcurrency: inner.suggestedConcurrency }),
    get: (key) => {
      counts.get += 1;
      return inner.get(key);
    },
    put: (key, bytes, type, condition?: PutCondition) => {
      counts.put += 1;
      return inner.put(key, bytes, type, condition);
    },
    list: (prefix) => {
      counts.list += 1;
      return inner.list(prefix);
    },
    delete: (key) => inner.delete(key),
    close: () => inner.close(),
  };
  return { store, counts };
}

async function planOf(input: string): Promise<BuildPlan> {
  const definitions = await loadDefinitions();
  const aggregator = new Aggregator(definitions.histograms, { sampleIdBelow: 100 });
  for (const source of await expandInputs([input])) {
    for await (const batch of readLineBatches(source, { bytesRead: 0 })) forEachLineOf(batch, (line) => aggregator.addLine(line));
  }
  return planBuild(aggregator, definitions);
}

async function timedPublish(store: ObjectStore, plan: BuildPlan, label: string): Promise<void> {
  const { store: counting, counts } = counted(store);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const child = childCpuSeconds();
  const report = await publishBuild(counting, plan);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const workerd = childCpuSeconds() - child;
  const cells = [
    label,
    (ms / 1000).toFixed(2),
    (ms / plan.shards.length).toFixed(3),
    ((plan.shards.length * 1000) / ms).toFixed(0),
    `${((used.user + used.system) / 1e6).toFixed(1)}${workerd > 0 ? ` + ${workerd.toFixed(1)}` : ''}`,
    `${counts.get} / ${counts.put} / ${counts.list}`,
    `${report.shardsWritten} + ${report.indexObjectsWritten}`,
    load(),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

/** A child process: s3rver behind the fault proxy, holding every request `holdMs`; prints the endpoint, stops at stdin's end. */
async function serveS3(holdMs: number): Promise<void> {
  const sandbox = await startS3Sandbox(['bench']);
  sandbox.proxy.holdMs = holdMs;
  process.stdout.write(`${sandbox.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void sandbox.stop().then(() => process.exit(0)));
}

async function withS3Server<T>(holdMs: number, use: (endpoint: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--s3-server', String(holdMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const endpoint = await new Promise<string>((resolve) => child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim())));
    return await use(endpoint);
  } finally {
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
  }
}

async function openS3(endpoint: string, maxInFlight?: number): Promise<ObjectStore> {
  const { S3Store } = await import('../src/publish/s3-store');
  return S3Store.open({ bucket: 'bench', prefix: '', endpoint, ...S3RVER_CREDENTIALS, ...(maxInFlight ? { maxInFlight } : {}) });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      input: { type: 'string' },
      targets: { type: 'string' },
      'r2-latency-ms': { type: 'string' },
      'r2-concurrency': { type: 'string' },
      'r2-shards': { type: 'string' },
      's3-server': { type: 'string' },
    },
  });
  if (values['s3-server'] !== undefined) return serveS3(Number(values['s3-server']));
  const input = values.input ?? DEMO_INPUT;
  if (!values.input && !existsSync(DEMO_INPUT)) await writeDemoInput({ out: DEMO_INPUT, count: 2000, seed: 1 });
  const targets = (values.targets ?? 'dir,local,r2').split(',');
  const holdMs = Number(values['r2-latency-ms'] ?? 30);
  const plan = await planOf(input);
  console.log(`## publish bench: ${plan.shards.length} shards of ${path.relative(ROOT, input)}; load average ${load()}\n`);
  console.log('| store, run | s | ms/shard | shards/s | CPU s (+ workerd) | gets / puts / lists | shards + index objects written | load |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const target of targets) {
    const dir = await mkdtemp(path.join(tmpdir(), 'publish-bench-'));
    try {
      const open = async (endpoint?: string): Promise<ObjectStore> => {
        if (target === 'dir') return DirectoryStore.open(dir);
        if (target === 'local') return (await import('../src/publish/local-r2-store')).LocalR2Store.open({ persistDir: dir });
        return openS3(endpoint as string);
      };
      const run = async (endpoint?: string) => {
        const store = await open(endpoint);
        const name = target === 'r2' ? `r2:// (${holdMs} ms per request)` : target === 'dir' ? 'dir:' : 'local R2';
        await timedPublish(store, plan, `${name}, empty target`);
        await timedPublish(store, plan, `${name}, re-run`);
        await store.close();
      };
      if (target === 'r2') await withS3Server(holdMs, run);
      else await run();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (!targets.includes('r2')) return;
  const shards = Number(values['r2-shards'] ?? 1500);
  console.log(`\n### r2:// shards/s against requests in flight (${holdMs} ms per request, ${shards} shards; 300 at 1)\n`);
  console.log('| requests in flight | shards/s | ms/shard | client CPU ms/shard | load |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const inFlight of (values['r2-concurrency'] ?? '1,4,16,32,64').split(',').map(Number)) {
    const part = { ...plan, shards: plan.shards.slice(0, inFlight === 1 ? Math.min(300, shards) : shards) };
    await withS3Server(holdMs, async (endpoint) => {
      const store = await openS3(endpoint, inFlight);
      const started = performance.now();
      const cpu = process.cpuUsage();
      await publishBuild(store, part);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const n = part.shards.length;
      console.log(
        `| ${inFlight} | ${((n * 1000) / ms).toFixed(0)} | ${(ms / n).toFixed(2)} | ${((used.user + used.system) / 1e3 / n).toFixed(2)} | ${load()} |`,
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
