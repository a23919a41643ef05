/**
 * The data the serving benchmarks run against, made by the builder's own bench script in a
 * separate process (`npm run bench:data`, see package.json): nothing under worker/ imports the
 * builder. Its progress goes to this process's stderr; it answers the local R2 folder to serve.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { positiveInteger } from './options';

/** Where the serving benches keep their data, wrangler logs and results. */
export const BENCH_DIR = '.bench';

/** The --pings and --days options of every serving bench (parseOptions specs). */
export const BENCH_DATA_OPTIONS = {
  pings: { type: 'string', default: '500' },
  days: { type: 'string', default: '35' },
} as const;

export interface BenchDataOptions {
  pings: number;
  /** Submission days of the demo pings. */
  days: number;
  seed: number;
  /** Folder of the input, the marker and (under state/) the local R2 persistence. */
  dir: string;
  /** Rebuild even when it was built before. */
  force: boolean;
}

export interface BenchData {
  /** wrangler's --persist-to folder. */
  persistTo: string;
  input: string;
}

/** npm itself when this runs under npm (npm_execpath), else the npm on PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const npmCli = process.env.npm_execpath;
  return npmCli?.endsWith('.js') ? [process.execPath, [npmCli, ...args]] : ['npm', args];
}

export async function prepareBenchData(options: BenchDataOptions): Promise<BenchData> {
  const args = ['run', '--silent', 'bench:data', '--', '--pings', String(options.pings), '--days', String(options.days)];
  args.push('--seed', String(options.seed), '--dir', options.dir, ...(options.force ? ['--force'] : []));
  const [command, commandArgs] = npmCommand(args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  if (code !== 0) throw new Error(`npm run bench:data exited with ${code}`);
  const answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Partial<BenchData>;
  if (typeof answer.persistTo !== 'string' || typeof answer.input !== 'string') throw new Error(`npm run bench:data answered ${stdout}`);
  return { persistTo: answer.persistTo, input: answer.input };
}

/** The benchmark data for parsed --pings and --days (seed 1, in BENCH_DIR). */
export function benchDataFor(values: Record<string, string | boolean | undefined>, force = false): Promise<BenchData> {
  mkdirSync(BENCH_DIR, { recursive: true });
  return prepareBenchData({
    pings: positiveInteger(values, 'pings'),
    days: positiveInteger(values, 'days'),
    seed: 1,
    dir: BENCH_DIR,
    force,
  });
}
