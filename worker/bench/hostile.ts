/**
 * `npm run bench:hostile`: what a stream of hostile data requests (hostile-mix.ts: metric names
 * that do not exist, 16,000-character names and labels, versions nobody published) costs the
 * production worker under `wrangler dev`: R2 reads per request by kind (from the DEBUG_R2_READS
 * headers), the isolate caches' accounted sizes (X-Isolate-Caches, same var), and the resident
 * memory of the workerd processes and the Worker's V8 heap (inspector.ts) every --sample requests
 * and after --idle seconds of quiet.
 *
 *   npm run bench:hostile -- [--requests 10000] [--connections 8] [--long-length 16000]
 *       [--sample 1000] [--idle 15] [--seed 1] [--port 8813] [--pings 500] [--days 35] [--null-worker]
 *       [--response-cache]
 *
 * Serves the benchmark data (bench-data.ts, .bench/state) with the production entry
 * (wrangler.toml's main), DEBUG_R2_READS=true and RESPONSE_CACHE=false unless --response-cache
 * (the Workers Cache API is not isolate memory on the platform, but wrangler dev simulates it in
 * the Worker's own workerd process); wrangler is stopped by PID at the end.
 * --null-worker sends the same stream to null-worker.ts instead (answers 404, does nothing): the
 * floor, what wrangler dev and workerd grow by on their own. Exits 1 when a request fails or
 * answers anything but 400 or 404.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DATA_OPTIONS, BENCH_DIR, benchDataFor } from './bench-data';
import type { HostileKind, HostileRequest } from './hostile-mix';
import { HOSTILE_KINDS, hostileRequests } from './hostile-mix';
import { httpProbe } from './http-probe';
import type { HeapUsage } from './inspector';
import { workerHeapUsage } from './inspector';
import { fixed, parseCachesHeader, table } from './measure';
import { onInterrupt, parseOptions, positiveInteger, runMain } from './options';
import type { ProcessRss } from './process-memory';
import { workerdRss } from './process-memory';
import type { BenchDataset } from './request-mix';
import { discoverDataset } from './request-mix';
import { describeVars, startWranglerDev } from './wrangler-dev';

const NULL_ENTRY = fileURLToPath(new URL('./null-worker.ts', import.meta.url));

const USAGE =
  'usage: npm run bench:hostile -- [--requests N] [--connections N] [--long-length N] [--sample N] [--idle S] [--seed N] [--port P] [--pings N] [--days D] [--null-worker] [--response-cache]';
const EXPECTED_STATUSES = new Set([400, 404]);
const CACHES_HEADER = 'X-Isolate-Caches';

interface KindTotals {
  requests: number;
  statuses: Record<string, number>;
  indexReads: number;
  shardReads: number;
  maxShardReads: number;
}

interface RssSample {
  label: string;
  processes: ProcessRss[];
  /** The Worker's V8 heap (inspector), when it answered. */
  heap: HeapUsage | undefined;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const mb = (bytes: number): string => fixed(bytes / (1024 * 1024), 1);

