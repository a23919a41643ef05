/**
 * `npm run load`: a weighted, dashboard-like mix of requests (request-mix.ts, loadMix) against
 * `wrangler dev` on loopback for --duration seconds, then req/s, latency percentiles, errors,
 * timeouts and statuses. Exits 1 on any error, timeout or status other than 200.
 *
 *   npm run load -- [--duration 60] [--connections 10] [--port 8812] [--pings 500] [--days 35]
 *       [--response-cache] [--url http://127.0.0.1:8787]
 *
 * Without --url it serves the benchmark data (bench-data.ts, built once into .bench/state) with
 * its own wrangler dev on the bench entry (bench-worker.ts), stopped by PID at the end; with
 * --url it drives a server already running.
 * Every distinct request of the mix is checked once (200) before the load starts.
 */
import path from 'node:path';
import { BENCH_DATA_OPTIONS, BENCH_DIR, benchDataFor } from './bench-data';
import { drive } from './drive';
import { httpProbe } from './http-probe';
import { fixed, table } from './measure';
import { onInterrupt, parseOptions, positiveInteger, positiveNumber, runMain } from './options';
import { discoverDataset, loadMix, weightedSequence } from './request-mix';
import type { WranglerDev } from './wrangler-dev';
import { BENCH_ENTRY, describeVars, startWranglerDev } from './wrangler-dev';

const USAGE = 'usage: npm run load -- [--duration S] [--connections N] [--port P] [--pings N] [--days D] [--response-cache] [--url BASE]';

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function main(): Promise<number> {
  const values = parseOptions(
    process.argv.slice(2),
    {
      duration: { type: 'string', default: '60' },
      connections: { type: 'string', default: '10' },
      port: { type: 'string', default: '8812' },
      ...BENCH_DATA_OPTIONS,
      'response-cache': { type: 'boolean', default: false },
      url: { type: 'string' },
    },
    USAGE,
  );
  const duration = positiveNumber(values, 'duration');
  const connections = positiveInteger(values, 'connections');
  let dev: WranglerDev | undefined;
  let baseUrl = typeof values.url === 'string' ? values.url.replace(/\/$/, '') : undefined;
  if (baseUrl === undefined) {
    const data = await benchDataFor(values);
    const vars = { DEBUG_R2_READS: 'true', RESPONSE_CACHE: values['response-cache'] === true ? 'true' : 'false' };
    log(`wrangler dev on port ${positiveInteger(values, 'port')} with ${describeVars(vars)}`);
    dev = await startWranglerDev({
      entry: BENCH_ENTRY,
      port: positiveInteger(values, 'port'),
      persistTo: data.persistTo,
      vars,
      logFile: path.join(BENCH_DIR, 'wrangler-load.log'),
    });
    baseUrl = dev.baseUrl;
  }
  const forget = dev ? onInterrupt(() => (dev as WranglerDev).stop()) : () => undefined;
  try {
    return await run(baseUrl, duration, connections);
  } finally {
    forget();
    await dev?.stop();
  }
}

async function run(baseUrl: string, duration: number, connections: number): Promise<number> {
  const probe = httpProbe(baseUrl);
  const dataset = await discoverDataset(probe);
  const mix = loadMix(dataset);
  const broken: string[] = [];
  for (const request of mix) {
    const { status } = await probe(request.path);
    if (status !== 200) broken.push(`${status} ${request.name}: ${request.path}`);
  }
  if (broken.length > 0) {
    log(`not starting: some requests of the mix do not answer 200:\n  ${broken.join('\n  ')}`);
    return 1;
  }
  const sequence = weightedSequence(mix);
  log(
    `load: ${mix.length} distinct requests (${dataset.channel} ${dataset.version}, ${dataset.buildIds.length} build ids, ${dataset.submissionDates.length} submission dates), weights summing to ${sequence.length}; ${connections} connections for ${duration} s`,
  );
  const summary = await drive({ baseUrl, paths: sequence.map((request) => request.path), connections, durationSeconds: duration });

  const lines = [
    table(
      [
        'requests',
        'seconds',
        'req/s',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'errors',
        'timeouts',
        'non-2xx',
        'R2 reads/req',
        'worker ms/req',
      ],
      [
        [
          String(summary.requests),
          fixed(summary.seconds),
          fixed(summary.requestsPerSecond, 1),
          fixed(summary.latency.p50),
          fixed(summary.latency.p90),
          fixed(summary.latency.p99),
          fixed(summary.latency.max),
          String(summary.errors),
          String(summary.timeouts),
          String(summary.non2xx),
          fixed(summary.meanR2Reads, 3),
          fixed(summary.meanServerTimingMs),
        ],
      ],
    ),
    `statuses: ${Object.entries(summary.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')}`,
    'mix (weight, request):',
    ...mix.map((request) => `  ${String(request.weight).padStart(2)}  ${request.name}`),
  ];
  const unexpected = Object.entries(summary.unexpected);
  for (const [requestPath, statuses] of unexpected) lines.push(`UNEXPECTED ${JSON.stringify(statuses)} for ${requestPath}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = summary.errors > 0 || summary.timeouts > 0 || summary.non2xx > 0 || unexpected.length > 0 || summary.requests === 0;
  if (failed) log('load: FAILED (errors, timeouts or unexpected statuses above)');
  return failed ? 1 : 0;
}

runMain(main);
