/**
 * The pieces of safe publishing on their own: read → change → conditional put with bounded,
 * jittered retries; and which shard revision a manifest keeps when writers overlap.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { jitteredDelayMs } from '../../builder/src/publish/backoff';
import type { ConflictRetryPolicy } from '../../builder/src/publish/conditional-update';
import { updateObject } from '../../builder/src/publish/conditional-update';
import { manifestWith } from '../../builder/src/publish/manifest-update';
import type { PutCondition, PutResult } from '../../builder/src/publish/object-store';
import { StoreError } from '../../builder/src/publish/object-store';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import { MemoryStore } from '../helpers/memory-store';

const POLICY: ConflictRetryPolicy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4 };
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** A store where someone else appends "!" to the object just before each of the first `n` puts. */
class ContendedStore extends MemoryStore {
  puts = 0;
  constructor(private interferences: number) {
    super();
  }
  override async put(key: string, bytes: Uint8Array, type: string, condition?: PutCondition): Promise<PutResult> {
    this.puts += 1;
    if (this.interferences-- > 0) {
      const current = this.objects.get(key);
      await super.put(key, new TextEncoder().encode(`${text(current)}!`), type);
    }
    return super.put(key, bytes, type, condition);
  }
}

const append = (suffix: string) => (current: { bytes: Uint8Array } | null) => ({
  write: new TextEncoder().encode(`${current ? text(current.bytes) : ''}${suffix}`),
  outcome: null,
});

describe('updateObject', () => {
  it('re-reads and re-applies the change after each conflict, so no other write is lost', async () => {
    const store = new ContendedStore(3);
    let conflicts = 0;
    await updateObject(store, 'k', append('a'), { contentType: 'text/plain', policy: POLICY, onConflict: () => (conflicts += 1) });
    expect(text(store.objects.get('k'))).toBe('!!!a');
    expect(conflicts).toBe(3);
    expect(store.puts).toBe(4);
  });

  it('gives up after the policy’s attempts with a StoreError naming the key', async () => {
    const store = new ContendedStore(Number.POSITIVE_INFINITY);
    const attempt = updateObject(store, 'v1/build_id/nightly/54/manifest.json', append('a'), { contentType: 'text/plain', policy: POLICY });
    await expect(attempt).rejects.toThrow(StoreError);
    await expect(attempt).rejects.toThrow(/v1\/build_id\/nightly\/54\/manifest\.json/);
    expect(store.puts).toBe(POLICY.maxAttempts);
  });

  it('writes nothing when the change decides nothing changes', async () => {
    const store = new ContendedStore(0);
    const result = await updateObject(store, 'k', () => ({ outcome: 'same' }), { contentType: 'text/plain', policy: POLICY });
    expect(result).toEqual({ outcome: 'same' });
    expect(store.puts).toBe(0);
  });

  it('waits between rounds as the policy says, drawing jitter from the given source', async () => {
    const store = new ContendedStore(3);
    let draws = 0;
    const random = () => {
      draws += 1;
      return 0;
    };
    await updateObject(store, 'k', append('a'), { contentType: 'text/plain', policy: POLICY, random });
    expect(draws).toBe(3);
  });

  it('backs off with jitter below an exponentially growing cap', () => {
    const policy = { ...POLICY, baseDelayMs: 10, maxDelayMs: 1000 };
    const random = mulberry32(3);
    for (let retry = 0; retry < 12; retry++) {
      const delays = Array.from({ length: 50 }, () => jitteredDelayMs(policy, retry, random()));
      const cap = Math.min(1000, 10 * 2 ** retry);
      expect(Math.max(...delays)).toBeLessThan(cap);
      expect(new Set(delays).size).toBeGreaterThan(40);
    }
  });
});

describe('manifestWith', () => {
  const entry = { metric: 'GC_MS', period: '201701', revision: 'ours', base: 'before' };
  const manifest = (revision?: string): ManifestIndex => ({ metrics: revision ? { GC_MS: { '201701': revision } } : {} });
  const neverRead = async (): Promise<string | undefined> => {
    throw new Error('read a shard without need');
  };

  it('lists this build’s revision when the manifest lists nothing, the base or it already', async () => {
    for (const listed of [undefined, 'before', 'ours']) {
      expect((await manifestWith(manifest(listed), [entry], neverRead)).metrics.GC_MS?.['201701']).toBe('ours');
    }
  });

  it('asks the shard itself when another writer listed a revision of its own', async () => {
    const read: string[] = [];
    const now = async (metric: string, period: string) => {
      read.push(`${period}/${metric}`);
      return 'newest';
    };
    expect((await manifestWith(manifest('theirs'), [entry], now)).metrics.GC_MS?.['201701']).toBe('newest');
    expect(read).toEqual(['201701/GC_MS']);
  });

  it('keeps the other entries of the manifest', async () => {
    const current = { metrics: { A: { '201612': 'x' }, GC_MS: { '201612': 'y' } } };
    expect(await manifestWith(current, [entry], neverRead)).toEqual({
      metrics: { A: { '201612': 'x' }, GC_MS: { '201612': 'y', '201701': 'ours' } },
    });
  });
});