async function main(): Promise<number> {
  const values = parseOptions(
    process.argv.slice(2),
    {
      requests: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '8' },
      'long-length': { type: 'string', default: '16000' },
      sample: { type: 'string', default: '1000' },
      idle: { type: 'string', default: '15' },
      seed: { type: 'string', default: '1' },
      port: { type: 'string', default: '8813' },
      ...BENCH_DATA_OPTIONS,
      'null-worker': { type: 'boolean', default: false },
      'response-cache': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const count = positiveInteger(values, 'requests');
  const connections = positiveInteger(values, 'connections');
  const sampleEvery = positiveInteger(values, 'sample');
  const idleSeconds = Number(values.idle);
  if (!Number.isFinite(idleSeconds) || idleSeconds < 0) throw new Error(`--idle expects seconds >= 0\n${USAGE}`);
  const data = await benchDataFor(values);
  const port = positiveInteger(values, 'port');
  // The Cache API is outside the isolate on the platform, but wrangler dev simulates it inside the Worker's workerd.
  const vars = { DEBUG_R2_READS: 'true', RESPONSE_CACHE: values['response-cache'] === true ? 'true' : 'false' };
  const nullWorker = values['null-worker'] === true;
  const nullDataset = nullWorker ? await discoverWith(data.persistTo, port + 2) : undefined;
  log(`wrangler dev (${nullWorker ? 'null-worker.ts' : 'production entry'}) on port ${port} with ${describeVars(vars)}`);
  const logFile = path.join(BENCH_DIR, 'wrangler-hostile.log');
  const dev = await startWranglerDev({ ...(nullWorker ? { entry: NULL_ENTRY } : {}), port, persistTo: data.persistTo, vars, logFile });
  const forget = onInterrupt(() => dev.stop());
  try {
    const dataset = nullDataset ?? (await discoverDataset(httpProbe(dev.baseUrl)));
    const requests = hostileRequests(dataset, {
      count,
      seed: positiveInteger(values, 'seed'),
      longLength: positiveInteger(values, 'long-length'),
    });
    const sample = async (label: string): Promise<RssSample> => ({
      label,
      processes: workerdRss(dev.pid, data.persistTo),
      heap: await workerHeapUsage(dev.inspectorPort),
    });
    const samples: RssSample[] = [await sample('before (after discovery)')];
    log(`hostile stream: ${count} requests over ${dataset.channel} ${dataset.version}, ${connections} connections`);
    const result = await stream(dev.baseUrl, requests, connections, sampleEvery, async (done) => {
      samples.push(await sample(`after ${done}`));
    });
    if (idleSeconds > 0) {
      log(`idle ${idleSeconds} s...`);
      await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
      samples.push(await sample(`after ${idleSeconds} s idle`));
    }
    process.stdout.write(`${render(result, samples)}\n`);
    writeFileSync(path.join(BENCH_DIR, 'hostile-results.json'), `${JSON.stringify({ dataset, ...result, samples }, null, 2)}\n`);
    log(`results also in ${path.join(BENCH_DIR, 'hostile-results.json')}`);
    return result.failures.length === 0 ? 0 : 1;
  } finally {
    forget();
    await dev.stop();
  }
}

/** The dataset, found through a production worker of its own, stopped before the stream starts. */
async function discoverWith(persistTo: string, port: number): Promise<BenchDataset> {
  const dev = await startWranglerDev({ port, persistTo, vars: {}, logFile: path.join(BENCH_DIR, 'wrangler-hostile-discovery.log') });
  try {
    return await discoverDataset(httpProbe(dev.baseUrl));
  } finally {
    await dev.stop();
  }
}

interface StreamResult {
  seconds: number;
  byKind: Record<HostileKind, KindTotals>;
  /** The largest accounted size seen per cache, with its bound. */
  caches: Record<string, [number, number]>;
  failures: string[];
}

async function stream(
  baseUrl: string,
  requests: readonly HostileRequest[],
  connections: number,
  sampleEvery: number,
  onSample: (done: number) => Promise<void>,
): Promise<StreamResult> {
  const byKind = Object.fromEntries(
    HOSTILE_KINDS.map((kind) => [kind, { requests: 0, statuses: {}, indexReads: 0, shardReads: 0, maxShardReads: 0 }]),
  ) as Record<HostileKind, KindTotals>;
  const caches: Record<string, [number, number]> = {};
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const request = requests[next++] as HostileRequest;
      const totals = byKind[request.kind];
      try {
        const response = await fetch(`${baseUrl}${request.path}`);
        await response.arrayBuffer();
        totals.requests += 1;
        totals.statuses[String(response.status)] = (totals.statuses[String(response.status)] ?? 0) + 1;
        if (!EXPECTED_STATUSES.has(response.status)) failures.push(`${response.status} for ${request.kind} ${request.path.slice(0, 120)}`);
        const shardReads = Number(response.headers.get('X-R2-Shard-Reads') ?? 0);
        totals.indexReads += Number(response.headers.get('X-R2-Index-Reads') ?? 0);
        totals.shardReads += shardReads;
        totals.maxShardReads = Math.max(totals.maxShardReads, shardReads);
        for (const [name, [used, bound]] of Object.entries(parseCachesHeader(response.headers.get(CACHES_HEADER)))) {
          if (used >= (caches[name]?.[0] ?? -1)) caches[name] = [used, bound];
        }
      } catch (error) {
        const cause = (error as Error).cause;
        failures.push(`${request.kind}: ${(error as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`);
      }
      done += 1;
      if (done % sampleEvery === 0) await onSample(done);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { seconds: (performance.now() - started) / 1000, byKind, caches, failures };
}

function render(result: StreamResult, samples: readonly RssSample[]): string {
  const lines: string[] = [];
  const total = Object.values(result.byKind).reduce((sum, kind) => sum + kind.requests, 0);
  lines.push(`${total} hostile requests in ${fixed(result.seconds, 1)} s (${fixed(total / result.seconds, 0)} req/s):`);
  lines.push(
    table(
      ['kind', 'requests', 'statuses', 'index reads/req', 'shard reads/req', 'max shard reads', 'shard reads'],
      HOSTILE_KINDS.map((kind) => {
        const k = result.byKind[kind];
        return [
          kind,
          String(k.requests),
          Object.entries(k.statuses)
            .map(([status, n]) => `${status}x${n}`)
            .join(' '),
          fixed(k.indexReads / k.requests, 3),
          fixed(k.shardReads / k.requests, 3),
          String(k.maxShardReads),
          String(k.shardReads),
        ];
      }),
    ),
  );
  lines.push('');
  const pids = [...new Set(samples.flatMap((sample) => sample.processes.map((p) => p.pid)))];
  const roleOf = (pid: number): string => samples.flatMap((s) => s.processes).find((p) => p.pid === pid)?.role ?? '?';
  lines.push('workerd resident memory (MB; worker: the process running the Worker, proxy: wrangler dev proxy):');
  lines.push(
    table(
      ['when', ...pids.map((pid) => `${roleOf(pid)} (pid ${pid})`), 'total', 'Worker V8 heap used / total'],
      samples.map((sample) => [
        sample.label,
        ...pids.map((pid) => {
          const found = sample.processes.find((p) => p.pid === pid);
          return found ? mb(found.rssBytes) : '-';
        }),
        mb(sample.processes.reduce((sum, p) => sum + p.rssBytes, 0)),
        sample.heap ? `${mb(sample.heap.usedBytes)} / ${mb(sample.heap.totalBytes)}` : '-',
      ]),
    ),
  );
  const caches = Object.entries(result.caches);
  lines.push('');
  lines.push(
    caches.length === 0
      ? `isolate caches: no ${CACHES_HEADER} header`
      : `isolate caches, largest accounted size seen / bound: ${caches.map(([name, [used, bound]]) => `${name} ${used}/${bound}`).join(', ')}`,
  );
  if (result.failures.length > 0) lines.push(`FAILED: ${result.failures.length} requests, e.g. ${result.failures.slice(0, 5).join('; ')}`);
  return lines.join('\n');
}

runMain(main);
