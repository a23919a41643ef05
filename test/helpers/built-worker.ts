/**
 * The production path, for end-to-end tests (Node side): the builder CLI publishing pings into a
 * local R2 bucket (`build --target local --persist-to DIR`), wrangler's production bundle of the
 * worker (`wrangler deploy --dry-run --outdir`), and that bundle in plain Miniflare (workerd
 * without the vitest pool's unsafe-eval) reading the same R2 state, configured with the
 * `[vars]` of wrangler.toml.
 *
 * The setup of test/e2e/worker-bundle.test.ts, made reusable.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { runCli } from './run-cli';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WRANGLER_TOML = join(ROOT, 'wrangler.toml');
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
/** The bucket name of wrangler.toml's AGGREGATES binding (and the builder's default). */
export const BUCKET = 'telemetry-aggregates';
/** Worker instances answer on https://{name}.aggregates.test/. */
export const BASE_URL = 'https://aggregates.test';

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Wrangler's production bundle of the worker in `outdir` (of wrangler.toml's main, or of another
 * entry such as the bench one); returns the entry module's path.
 */
export async function bundleWorker(outdir: string, entry?: string): Promise<string> {
  const args = [WRANGLER, 'deploy', ...(entry ? [entry] : []), '--dry-run', '--outdir', outdir];
  await promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return join(outdir, entry ? `${basename(entry, '.ts')}.js` : 'index.js');
}

export interface WranglerSettings {
  compatibilityDate: string;
  /** The `[vars]` table: what a deployed worker sees as its variables. */
  vars: Record<string, string>;
}

/**
 * Reads compatibility_date and the `[vars]` table of wrangler.toml. Only the TOML this file uses
 * is understood (`KEY = "basic string"` and `KEY = 'literal string'`); anything else fails loudly.
 */
export async function readWranglerSettings(path = WRANGLER_TOML): Promise<WranglerSettings> {
  const text = await readFile(path, 'utf8');
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  if (!compatibilityDate) throw new Error(`no compatibility_date in ${path}`);
  const vars: Record<string, string> = {};
  let inVars = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inVars = line === '[vars]';
      continue;
    }
    if (!inVars || line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!match) throw new Error(`cannot read wrangler.toml [vars] line: ${line}`);
    const [, key, value] = match as unknown as [string, string, string];
    if (/^"(?:[^"\\]|\\.)*"$/.test(value)) vars[key] = JSON.parse(value) as string;
    else if (/^'[^']*'$/.test(value)) vars[key] = value.slice(1, -1);
    else throw new Error(`unsupported TOML value for ${key}: ${value}`);
  }
  return { compatibilityDate, vars };
}

export interface BuildResult {
  /** The wrangler state folder the builder wrote (its R2 data is under v3/r2). */
  persistDir: string;
  /** The builder's JSON report (--report). */
  report: BuilderReport;
}

export interface BuilderReport {
  pings: { read: number; accepted: number; skipped: Record<string, number> };
  shards: { written: number; contributions: number };
  [key: string]: unknown;
}

/**
 * Writes `pings` as NDJSON into `dir` and runs the builder's command line on it
 * (`build --input FILE --target local --persist-to DIR`), in this process. The CLI's report on
 * stderr is captured and only shown when the build fails.
 */
export async function buildPingsIntoLocalR2(pings: readonly unknown[], dir: string): Promise<BuildResult> {
  const input = join(dir, 'pings.ndjson');
  const persistDir = join(dir, 'state');
  const reportFile = join(dir, 'build-report.json');
  await writeFile(input, pings.map((ping) => `${JSON.stringify(ping)}\n`).join(''));
  const args = ['build', '--input', input, '--target', 'local', '--persist-to', persistDir, '--report', reportFile, '--quiet'];
  const { code, stderr } = await runCli(args);
  if (code !== 0) throw new Error(`builder exited with ${code}:\n${stderr}`);
  const report = JSON.parse(await readFile(reportFile, 'utf8')) as BuilderReport;
  return { persistDir, report };
}

export interface WorkerInstance {
  /** Worker name inside the Miniflare instance; it serves https://{name}.aggregates.test/. */
  name: string;
  /** Variables on top of wrangler.toml's [vars]. */
  vars?: Record<string, string>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

export interface BuiltWorker {
  miniflare: Miniflare;
  /**
   * A request to one of the workers (default: the first); `path` starts with "/". Requests go
   * through Miniflare's entry like real traffic (dispatchFetch, routed by host name), so headers
   * such as Origin reach the worker as a browser sends them.
   */
  fetch(path: string, options?: { worker?: string; headers?: Record<string, string>; method?: string }): Promise<HttpResult>;
  /** The origin a worker instance answers on. */
  origin(worker?: string): string;
  dispose(): Promise<void>;
}

/**
 * The bundled worker in plain Miniflare, once per entry of `instances` (each its own isolate,
 * caches and variables), all bound to the R2 state the builder wrote to `persistDir`.
 */
export async function startBuiltWorker(options: {
  scriptPath: string;
  persistDir: string;
  instances: readonly WorkerInstance[];
}): Promise<BuiltWorker> {
  const settings = await readWranglerSettings();
  const modulesRoot = join(options.scriptPath, '..');
  const host = (name: string) => `${name}.${new URL(BASE_URL).host}`;
  const miniflare = new Miniflare({
    r2Persist: join(options.persistDir, 'v3', 'r2'),
    // No network: a placeholder Request.cf instead of fetching the real one.
    cf: false,
    workers: options.instances.map((instance) => ({
      name: instance.name,
      routes: [`${host(instance.name)}/*`],
      scriptPath: options.scriptPath,
      modules: true,
      modulesRoot,
      compatibilityDate: settings.compatibilityDate,
      r2Buckets: { AGGREGATES: BUCKET },
      bindings: { ...settings.vars, ...instance.vars },
    })),
  });
  await miniflare.ready;
  const defaultWorker = options.instances[0]?.name;
  const origin = (worker = defaultWorker) => {
    if (!worker || !options.instances.some((instance) => instance.name === worker)) throw new Error(`no worker instance ${worker}`);
    return `https://${host(worker)}`;
  };
  return {
    miniflare,
    origin,
    async fetch(path, { worker, headers = {}, method = 'GET' } = {}) {
      const response = await miniflare.dispatchFetch(`${origin(worker)}${path}`, { headers, method });
      return { status: response.status, headers: response.headers as unknown as Headers, text: await response.text() };
    },
    dispose: () => miniflare.dispose(),
  };
}
