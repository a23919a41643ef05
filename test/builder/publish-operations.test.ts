/**
 * What publishing asks of the store, counted through a recording wrapper: a fresh publish reads
 * no object a listing shows absent (no shard, manifest or ledger) and reads everything else
 * before its first write; a re-run renders, reads and writes no shard the ledger vouches for;
 * operations under way never exceed the concurrency; writes keep their phases (shards, then each
 * version's manifest before its ledger, then metrics and filters, then dates, then channels);
 * a builder that starts while another is halfway through its writes still ends as publishing
 * one after the other; and local R2 gathers the writes into batches with the same result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from '../../builder/src/publish/object-store';
import { publishBuild } from '../../builder/src/publish/publish-build';
import type { BuildPlan } from '../../builder/src/shards/plan-build';
import { MemoryStore } from '../helpers/memory-store';
import { differences, objectsOf, overlappingBuilds } from '../helpers/publish-scenarios';

const [D1, D2, D3] = ['20170130', '20170131', '20170201'];

interface Operation {
  op: 'get' | 'put' | 'list';
  key: string;
  condition?: PutCondition | undefined;
}

/** Records every operation (in the order they start) and the most under way at once; each waits a seeded number of turns. */
class RecordingStore implements ObjectStore {
  readonly description = 'recording memory';
  readonly operations: Operation[] = [];
  inFlight = 0;
  mostInFlight = 0;
  /** Told after each put. */
  afterPut: () => void = () => {};
  constructor(
    readonly inner: ObjectStore,
    private readonly random: () => number = () => 0,
    readonly suggestedConcurrency?: number,
  ) {}
  private async around<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    this.operations.push(operation);
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      const turns = Math.floor(this.random() * 4);
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
      return await run();
    } finally {
      this.inFlight -= 1;
    }
  }
  get(key: string): Promise<StoredObject | null> {
    return this.around({ op: 'get', key }, () => this.inner.get(key));
  }
  put(key: string, bytes: Uint8Array, type: string, condition?: PutCondition): Promise<PutResult> {
    return this.around({ op: 'put', key, condition }, async () => {
      const result = await this.inner.put(key, bytes, type, condition);
      this.afterPut();
      return result;
    });
  }
  list(prefix: string): Promise<string[]> {
    return this.around({ op: 'list', key: prefix }, () => this.inner.list(prefix));
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  async close(): Promise<void> {}
}

const SHARD = /^v1\/(build_id|submission_date)\/[^/]+\/[^/]+\/\d{6}\//;
const kindOf = (key: string) =>
  SHARD.test(key) ? 'shard' : (/\/(manifest|ledger|metrics|filters|dates|channels)\.json$/.exec(key)?.[1] ?? 'other');

/** The plan with each shard's rendering counted. */
function countingRenders(plan: BuildPlan): { plan: BuildPlan; renders: () => number } {
  let renders = 0;
  const shards = plan.shards.map((shard) => ({
    ...shard,
    contributions: () => {
      renders += 1;
      return shard.contributions();
    },
  }));
  return { plan: { ...plan, shards }, renders: () => renders };
}

let plan: BuildPlan;
let second: BuildPlan;
let sequential: Map<string, Uint8Array>;

beforeAll(async () => {
  ({ planA: plan, planB: second, sequential } = await overlappingBuilds([D1, D2, D3], publishBuild));
});

