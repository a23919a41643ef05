/**
 * A builder that dies while publishing loses nothing and, once run again, double counts nothing.
 *
 * (1) In one process, at every write: a publish whose store "dies" at its Nth write (that write
 *     and everything after it fail), for every N the publish makes. After each death the store
 *     must satisfy the invariants (invariantViolations: manifests name only existing shards, the
 *     ledger claims only dates the manifest vouches for, ...); a complete re-run must then give
 *     exactly the objects of a publish that never died.
 * (2) Real processes, real SIGKILL: the CLI publishes the real pings into a `dir:` target, slowed
 *     by a store that delays every write (test/helpers/slow-publish-cli.ts), and is killed at seeded random
 *     moments after its first write, again and again, each run adding a new submission date (and
 *     repeating the previous one). After each kill the invariants hold; after one final complete
 *     run over every input, the store equals a clean build of the same input byte for byte.
 */
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from '../../builder/src/publish/object-store';
import { publishBuild } from '../../builder/src/publish/publish-build';
import { PUBLISHING_LINE } from '../helpers/delayed-writes-store';
import { MemoryStore } from '../helpers/memory-store';
import { histogram, makePing } from '../helpers/pings';
import { differences, invariantViolations, ndjson, objectsOf, planOf, realPingsOn, spawnCli } from '../helpers/publish-scenarios';

class Crash extends Error {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 2 ms until it holds or the process has ended. */
async function until(
  condition: () => Promise<boolean>,
  cli: { child: { exitCode: number | null; signalCode: string | null } },
): Promise<void> {
  while (cli.child.exitCode === null && cli.child.signalCode === null && !(await condition())) await sleep(2);
}

/** A store that dies at its Nth put: that put and every later operation fail. */
class DyingStore implements ObjectStore {
  readonly description = 'dying memory';
  private puts = 0;
  private dead = false;
  constructor(
    private readonly inner: ObjectStore,
    private readonly dieAtPut: number,
  ) {}
  private alive(): void {
    if (this.dead) throw new Crash('dead');
  }
  async get(key: string): Promise<StoredObject | null> {
    this.alive();
    return this.inner.get(key);
  }
  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    this.alive();
    if (++this.puts === this.dieAtPut) {
      this.dead = true;
      throw new Crash(`died at write ${this.puts} (${key})`);
    }
    return this.inner.put(key, bytes, contentType, condition);
  }
  async delete(key: string): Promise<void> {
    this.alive();
    await this.inner.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    this.alive();
    return this.inner.list(prefix);
  }
  async close(): Promise<void> {}
}

/** Delays every operation by 0-3 event-loop turns, drawn from a seeded generator. */
class ShufflingStore implements ObjectStore {
  readonly description = 'shuffling memory';
  constructor(
    private readonly inner: ObjectStore,
    private readonly random: () => number,
  ) {}
  private async pause(): Promise<void> {
    const turns = Math.floor(this.random() * 4);
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  async get(key: string): Promise<StoredObject | null> {
    await this.pause();
    return this.inner.get(key);
  }
  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    await this.pause();
    return this.inner.put(key, bytes, contentType, condition);
  }
  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    await this.pause();
    return this.inner.list(prefix);
  }
  async close(): Promise<void> {}
}

function copyOf(store: MemoryStore): MemoryStore {
  const copy = new MemoryStore();
  for (const [key, bytes] of store.objects) copy.objects.set(key, bytes);
  return copy;
}

describe('(1) a publish that dies at each of its writes, then runs again', () => {
  const [D1, D2, D3] = ['20170130', '20170131', '20170201'];
  const pingOn = (date: string, i: number) =>
    makePing(
      {
        histograms: { GC_MS: histogram({ '1': i + 1, '14': 2 }, 20 + i), CONTENT_DOCUMENTS_DESTROYED: histogram({ '0': i + 1 }, i + 1, 4) },
        keyedHistograms: { TELEMETRY_TEST_KEYED_FLAG: { [`key${i % 2}`]: histogram({ '1': 1 }, 1, 3) } },
        processes: { parent: { scalars: { 'browser.engagement.tab_open_event_count': i } } },
      },
      { meta: { submissionDate: date, sampleId: i } },
    );

  it('keeps the invariants after every death, and the re-run equals a publish that never died', async () => {
    const before = new MemoryStore();
    await publishBuild(before, await planOf([pingOn(D1, 0)]));
    const second = await planOf([pingOn(D1, 0), pingOn(D2, 1), pingOn(D2, 2), pingOn(D3, 3)]);
    const clean = copyOf(before);
    await publishBuild(clean, second);
    const expected = await objectsOf(clean);
    expect(expected.size).toBeGreaterThan(10);

    let writes = 0;
    const probe = copyOf(before);
    await publishBuild(
      new (class extends DyingStore {
        override async put(key: string, bytes: Uint8Array, type: string, condition?: PutCondition) {
          writes += 1;
          return super.put(key, bytes, type, condition);
        }
      })(probe, Number.POSITIVE_INFINITY),
      second,
    );
    expect(writes).toBeGreaterThan(10);

    const failures: string[] = [];
    // In call order, then with every operation delayed by a seeded number of turns (concurrent
    // writes land in other orders, and those under way at the death still land).
    for (const seed of [undefined, 1, 2, 3]) {
      for (let dieAt = 1; dieAt <= writes; dieAt++) {
        const store = copyOf(before);
        const dying = new DyingStore(seed === undefined ? store : new ShufflingStore(store, mulberry32(seed * 1000 + dieAt)), dieAt);
        await expect(publishBuild(dying, second, { concurrency: 8 })).rejects.toThrow(Crash);
        const violations = invariantViolations(await objectsOf(store));
        if (violations.length > 0) failures.push(`seed ${seed}, died at write ${dieAt}: ${violations.join('; ')}`);
        await publishBuild(store, second);
        const diff = differences(await objectsOf(store), expected);
        if (diff.length > 0) failures.push(`seed ${seed}, died at write ${dieAt}, re-run: ${diff.join(', ')}`);
      }
    }
    console.log(`in-process deaths: ${writes} crash points × 4 orders, ${failures.length} failures`);
    expect(failures).toEqual([]);
  });
});

