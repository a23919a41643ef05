/**
 * `npm run bench:serve`: how fast `wrangler dev` serves the API over the benchmark data, per
 * scenario, and what a cold request costs with R2's latency simulated. See
 * docs/performance.md ("Serving") for what each figure means.
 *
 *   npm run bench:serve -- [--duration 5] [--connections 10] [--sequential 200] [--cold-requests 20]
 *       [--latency 15] [--port 8811] [--pings 500] [--days 35] [--force-data] [--response-cache]
 *
 * 1. Builds the benchmark data once (bench-data.ts) into .bench/state.
 * 2. Cold: wrangler dev on the bench entry (bench-worker.ts) with SIMULATED_R2_LATENCY_MS and
 *    every cache off (INDEX_CACHE_SECONDS=0, SHARD_CACHE_MB=0, RESPONSE_CACHE=false), so each
 *    request reads what one would on an isolate whose caches have expired (the metric names it
 *    remembers, which steer the read-ahead, are not a cache setting: they stay); finds the
 *    scenarios (request-mix.ts) and times requests one at a time.
 * 3. Warm: a fresh wrangler dev (bench entry) with the default caches (the response cache off
 *    unless --response-cache, so each request does the worker's own work); per scenario, the
 *    first request, then --sequential requests one at a time, then autocannon for --duration s.
 * wrangler is stopped by PID (with the workerd processes it started) whatever happens.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DATA_OPTIONS, BENCH_DIR, benchDataFor } from './bench-data';
import type { DriveSummary } from './drive';
import { drive } from './drive';
import { httpProbe } from './http-probe';
import { fixed, table } from './measure';
import { onInterrupt, parseOptions, positiveInteger, positiveNumber, runMain } from './options';
import type { BenchDataset, NamedRequest } from './request-mix';
import { discoverDataset, monthsCovered, serveScenarios } from './request-mix';
import type { SequentialSummary } from './sequential';
import { sequential, timedGet } from './sequential';
import type { WranglerDev } from './wrangler-dev';
import { BENCH_ENTRY, describeVars, startWranglerDev } from './wrangler-dev';

const USAGE =
  'usage: npm run bench:serve -- [--duration S] [--connections N] [--sequential N] [--cold-requests N] [--latency MS] [--port P] [--pings N] [--days D] [--force-data] [--response-cache]';

interface WarmResult {
  scenario: NamedRequest;
  first: { status: number; indexReads: number; shardReads: number; bytes: number };
  sequential: SequentialSummary;
  load: DriveSummary;
}

interface ColdResult {
  scenario: NamedRequest;
  months: number;
  summary: SequentialSummary;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function withWrangler<T>(options: Parameters<typeof startWranglerDev>[0], work: (dev: WranglerDev) => Promise<T>): Promise<T> {
  const dev = await startWranglerDev(options);
  const forget = onInterrupt(() => dev.stop());
  try {
    return await work(dev);
  } finally {
    forget();
    await dev.stop();
  }
}

async function main(): Promise<number> {
  const values = parseOptions(
    process.argv.slice(2),
    {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '10' },
      sequential: { type: 'string', default: '200' },
      'cold-requests': { type: 'string', default: '20' },
      latency: { type: 'string', default: '15' },
      port: { type: 'string', default: '8811' },
      ...BENCH_DATA_OPTIONS,
      'force-data': { type: 'boolean', default: false },
      'response-cache': { type: 'boolean', default: false },
    },
    USAGE,
  );
  const port = positiveInteger(values, 'port');
  const latencyMs = positiveNumber(values, 'latency');
  const data = await benchDataFor(values, values['force-data'] === true);
  const commonVars = { DEBUG_R2_READS: 'true' };

  // Cold, with R2's latency simulated and every cache off.
  const coldVars = {
    ...commonVars,
    SIMULATED_R2_LATENCY_MS: String(latencyMs),
    INDEX_CACHE_SECONDS: '0',
    SHARD_CACHE_MB: '0',
    RESPONSE_CACHE: 'false',
  };
  log(`cold: wrangler dev on port ${port} with ${describeVars(coldVars)}`);
  const { dataset, cold } = await withWrangler(
    { entry: BENCH_ENTRY, port, persistTo: data.persistTo, vars: coldVars, logFile: path.join(BENCH_DIR, 'wrangler-cold.log') },
    async (dev) => {
      const found = await discoverDataset(httpProbe(dev.baseUrl));
      log(
        `scenarios over ${found.channel} ${found.version}: ${found.buildIds.length} build ids (${found.buildIds[0]}..${found.buildIds.at(-1)}), metric ${found.metric}`,
      );
      const results: ColdResult[] = [];
      for (const scenario of serveScenarios(found)) {
        const summary = await sequential(`${dev.baseUrl}${scenario.path}`, positiveInteger(values, 'cold-requests'));
        results.push({ scenario, months: monthsCovered(scenario.path), summary });
      }
      return { dataset: found, cold: results };
    },
  );

  // Warm: default caches on a fresh isolate.
  const warmVars: Record<string, string> = { ...commonVars, RESPONSE_CACHE: values['response-cache'] === true ? 'true' : 'false' };
  log(`warm: wrangler dev on port ${port} with ${describeVars(warmVars)}`);
  const warm = await withWrangler(
    { entry: BENCH_ENTRY, port, persistTo: data.persistTo, vars: warmVars, logFile: path.join(BENCH_DIR, 'wrangler-warm.log') },
    async (dev) => {
      const results: WarmResult[] = [];
      for (const scenario of serveScenarios(dataset)) {
        const url = `${dev.baseUrl}${scenario.path}`;
        const first = await timedGet(url);
        const sequentialSummary = await sequential(url, positiveInteger(values, 'sequential'));
        log(`autocannon: ${scenario.name}`);
        const load = await drive({
          baseUrl: dev.baseUrl,
          paths: [scenario.path],
          connections: positiveInteger(values, 'connections'),
          durationSeconds: positiveNumber(values, 'duration'),
        });
        results.push({
          scenario,
          first: { status: first.status, indexReads: first.indexReads, shardReads: first.shardReads, bytes: first.bytes },
          sequential: sequentialSummary,
          load,
        });
      }
      return results;
    },
  );

  const report = render(dataset, cold, warm, {
    latencyMs,
    connections: positiveInteger(values, 'connections'),
    duration: positiveNumber(values, 'duration'),
    responseCache: warmVars.RESPONSE_CACHE === 'true',
  });
  process.stdout.write(`${report.text}\n`);
  writeFileSync(path.join(BENCH_DIR, 'serve-results.json'), `${JSON.stringify({ dataset, cold, warm }, null, 2)}\n`);
  log(`results also in ${path.join(BENCH_DIR, 'serve-results.json')}`);
  return report.failures === 0 ? 0 : 1;
}

function render(
  dataset: BenchDataset,
  cold: readonly ColdResult[],
  warm: readonly WarmResult[],
  settings: { latencyMs: number; connections: number; duration: number; responseCache: boolean },
): { text: string; failures: number } {
  const lines: string[] = [];
  let failures = 0;
  const floor = warm.find((result) => result.scenario.name === 'floor');
  const ratio = (value: number, base: number | undefined): string => (base ? `${fixed(value / base)}x` : '-');

  lines.push(
    `Data: ${dataset.channel} ${dataset.version}, ${dataset.buildIds.length} build ids ${dataset.buildIds[0]}..${dataset.buildIds.at(-1)}, metric ${dataset.metric}; 1 filter: ${dataset.oneFilter}; 3 filters: ${dataset.threeFilters}; keyed: ${dataset.keyedMetric}`,
  );
  lines.push('');
  lines.push(
    `Warm (default isolate caches, response cache ${settings.responseCache ? 'on' : 'off'}), autocannon ${settings.connections} connections x ${settings.duration} s per scenario:`,
  );
  lines.push(
    table(
      ['scenario', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'non-2xx', 'reads 1st (idx+shard)', 'reads warm', 'bytes', 'p50/floor'],
      warm.map((r) => [
        r.scenario.name,
        fixed(r.load.requestsPerSecond, 0),
        fixed(r.load.latency.p50),
        fixed(r.load.latency.p90),
        fixed(r.load.latency.p99),
        String(r.load.errors + r.load.timeouts),
        String(r.load.non2xx),
        `${r.first.indexReads}+${r.first.shardReads}`,
        fixed(r.load.meanR2Reads, 3),
        String(r.first.bytes),
        ratio(r.load.latency.p50, floor?.load.latency.p50),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    `Warm, one request at a time (${warm[0]?.sequential.count ?? 0} per scenario; client-timed; worker ms = mean Server-Timing, whole-ms clock ticks averaged):`,
  );
  lines.push(
    table(
      ['scenario', 'p50 ms', 'p90 ms', 'max ms', 'worker ms', 'p50/floor'],
      warm.map((r) => [
        r.scenario.name,
        fixed(r.sequential.latency.p50),
        fixed(r.sequential.latency.p90),
        fixed(r.sequential.latency.max),
        fixed(r.sequential.meanWorkerMs),
        ratio(r.sequential.latency.p50, floor?.sequential.latency.p50),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    `Cold (SIMULATED_R2_LATENCY_MS=${settings.latencyMs}, isolate and response caches off: every request reads what one on an isolate whose caches expired would), one at a time (${cold[0]?.summary.count ?? 0} per scenario):`,
  );
  lines.push(
    table(
      ['scenario', 'p50 ms', 'p90 ms', 'max ms', 'worker ms', 'of which R2 ms', 'index reads', 'shard reads', 'months', 'statuses'],
      cold.map((r) => [
        r.scenario.name,
        fixed(r.summary.latency.p50),
        fixed(r.summary.latency.p90),
        fixed(r.summary.latency.max),
        fixed(r.summary.meanWorkerMs),
        fixed(r.summary.meanR2Ms),
        String(r.summary.maxIndexReads),
        String(r.summary.maxShardReads),
        String(r.months),
        Object.entries(r.summary.statuses)
          .map(([status, count]) => `${status}x${count}`)
          .join(' '),
      ]),
    ),
  );

  /** Timing targets are reported, never asserted; errors and unexpected statuses fail the run. */
  const checks: { label: string; ok: boolean; failsRun: boolean }[] = [];
  const target = (label: string, ok: boolean): void => void checks.push({ label, ok, failsRun: false });
  const evolution = warm[0];
  if (evolution && floor) {
    target(
      `warm p50 of "${evolution.scenario.name}" within 2x the floor (autocannon: ${ratio(evolution.load.latency.p50, floor.load.latency.p50)}, one at a time: ${ratio(evolution.sequential.latency.p50, floor.sequential.latency.p50)})`,
      evolution.load.latency.p50 <= 2 * floor.load.latency.p50,
    );
  }
  const coldEvolution = cold[0];
  if (coldEvolution) {
    target(
      `cold p50 of "${coldEvolution.scenario.name}" under 50 ms (${fixed(coldEvolution.summary.latency.p50)} ms)`,
      coldEvolution.summary.latency.p50 < 50,
    );
  }
  for (const r of cold.filter((result) => result.months > 0)) {
    target(
      `"${r.scenario.name}": at most one shard read per month covered (${r.summary.maxShardReads} reads, ${r.months} months)`,
      r.summary.maxShardReads <= r.months,
    );
  }
  for (const r of [
    ...warm.map((w) => ({
      name: w.scenario.name,
      bad: w.load.errors + w.load.timeouts + w.load.non2xx + (w.first.status === 200 ? 0 : 1),
    })),
    ...cold.map((c) => ({ name: c.scenario.name, bad: c.summary.count - (c.summary.statuses['200'] ?? 0) })),
  ]) {
    if (r.bad > 0) checks.push({ label: `"${r.name}": ${r.bad} errors, timeouts or non-200 answers`, ok: false, failsRun: true });
  }
  lines.push('');
  lines.push('Targets:');
  for (const check of checks) {
    lines.push(`  ${check.ok ? 'met    ' : 'NOT MET'} ${check.label}`);
    if (!check.ok && check.failsRun) failures += 1;
  }
  return { text: lines.join('\n'), failures };
}

runMain(main);
