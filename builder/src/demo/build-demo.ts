/**
 * `npm run demo`: generates the deterministic demo pings (once) and builds them into the local
 * R2 bucket that `npm run dev` serves, through the same CLI an operator runs, on every core.
 * The input stays uncompressed: gzip costs CPU twice (to write, then to read), and `npm start`
 * waits for both (docs/performance.md).
 *
 *   DEMO_PINGS=2000 DEMO_SEED=1 npm run demo        (FORCE=1 rebuilds from scratch)
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { main as builderMain } from '../cli';
import { processIo } from '../cli/cli-io';
import { writeDemoInput } from './write-demo-input';

const count = Number(process.env.DEMO_PINGS ?? 2000);
const seed = Number(process.env.DEMO_SEED ?? 1);
const demoDir = path.resolve('.demo');
const persistDir = path.resolve(process.env.PERSIST_TO ?? '.wrangler/state');
const input = path.join(demoDir, `pings-${count}-seed${seed}.ndjson`);
const marker = path.join(demoDir, `built-${count}-seed${seed}.json`);
const r2Dir = path.join(persistDir, 'v3', 'r2');

async function buildDemo(): Promise<number> {
  if (process.env.FORCE === '1') {
    rmSync(marker, { force: true });
    rmSync(r2Dir, { recursive: true, force: true });
  }
  if (existsSync(marker) && existsSync(r2Dir)) {
    process.stderr.write(`demo data already in local R2 (${r2Dir}); FORCE=1 npm run demo rebuilds it\n`);
    return 0;
  }
  if (!existsSync(input)) {
    const written = await writeDemoInput({ out: input, count, seed });
    process.stderr.write(`generated ${written.pings} demo pings in ${(written.milliseconds / 1000).toFixed(1)} s: ${input}\n`);
  }
  const report = path.join(demoDir, 'build-report.json');
  const code = await builderMain(
    [
      'build',
      '--input',
      input,
      '--target',
      'local',
      '--persist-to',
      persistDir,
      '--report',
      report,
      '--threads',
      String(availableParallelism()),
    ],
    processIo(),
  );
  if (code === 0) writeFileSync(marker, `${new Date().toISOString()}\n`);
  return code;
}

buildDemo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
