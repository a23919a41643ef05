/**
 * `npm run bench:data`: the data the worker's serving benchmarks run against (worker/bench/:
 * bench:serve, load, bench:hostile start it as a separate process). Deterministic demo pings
 * spread over enough submission days that one version has about 40 build ids (the demo's default
 * 14 days give about 24), built once by the builder CLI into a local R2 folder of their own
 * (DIR/state), so the benchmark never rewrites what `npm run demo` built. Reused while its marker
 * file exists.
 *
 *   npm run bench:data -- [--pings 500] [--days 35] [--seed 1] [--dir .bench] [--force]
 *
 * Progress goes to stderr; stdout is one JSON line: {"persistTo": DIR/state, "input": FILE}.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { main as builderMain } from '../src/cli';
import { processIo } from '../src/cli/cli-io';
import { writeDemoInput } from '../src/demo/write-demo-input';

export interface ServingDataOptions {
  pings: number;
  /** Submission days; build ids reach 10 days further back (MAX_BUILD_AGE_DAYS). */
  days: number;
  seed: number;
  /** Folder of the input, the marker and (under state/) the local R2 persistence. */
  dir: string;
  /** Rebuild even when the marker says it is there. */
  force: boolean;
}

export interface ServingData {
  /** wrangler's --persist-to folder. */
  persistTo: string;
  input: string;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export async function prepareServingData(options: ServingDataOptions): Promise<ServingData> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const name = `${options.pings}-seed${options.seed}-days${options.days}`;
  const input = path.join(dir, `pings-${name}.ndjson.gz`);
  const persistTo = path.join(dir, 'state');
  const marker = path.join(dir, `built-${name}.json`);
  if (options.force || !existsSync(marker)) {
    rmSync(marker, { force: true });
    rmSync(persistTo, { recursive: true, force: true });
  } else {
    log(`reusing the benchmark data in ${persistTo} (--force here, or --force-data of bench:serve, rebuilds it)`);
    return { persistTo, input };
  }
  if (!existsSync(input)) {
    const written = await writeDemoInput({ out: input, count: options.pings, seed: options.seed, days: options.days });
    log(`generated ${written.pings} demo pings over ${options.days} days: ${input}`);
  }
  log(`building them into ${persistTo} (local R2)...`);
  const report = path.join(dir, `build-report-${name}.json`);
  const code = await builderMain(
    ['build', '--input', input, '--target', 'local', '--persist-to', persistTo, '--report', report],
    processIo(),
  );
  if (code !== 0) throw new Error(`the builder exited with ${code} (report: ${report})`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return { persistTo, input };
}

function positiveInteger(name: string, text: string): number {
  const number = Number(text);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`--${name} expects a positive integer, got ${text}`);
  return number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      pings: { type: 'string', default: '500' },
      days: { type: 'string', default: '35' },
      seed: { type: 'string', default: '1' },
      dir: { type: 'string', default: '.bench' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const data = await prepareServingData({
    pings: positiveInteger('pings', values.pings),
    days: positiveInteger('days', values.days),
    seed: positiveInteger('seed', values.seed),
    dir: values.dir,
    force: values.force,
  });
  process.stdout.write(`${JSON.stringify(data)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:data: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
