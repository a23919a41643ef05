/**
 * The compactness measure of `npm run bench:shards` (worker/bench/compactness.ts), checked
 * against the worker itself: the answers it counts for a shard are requested from the real app
 * over that shard, and their bodies must add up to exactly the bytes it reports.
 */
import { describe, expect, it } from 'vitest';
import { answerGroups, measureShard, PINNABLE_DIMENSIONS, summarizeCompactness } from '../../worker/bench/compactness';
import { createApp } from '../../worker/src/app';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import type { ManifestIndex, MetricsIndex } from '../../worker/src/core/index-objects';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';
import { decodeShard, encodeShard } from '../../worker/src/core/shard-codec';
import { manifestKey, metricsKey, shardKey } from '../../worker/src/core/storage-keys';
import type { Env } from '../../worker/src/env';

const WIDTH = 20;
const GC_MS = {
  kind: 'exponential',
  description: 'Time spent running JS GC (ms)',
  buckets: { exponential: [1, 10_000, WIDTH] as [number, number, number] },
};

function row(date: string, os: string, child: string, label: string, cells: Record<number, number>): ShardRow {
  const histogram = new Array<number>(WIDTH).fill(0);
  for (const [index, value] of Object.entries(cells)) histogram[Number(index)] = value;
  const count = Object.values(cells).reduce((sum, value) => sum + value, 0);
  return {
    date,
    application: 'Firefox',
    architecture: 'x86-64',
    os,
    osVersion: '10.0',
    e10sEnabled: 'true',
    child,
    label,
    histogram,
    sum: count * 7,
    count,
  };
}

const shard: ShardContent = {
  prefix: 'build_id',
  channel: 'nightly',
  version: '54',
  period: '201701',
  metric: 'GC_MS',
  submissions: ['20170110', '20170111'],
  rows: [
    row('20170103', 'Windows_NT', 'parent', '', { 2: 5, 3: 1 }),
    row('20170103', 'Windows_NT', 'content', '', { 4: 2 }),
    row('20170103', 'Linux', 'parent', '', { 0: 1, 19: 3 }),
    row('20170104', 'Windows_NT', 'parent', '', { 2: 1 }),
    row('20170105', 'Linux', 'parent', '', { 5: 9, 6: 8, 7: 7 }),
  ],
};
const bytes = encodeShard(shard);

function sourceOver(objects: Map<string, Uint8Array>) {
  return { get: (key: string) => Promise.resolve(objects.get(key) ?? null) };
}

describe('shard compactness', () => {
  it('counts the non-zero buckets and the dense ones', () => {
    const measure = measureShard(bytes, { kind: GC_MS.kind, buckets: expandBuckets(GC_MS.buckets), description: GC_MS.description });
    expect(measure.shardBytes).toBe(bytes.byteLength);
    expect(measure.rows).toBe(5);
    expect(measure.nonZeroBuckets).toBe(2 + 1 + 2 + 1 + 3);
    expect(measure.denseBuckets).toBe(5 * WIDTH);
    // Three combinations of the filter dimensions: Windows parent, Windows content, Linux parent.
    expect(measure.answers).toBe(3);
    expect(answerGroups(decodeShard(bytes)).size).toBe(3);
  });

  it('adds up to the bodies the worker answers for one request per combination of filters', async () => {
    const definition = { kind: GC_MS.kind, buckets: expandBuckets(GC_MS.buckets), description: GC_MS.description };
    const measure = measureShard(bytes, definition);
    const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    const objects = new Map<string, Uint8Array>([
      [shardKey('build_id', 'nightly', '54', '201701', 'GC_MS'), bytes],
      [manifestKey('build_id', 'nightly', '54'), encode({ metrics: { GC_MS: { '201701': 'r1' } } } satisfies ManifestIndex)],
      [metricsKey('nightly', '54'), encode({ metrics: { GC_MS: GC_MS } } satisfies MetricsIndex)],
    ]);
    const app = createApp({ source: () => sourceOver(objects), responseCache: null });
    const env = {} as Env;

    let answerBytes = 0;
    let entryBytes = 0;
    let answeredRows = 0;
    const combinations = new Map<string, { filters: Record<string, string>; dates: Set<string> }>();
    for (const stored of shard.rows) {
      const filters = Object.fromEntries(PINNABLE_DIMENSIONS.map((dimension) => [dimension, stored[dimension]]));
      const key = JSON.stringify(filters);
      const combination = combinations.get(key) ?? { filters, dates: new Set<string>() };
      combination.dates.add(stored.date);
      combinations.set(key, combination);
    }
    for (const { filters, dates } of combinations.values()) {
      const query = new URLSearchParams({ version: '54', dates: [...dates].sort().join(','), metric: 'GC_MS', ...filters });
      const response = await app.request(`https://aggregates.test/aggregates_by/build_id/channels/nightly/?${query}`, {}, env);
      expect(response.status).toBe(200);
      const body = await response.text();
      answerBytes += new TextEncoder().encode(body).byteLength;
      const data = (JSON.parse(body) as { data: unknown[] }).data;
      answeredRows += data.length;
      for (const entry of data) entryBytes += new TextEncoder().encode(JSON.stringify(entry)).byteLength;
    }
    expect(answeredRows).toBe(shard.rows.length);
    expect(measure.answerJsonBytes).toBe(answerBytes);
    expect(measure.entryJsonBytes).toBe(entryBytes);
  });

  it('summarizes bytes per non-zero bucket and the JSON-to-shard ratios', () => {
    const a = { shardBytes: 100, rows: 2, nonZeroBuckets: 10, denseBuckets: 40, answers: 1, answerJsonBytes: 800, entryJsonBytes: 600 };
    const b = { shardBytes: 300, rows: 6, nonZeroBuckets: 40, denseBuckets: 120, answers: 2, answerJsonBytes: 1200, entryJsonBytes: 900 };
    const summary = summarizeCompactness([a, b]);
    expect(summary.shardBytes).toBe(400);
    expect(summary.bytesPerNonZeroBucket).toBe(400 / 50);
    expect(summary.ratio).toBe(2000 / 400);
    expect(summary.entriesRatio).toBe(1500 / 400);
    expect(summary.perShardRatio.min).toBe(4);
    expect(summary.perShardRatio.median).toBe(8);
  });
});
