/**
 * `wrangler dev` as a child process for the bench scripts: started from node_modules/.bin (never
 * npx) on loopback with wrangler.toml's bindings and vars plus the given ones, on the bench entry
 * (bench-worker.ts) or the production one, waited for until /status answers, and stopped by PID,
 * together with the workerd processes it started (found by PID before it goes, killed by PID if
 * they outlive it).
 */

import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bench entry: the production app plus the floor route and SIMULATED_R2_LATENCY_MS. */
export const BENCH_ENTRY = fileURLToPath(new URL('./bench-worker.ts', import.meta.url));

export interface WranglerDevOptions {
  /** The Worker's entry; default wrangler.toml's main (the production worker). */
  entry?: string;
  port: number;
  /** --persist-to: the local R2 (and cache) state it serves. */
  persistTo: string;
  vars: Record<string, string>;
  /** wrangler's stdout and stderr go here. */
  logFile: string;
  readyTimeoutMs?: number;
}

export interface WranglerDev {
  baseUrl: string;
  /** The Worker's inspector (Chrome DevTools Protocol): port + 1. */
  inspectorPort: number;
  pid: number;
  stop(): Promise<void>;
}

const WRANGLER_BIN = path.resolve('node_modules/.bin/wrangler');

/** `NAME=value NAME=value` for logs. */
export function describeVars(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const inspectorPort = options.port + 1;
  const args = ['dev', ...(options.entry ? [options.entry] : []), '--ip', '127.0.0.1', '--port', String(options.port)];
  args.push(
    '--persist-to',
    options.persistTo,
    '--inspector-port',
    String(inspectorPort),
    '--show-interactive-dev-session=false',
    '--log-level',
    'warn',
  );
  for (const [name, value] of Object.entries(options.vars)) args.push('--var', `${name}:${value}`);
  const log = createWriteStream(options.logFile);
  await new Promise<void>((resolve, reject) => log.once('open', () => resolve()).once('error', reject));
  const child = spawn(WRANGLER_BIN, args, {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    stdio: ['ignore', log, log],
  });
  if (child.pid === undefined) throw new Error('wrangler dev did not start');
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const dev: WranglerDev = { baseUrl, inspectorPort, pid: child.pid, stop: () => stopProcessTree(child) };
  try {
    await waitUntilReady(baseUrl, child, options.readyTimeoutMs ?? 120_000, options.logFile);
  } catch (error) {
    await dev.stop();
    throw error;
  }
  return dev;
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode} before it was ready (log: ${logFile})`);
    try {
      const response = await fetch(`${baseUrl}/status`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev was not ready within ${timeoutMs} ms (log: ${logFile})`);
}

/** PIDs of every process below `pid` (from ps; empty where ps is unavailable). */
export function descendantsOf(pid: number): number[] {
  let listing: string;
  try {
    listing = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of listing.split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined || Number.isNaN(child)) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopProcessTree(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const descendants = descendantsOf(pid);
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = new Promise<void>((resolve) => setTimeout(resolve, 5_000));
    await Promise.race([exited, timer]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const descendant of descendants) {
    if (!alive(descendant)) continue;
    try {
      process.kill(descendant, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