describe('a fresh publish', () => {
  it('reads no shard, manifest or ledger (the listings show none), and reads the rest before its first write', async () => {
    const store = new RecordingStore(new MemoryStore());
    const report = await publishBuild(store, plan);
    const gets = store.operations.filter(({ op }) => op === 'get');
    expect(gets.filter(({ key }) => ['shard', 'manifest', 'ledger'].includes(kindOf(key)))).toEqual([]);
    expect(new Set(gets.map(({ key }) => kindOf(key)))).toEqual(new Set(['metrics', 'filters', 'dates', 'channels']));
    expect(new Set(gets.map(({ key }) => key)).size).toBe(gets.length);
    const firstPut = store.operations.findIndex(({ op }) => op === 'put');
    expect(store.operations.slice(firstPut).filter(({ op }) => op !== 'put')).toEqual([]);
    const puts = store.operations.filter(({ op }) => op === 'put');
    expect(puts.every(({ condition }) => condition !== undefined && 'ifNoneMatch' in condition)).toBe(true);
    expect(puts).toHaveLength(report.shardsWritten + report.indexObjectsWritten);
    expect(store.operations.filter(({ op }) => op === 'list')).toHaveLength(
      new Set(plan.shards.map(({ identity: i }) => `${i.prefix}/${i.channel}/${i.version}`)).size,
    );
  });

  it('keeps its phases: shards, each manifest before its ledger, metrics and filters, dates, channels', async () => {
    for (const seed of [1, 2, 3]) {
      const store = new RecordingStore(new MemoryStore(), mulberry32(seed));
      await publishBuild(store, plan, { concurrency: 8 });
      const puts = store.operations.filter(({ op }) => op === 'put').map(({ key }) => key);
      const phase = { shard: 0, manifest: 1, ledger: 1, metrics: 2, filters: 2, dates: 3, channels: 4 } as Record<string, number>;
      const phases = puts.map((key) => phase[kindOf(key)] as number);
      expect(phases).toEqual([...phases].sort((a, b) => a - b));
      for (const [i, key] of puts.entries()) {
        if (!key.endsWith('/ledger.json')) continue;
        expect(puts.slice(0, i)).toContain(key.replace('ledger.json', 'manifest.json'));
      }
    }
  });

  it('never has more operations under way than the concurrency asked for, or the store suggests', async () => {
    const asked = new RecordingStore(new MemoryStore(), mulberry32(7));
    await publishBuild(asked, plan, { concurrency: 5 });
    expect(asked.mostInFlight).toBe(5);
    const suggested = new RecordingStore(new MemoryStore(), mulberry32(8), 3);
    await publishBuild(suggested, plan);
    expect(suggested.mostInFlight).toBe(3);
  });
});

describe('a re-run of the same build', () => {
  it('renders, reads and writes no shard', async () => {
    const memory = new MemoryStore();
    await publishBuild(memory, plan);
    const store = new RecordingStore(memory);
    const counted = countingRenders(plan);
    const report = await publishBuild(store, counted.plan);
    expect(counted.renders()).toBe(0);
    expect(store.operations.filter(({ op, key }) => op !== 'list' && kindOf(key) === 'shard')).toEqual([]);
    expect(store.operations.filter(({ op }) => op === 'put')).toEqual([]);
    expect(report.shardsAlreadyPublished).toBe(plan.shards.length);
  });
});

describe('a builder that starts while another is halfway through its writes', () => {
  it('ends byte for byte as publishing one after the other, wherever the other one was', async () => {
    const probe = new RecordingStore(new MemoryStore());
    await publishBuild(probe, plan);
    const writesOfA = probe.operations.filter(({ op }) => op === 'put').length;
    const random = mulberry32(42);
    const failures: string[] = [];
    for (let trial = 0; trial < 8; trial++) {
      const startAfter = Math.floor(random() * writesOfA);
      const memory = new MemoryStore();
      const store = new RecordingStore(memory, mulberry32(trial));
      let startB: () => void = () => {};
      const bMayStart = new Promise<void>((resolve) => (startB = resolve));
      let puts = 0;
      store.afterPut = () => {
        if (++puts >= startAfter) startB();
      };
      if (startAfter === 0) startB();
      const retry = { baseDelayMs: 1 };
      await Promise.all([
        publishBuild(store, plan, { retry, random: mulberry32(trial + 100), concurrency: 8 }),
        bMayStart.then(() => publishBuild(store, second, { retry, random: mulberry32(trial + 200), concurrency: 8 })),
      ]);
      const diff = differences(await objectsOf(memory), sequential);
      if (diff.length > 0) failures.push(`B after ${startAfter} of A's writes: ${diff.slice(0, 3).join(', ')}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('local R2 (Miniflare)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'publish-operations-'));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('gathers the writes into bounded batches and stores exactly what a one-by-one store does', async () => {
    const { LocalR2Store } = await import('../../builder/src/publish/local-r2-store');
    const store = await LocalR2Store.open({ persistDir: tmp });
    try {
      await publishBuild(store, plan);
      await publishBuild(store, second);
      expect(differences(await objectsOf(store), sequential)).toEqual([]);
      expect(store.batching.largestBatch).toBeGreaterThan(1);
      expect(store.batching.largestBatch).toBeLessThanOrEqual(64);
      expect(store.batching.mostInFlight).toBeLessThanOrEqual(2);
      expect(store.batching.batches).toBeLessThan(sequential.size / 4);
    } finally {
      await store.close();
    }
  }, 120_000);
});
