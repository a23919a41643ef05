/**
 * Two builders publishing overlapping shards into one store at the same time: builder A has the
 * real pings on D1 and D2, builder B on D2 and D3 (D2 in both). Whatever the interleaving, the
 * store must end byte for byte as publishing A then B one after the other: nothing lost (every
 * date's rows are in), nothing double counted (D2 once).
 *
 * (a) in one process: two publishBuild calls on one MemoryStore, through a wrapper that delays
 *     every operation by a seeded random number of event-loop turns, so reads and writes of the
 *     two builders interleave and conditional writes really conflict;
 * (b) across two real CLI processes on one `dir:` target, started together (with the write-delay
 *     store of test/helpers/slow-publish-cli.ts so that their publishing overlaps).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from '../../builder/src/publish/object-store';
import type { PublishReport } from '../../builder/src/publish/publish-build';
import { publishBuild } from '../../builder/src/publish/publish-build';
import type { BuildPlan } from '../../builder/src/shards/plan-build';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { MemoryStore } from '../helpers/memory-store';
import { differences, ndjson, objectsOf, overlappingBuilds, realPingsOn, spawnCli } from '../helpers/publish-scenarios';

const [D1, D2, D3] = ['20170130', '20170131', '20170201'];
const SEEDS = 20;

/** Delays every operation by 0..maxTurns event-loop turns, drawn from a seeded generator. */
class InterleavingStore implements ObjectStore {
  readonly description = 'interleaving memory';
  constructor(
    private readonly inner: ObjectStore,
    private readonly random: () => number,
    private readonly maxTurns: number,
  ) {}
  private async pause(): Promise<void> {
    const turns = Math.floor(this.random() * (this.maxTurns + 1));
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  async get(key: string): Promise<StoredObject | null> {
    await this.pause();
    const object = await this.inner.get(key);
    await this.pause();
    return object;
  }
  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    await this.pause();
    return this.inner.put(key, bytes, contentType, condition);
  }
  async delete(key: string): Promise<void> {
    await this.pause();
    await this.inner.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    await this.pause();
    return this.inner.list(prefix);
  }
  async close(): Promise<void> {}
}

let planA: BuildPlan;
let planB: BuildPlan;
let sequential: Map<string, Uint8Array>;

beforeAll(async () => {
  ({ planA, planB, sequential } = await overlappingBuilds([D1, D2, D3], publishBuild));
});

describe('(a) two publishBuild calls interleaved on one store', () => {
  it('the reference (A then B) holds every date once', () => {
    expect(sequential.size).toBeGreaterThan(1000);
    const shard = decodeShardContent(sequential.get('v1/build_id/nightly/54/201701/GC_MS') as Uint8Array);
    expect(shard.submissions).toEqual([D1, D2, D3]);
    // B then A gives the same bytes: the order of the builders does not matter either
  });

  it(`ends byte for byte as publishing one after the other, over ${SEEDS} seeds, with real conflicts`, async () => {
    const failures: string[] = [];
    const conflicts: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const random = mulberry32(seed);
      const memory = new MemoryStore();
      const store = new InterleavingStore(memory, random, 6);
      const retry = { retry: { baseDelayMs: 1 }, random: mulberry32(seed + 1000) };
      const reports: [PublishReport, PublishReport] = await Promise.all([
        (async () => publishBuild(store, planA, { ...retry, concurrency: 8 }))(),
        (async () => publishBuild(store, planB, { ...retry, concurrency: 8 }))(),
      ]);
      conflicts.push(reports[0].conflictsRetried + reports[1].conflictsRetried);
      const diff = differences(await objectsOf(memory), sequential);
      if (diff.length > 0) failures.push(`seed ${seed}: ${diff.length} objects differ, e.g. ${diff.slice(0, 3).join(', ')}`);
    }
    console.log(`in-process race: ${SEEDS} seeds, ${failures.length} failures, conflicts retried per seed: ${conflicts.join(' ')}`);
    expect(failures).toEqual([]);
    expect(conflicts.every((n) => n > 0)).toBe(true);
  });
});

describe('(b) two CLI processes on one dir: target at once', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'concurrent-publish-'));
    await writeFile(path.join(tmp, 'a.ndjson'), ndjson([...realPingsOn(D1), ...realPingsOn(D2)]));
    await writeFile(path.join(tmp, 'b.ndjson'), ndjson([...realPingsOn(D2), ...realPingsOn(D3)]));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('both succeed and the target equals one-after-the-other publishing', async () => {
    const target = path.join(tmp, 'shared');
    const runs = ['a', 'b'].map((name) =>
      spawnCli(
        [
          'build',
          '--input',
          path.join(tmp, `${name}.ndjson`),
          '--target',
          `dir:${target}`,
          '--quiet',
          '--report',
          path.join(tmp, `${name}.json`),
        ],
        { writeDelayMs: 10 },
      ),
    );
    const results = await Promise.all(runs.map((run) => run.done));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const reports = await Promise.all(
      ['a', 'b'].map(
        async (name) => JSON.parse(await readFile(path.join(tmp, `${name}.json`), 'utf8')) as { shards: { conflictsRetried: number } },
      ),
    );
    const store = await DirectoryStore.open(target);
    expect(differences(await objectsOf(store), sequential)).toEqual([]);
    console.log(`two CLI processes: conflicts retried ${reports.map((r) => r.shards.conflictsRetried).join(' + ')}`);
  }, 180_000);
});
