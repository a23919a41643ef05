/**
 * Inputs and observations for the publishing-safety tests (races, crashes, --force): the real
 * pings of test/fixtures/pings re-dated to chosen submission dates, the CLI as a child process,
 * and every object of a store.
 */

import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import type { ObjectStore } from '../../builder/src/publish/object-store';
import type { BuildPlan } from '../../builder/src/shards/plan-build';
import { planBuild } from '../../builder/src/shards/plan-build';
import type { LedgerIndex, ManifestIndex } from '../../worker/src/core/index-objects';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { MemoryStore } from './memory-store';
import { vendoredDefinitions } from './pings';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PINGS_DIR = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));
/** The two real pings that carry the `meta` the aggregator needs (nightly 54, Windows). */
const REAL_PINGS_WITH_META = ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'];

type Json = Record<string, unknown>;

let realPings: Json[] | undefined;
function loadRealPings(): Json[] {
  realPings ??= REAL_PINGS_WITH_META.map((file) => JSON.parse(readFileSync(`${PINGS_DIR}${file}`, 'utf8')) as Json);
  return realPings;
}

/** Both real pings, as if submitted on `date` (and, if given, with a scaled GC_MS sum so dates differ). */
export function realPingsOn(date: string, variant = 0): Json[] {
  return loadRealPings().map((ping) => {
    const copy = structuredClone(ping);
    (copy.meta as Json).submissionDate = date;
    if (variant > 0) {
      const gc = ((copy.payload as Json).histograms as Json).GC_MS as Json | undefined;
      if (gc)
        gc.values = Object.fromEntries(
          Object.entries(gc.values as Record<string, number>).map(([bucket, n]) => [bucket, n * (variant + 1)]),
        );
    }
    return copy;
  });
}

export function ndjson(pings: readonly unknown[]): string {
  return `${pings.map((ping) => JSON.stringify(ping)).join('\n')}\n`;
}

/** The build plan of these pings (a plan can be published any number of times). */
export async function planOf(pings: readonly unknown[]): Promise<BuildPlan> {
  const definitions = await vendoredDefinitions();
  const aggregator = new Aggregator(definitions.histograms, { sampleIdBelow: 100 });
  for (const ping of pings) aggregator.addPing(ping);
  return planBuild(aggregator, definitions);
}

/** Two overlapping builds (A: the real pings on D1 and D2; B: on D2 and D3) and what publishing A then B leaves. */
export async function overlappingBuilds(
  [d1, d2, d3]: readonly [string, string, string],
  publish: (store: ObjectStore, plan: BuildPlan) => Promise<unknown>,
): Promise<{ planA: BuildPlan; planB: BuildPlan; sequential: Map<string, Uint8Array> }> {
  const planA = await planOf([...realPingsOn(d1), ...realPingsOn(d2)]);
  const planB = await planOf([...realPingsOn(d2), ...realPingsOn(d3)]);
  const store = new MemoryStore();
  await publish(store, planA);
  await publish(store, planB);
  return { planA, planB, sequential: await objectsOf(store) };
}

/** Every object of a store, by key. */
export async function objectsOf(store: ObjectStore): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const key of await store.list('')) {
    const object = await store.get(key);
    if (object) out.set(key, object.bytes);
  }
  return out;
}

/** Keys missing, extra, or with other bytes in `actual` (empty when the stores are equal). */
export function differences(actual: Map<string, Uint8Array>, expected: Map<string, Uint8Array>): string[] {
  const out: string[] = [];
  for (const [key, bytes] of expected) {
    const other = actual.get(key);
    if (!other) out.push(`missing ${key}`);
    else if (!Buffer.from(other).equals(Buffer.from(bytes))) out.push(`differs ${key}`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) out.push(`extra ${key}`);
  return out;
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed) and the output. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Resolves when stderr first contains `text`. */
  waitFor(text: string): Promise<void>;
}

/**
 * The builder CLI as a real child process (`node --import tsx builder/src/cli.ts ...`); with
 * writeDelayMs, test/helpers/slow-publish-cli.ts instead, which delays every store write (it prints
 * PUBLISHING_LINE when the first one starts).
 */
export function spawnCli(args: string[], options: { writeDelayMs?: number } = {}): CliRun {
  const entry =
    options.writeDelayMs === undefined ? ['builder/src/cli.ts'] : ['test/helpers/slow-publish-cli.ts', String(options.writeDelayMs)];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const waiter of waiters.filter((w) => stderr.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    waitFor: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void done.then(() => reject(new Error(`the builder ended before printing "${text}":\n${stderr}`)));
          }),
  };
}

const INDEX_OF_VERSION = /^v1\/(build_id|submission_date)\/([^/]+)\/([^/]+)\/(manifest|ledger)\.json$/;
const BOOKKEEPING = /\.~(tmp-|lock)/;

/**
 * What must hold in a store at any moment, even right after a builder died: nothing half-written
 * or in-progress is listed, every shard decodes, every manifest entry names an existing shard,
 * and every date a ledger claims is in that shard and vouched for by a manifest entry.
 */
export function invariantViolations(objects: Map<string, Uint8Array>): string[] {
  const violations: string[] = [];
  const json = (key: string): unknown => JSON.parse(new TextDecoder().decode(objects.get(key)));
  for (const key of objects.keys()) {
    if (BOOKKEEPING.test(key)) violations.push(`listed a temp or lock file: ${key}`);
    if (!key.endsWith('.json')) {
      try {
        decodeShardContent(objects.get(key) as Uint8Array);
      } catch (error) {
        violations.push(`shard ${key} does not decode: ${(error as Error).message}`);
      }
    }
  }
  for (const key of objects.keys()) {
    const match = INDEX_OF_VERSION.exec(key);
    if (!match) continue;
    const base = key.slice(0, key.lastIndexOf('/'));
    if (match[4] === 'manifest') {
      const manifest = json(key) as ManifestIndex;
      for (const [metric, periods] of Object.entries(manifest.metrics)) {
        for (const period of Object.keys(periods)) {
          if (!objects.has(`${base}/${period}/${metric}`)) violations.push(`${key} names a missing shard ${period}/${metric}`);
        }
      }
    } else {
      const ledger = json(key) as LedgerIndex;
      const manifest = objects.has(`${base}/manifest.json`) ? (json(`${base}/manifest.json`) as ManifestIndex) : { metrics: {} };
      for (const [shardId, dates] of Object.entries(ledger.shards)) {
        const [period, metric] = [shardId.slice(0, 6), shardId.slice(7)];
        if (manifest.metrics[metric]?.[period] === undefined) violations.push(`${key} claims ${shardId} before its manifest lists it`);
        const bytes = objects.get(`${base}/${shardId}`);
        const held = bytes ? decodeShardContent(bytes).submissions : [];
        const unheld = dates.filter((date) => !held.includes(date));
        if (unheld.length > 0) violations.push(`${key} claims ${unheld.join(',')} for ${shardId}, which does not hold them`);
      }
    }
  }
  return violations;
}