describe('(2) the CLI killed with SIGKILL while publishing, again and again', () => {
  const KILLS = 10;
  const FIRST_MANIFEST = 'v1/build_id/nightly/54/manifest.json';
  const DELAY_MS = 8;
  const dateOf = (i: number) => `201701${String(10 + i).padStart(2, '0')}`;
  let tmp: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'crash-safety-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  type Phase = 'before any write landed' | 'shards' | 'manifests and ledgers' | 'other index objects';

  /** The latest kind of write that landed since `before`, in publishing order. */
  function phaseOf(before: Map<string, Uint8Array>, after: Map<string, Uint8Array>): Phase {
    const changed = differences(after, before).map((line) => line.slice(line.indexOf(' ') + 1));
    if (changed.some((key) => /\/(dates|channels|filters|metrics)\.json$/.test(key))) return 'other index objects';
    if (changed.some((key) => /\/(manifest|ledger)\.json$/.test(key))) return 'manifests and ledgers';
    return changed.length > 0 ? 'shards' : 'before any write landed';
  }

  it(`keeps the invariants after ${KILLS} kills, and a final run equals a clean build`, async () => {
    const random = mulberry32(20170110);
    const target = path.join(tmp, 'killed');
    const store = await DirectoryStore.open(target);
    const dates: string[] = [];

    // How long a complete publish of one run's input takes with the delayed writes, to aim the kills.
    const calibration = path.join(tmp, 'calibration.ndjson');
    await writeFile(calibration, ndjson([...realPingsOn(dateOf(0)), ...realPingsOn(dateOf(1))]));
    const timing = spawnCli(['build', '--input', calibration, '--target', `dir:${path.join(tmp, 'calibration')}`, '--quiet'], {
      writeDelayMs: DELAY_MS,
    });
    await timing.waitFor(PUBLISHING_LINE);
    const publishStarted = performance.now();
    expect((await timing.done).code).toBe(0);
    const publishMs = performance.now() - publishStarted;

    const phases = new Map<string, number>();
    let kills = 0;
    let run = 0;
    const violations: string[] = [];
    while (kills < KILLS && run < KILLS * 2) {
      run += 1;
      const input = path.join(tmp, `run-${run}.ndjson`);
      await writeFile(input, ndjson([...realPingsOn(dateOf(run - 1)), ...realPingsOn(dateOf(run))]));
      dates.push(dateOf(run));
      const before = await objectsOf(store);
      const started = Date.now();
      const cli = spawnCli(['build', '--input', input, '--target', `dir:${target}`, '--quiet'], { writeDelayMs: DELAY_MS });
      await cli.waitFor(PUBLISHING_LINE);
      if (random() < 0.5) {
        // somewhere among the shard writes
        await sleep((0.05 + 0.85 * random()) * publishMs);
      } else {
        // among the index objects: once the first manifest has changed, within a few writes
        const manifestFile = path.join(target, ...FIRST_MANIFEST.split('/'));
        await until(async () => ((await stat(manifestFile).catch(() => undefined))?.mtimeMs ?? 0) > started, cli);
        await sleep(random() * 10 * DELAY_MS);
      }
      cli.child.kill('SIGKILL');
      const result = await cli.done;
      const after = await objectsOf(store);
      const phase = result.signal === 'SIGKILL' ? phaseOf(before, after) : `completed before the kill (exit ${result.code})`;
      phases.set(phase, (phases.get(phase) ?? 0) + 1);
      if (result.signal === 'SIGKILL') kills += 1;
      for (const violation of invariantViolations(after)) violations.push(`run ${run} (${phase}): ${violation}`);
    }
    const leftovers = (await readdir(target, { recursive: true })).filter((name) => /\.~(tmp-|lock)/.test(String(name)));
    console.log(
      `SIGKILL runs: ${run}, kills: ${kills}; by phase: ${[...phases].map(([phase, n]) => `${phase} ${n}`).join(', ')}; ` +
        `temp/lock files left on disk (never listed): ${leftovers.length}`,
    );
    expect(kills).toBe(KILLS);
    expect(violations).toEqual([]);

    // Every date once (the runs' inputs overlap by a date; a single build would count it twice).
    const everything = path.join(tmp, 'everything.ndjson');
    await writeFile(everything, ndjson([dateOf(0), ...dates].flatMap((date) => realPingsOn(date))));
    const final = spawnCli(['build', '--input', everything, '--target', `dir:${target}`, '--quiet']);
    expect((await final.done).code).toBe(0);
    const reference = path.join(tmp, 'clean');
    const clean = spawnCli(['build', '--input', everything, '--target', `dir:${reference}`, '--quiet']);
    expect((await clean.done).code).toBe(0);
    const expected = await objectsOf(await DirectoryStore.open(reference));
    expect(expected.size).toBeGreaterThan(1000);
    expect(differences(await objectsOf(store), expected)).toEqual([]);
  }, 600_000);
});
