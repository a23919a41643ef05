/**
 * Merges a build's output into what a store already holds. Each shard records the submission
 * dates it holds, so a submission date is never merged into a shard twice; index objects are
 * unions. Shards are written before the index objects that point at them.
 */
import { createHash } from 'node:crypto';
import type { DatesIndex, FiltersIndex, ManifestIndex, MetricsIndex } from '../../../worker/src/core/index-objects';
import { mergeChannels, mergeDates, mergeFilters, mergeManifests, mergeMetrics } from '../../../worker/src/core/index-objects';
import type { ShardContent } from '../../../worker/src/core/shard';
import { decodeShardContent, encodeShard } from '../../../worker/src/core/shard-codec';
import { mergeRowLists, mergeShards } from '../../../worker/src/core/shard-merge';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { channelsKey, datesKey, filtersKey, manifestKey, metricsKey, shardKey } from '../../../worker/src/core/storage-keys';
import type { BuildOutput, ShardContribution } from '../shards/build-output';
import type { ObjectStore } from './object-store';

export interface PublishReport {
  shardsWritten: number;
  /** Shards that already held every submission date of this build: left as they were. */
  shardsAlreadyPublished: number;
  /** (shard, submission date) pieces built from this input. */
  contributions: number;
  indexObjectsWritten: number;
  bytesWritten: number;
}

export interface PublishOptions {
  concurrency?: number;
  onShardDone?: (done: number, total: number) => void;
}

const MSGPACK = 'application/x-msgpack';
const JSON_TYPE = 'application/json';

export async function publishBuild(store: ObjectStore, output: BuildOutput, options: PublishOptions = {}): Promise<PublishReport> {
  const report: PublishReport = { shardsWritten: 0, shardsAlreadyPublished: 0, contributions: 0, indexObjectsWritten: 0, bytesWritten: 0 };
  const revisions = new Map<string, ManifestIndex>();
  let done = 0;

  await runPool(output.plans, options.concurrency ?? 8, async (plan) => {
    const contributions = output.contributions(plan);
    if (contributions.length === 0) return;
    report.contributions += contributions.length;
    const first = contributions[0] as ShardContribution;
    const key = shardKey(first.prefix, first.channel, first.version, first.period, first.metric);
    const existing = await store.get(key);
    const current = existing ? decodeShardContent(existing.bytes) : undefined;
    const fresh = contributions.filter((c) => !current?.submissions.includes(c.submissionDate));
    let bytes: Uint8Array;
    if (fresh.length === 0 && existing) {
      bytes = existing.bytes;
      report.shardsAlreadyPublished += 1;
    } else {
      const addition = shardFrom(fresh);
      bytes = encodeShard(current ? mergeShards(current, addition) : addition);
      await store.put(key, bytes, MSGPACK);
      report.shardsWritten += 1;
      report.bytesWritten += bytes.byteLength;
    }
    const manifestId = `${first.prefix}/${first.channel}/${first.version}`;
    let manifest = revisions.get(manifestId);
    if (!manifest) revisions.set(manifestId, (manifest = { metrics: {} }));
    (manifest.metrics[first.metric] ??= {})[first.period] = shardRevision(bytes);
    options.onShardDone?.(++done, output.plans.length);
  });
  const updates = output.indexUpdates();

  const writeJson = async <T>(key: string, update: T, merge: (older: T, newer: T) => T): Promise<void> => {
    const existing = await store.get(key);
    const older = existing ? (JSON.parse(new TextDecoder().decode(existing.bytes)) as T) : undefined;
    const merged = older === undefined ? update : merge(older, update);
    const text = JSON.stringify(merged);
    if (existing && new TextDecoder().decode(existing.bytes) === text) return;
    const bytes = new TextEncoder().encode(text);
    await store.put(key, bytes, JSON_TYPE);
    report.indexObjectsWritten += 1;
    report.bytesWritten += bytes.byteLength;
  };

  for (const [id, manifest] of revisions) {
    const [prefix, channel, version] = id.split('/') as [Prefix, string, string];
    await writeJson<ManifestIndex>(manifestKey(prefix, channel, version), manifest, mergeManifests);
  }
  for (const [channelVersion, metrics] of updates.metrics) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    await writeJson<MetricsIndex>(metricsKey(channel, version), metrics, mergeMetrics);
  }
  for (const [channelVersion, filters] of updates.filters) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    await writeJson<FiltersIndex>(filtersKey(channel, version), filters, mergeFilters);
  }
  for (const [prefix, byChannel] of updates.dates) {
    for (const [channel, dates] of byChannel) await writeJson<DatesIndex>(datesKey(prefix, channel), dates, mergeDates);
    await writeJson<string[]>(channelsKey(prefix), [...byChannel.keys()].sort(), mergeChannels);
  }
  return report;
}

/** A content hash of a shard's bytes: the worker derives ETags from these. */
export function shardRevision(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function shardFrom(contributions: readonly ShardContribution[]): ShardContent {
  const first = contributions[0] as ShardContribution;
  const rows = contributions.length === 1 ? first.rows : mergeRowLists(contributions.map((c) => c.rows));
  return {
    prefix: first.prefix,
    channel: first.channel,
    version: first.version,
    period: first.period,
    metric: first.metric,
    submissions: [...new Set(contributions.map((c) => c.submissionDate))].sort(),
    rows,
  };
}

export async function runPool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}
