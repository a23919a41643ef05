/**
 * The data the serving benchmarks run against: deterministic demo pings spread over enough
 * submission days that one version has about 40 build ids (the demo's default 14 days give about
 * 24), built once by the real builder into a local R2 folder of their own (.bench/state), so the
 * benchmark never rewrites what `npm run demo` built. Reused while its marker file exists.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main as builderMain } from '../../builder/src/cli';
import { processIo } from '../../builder/src/cli/cli-io';
import { writeDemoInput } from '../../builder/src/demo/write-demo-input';

export interface BenchDataOptions {
  pings: number;
  /** Submission days; build ids reach 10 days further back (MAX_BUILD_AGE_DAYS). */
  days: number;
  seed: number;
  /** Folder of the input, the marker and (under state/) the local R2 persistence. */
  dir: string;
  /** Rebuild even when the marker says it is there. */
  force: boolean;
  log: (line: string) => void;
}

export interface BenchData {
  /** wrangler's --persist-to folder. */
  persistTo: string;
  input: string;
}

export async function prepareBenchData(options: BenchDataOptions): Promise<BenchData> {
  const dir = path.resolve(options.dir);
  const name = `${options.pings}-seed${options.seed}-days${options.days}`;
  const input = path.join(dir, `pings-${name}.ndjson.gz`);
  const persistTo = path.join(dir, 'state');
  const marker = path.join(dir, `built-${name}.json`);
  if (options.force || !existsSync(marker)) {
    rmSync(marker, { force: true });
    rmSync(persistTo, { recursive: true, force: true });
  } else {
    options.log(`reusing the benchmark data in ${persistTo} (--force-data rebuilds it)`);
    return { persistTo, input };
  }
  if (!existsSync(input)) {
    const written = await writeDemoInput({ out: input, count: options.pings, seed: options.seed, days: options.days });
    options.log(`generated ${written.pings} demo pings over ${options.days} days: ${input}`);
  }
  options.log(`building them into ${persistTo} (local R2)...`);
  const report = path.join(dir, `build-report-${name}.json`);
  const code = await builderMain(
    ['build', '--input', input, '--target', 'local', '--persist-to', persistTo, '--report', report],
    processIo(),
  );
  if (code !== 0) throw new Error(`the builder exited with ${code} (report: ${report})`);
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  return { persistTo, input };
}
