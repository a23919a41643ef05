/**
 * Merges a build's output into what a store already holds.
 *
 * Each shard records the submission dates it holds, so a submission date is never merged into
 * a shard twice; index objects are unions. Order of writes: shards, then the ledger, then the
 * manifests and the other index objects, so readers never see an index entry for a shard that
 * is not there yet.
 */
import { createHash } from 'node:crypto';
import type { DatesIndex, FiltersIndex, LedgerIndex, ManifestIndex, MetricsIndex } from '../../../worker/src/core/index-objects';
import {
  mergeChannels,
  mergeDates,
  mergeFilters,
  mergeLedgers,
  mergeManifests,
  mergeMetrics,
} from '../../../worker/src/core/index-objects';
import type { ShardContent } from '../../../worker/src/core/shard';
import { decodeShardContent, encodeShard } from '../../../worker/src/core/shard-codec';
import { mergeRowLists, mergeShards } from '../../../worker/src/core/shard-merge';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import {
  channelsKey,
  datesKey,
  filtersKey,
  LAYOUT_VERSION,
  ledgerKey,
  manifestKey,
  metricsKey,
  shardKey,
} from '../../../worker/src/core/storage-keys';
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

/** What is already published for one (prefix, channel, version). */
interface PublishedVersion {
  shardKeys: Set<string>;
  ledger: LedgerIndex;
  manifest: ManifestIndex;
  /** What this build adds. */
  newLedger: LedgerIndex;
  newManifest: ManifestIndex;
}

export async function publishBuild(store: ObjectStore, output: BuildOutput, options: PublishOptions = {}): Promise<PublishReport> {
  const report: PublishReport = { shardsWritten: 0, shardsAlreadyPublished: 0, contributions: 0, indexObjectsWritten: 0, bytesWritten: 0 };
  const versions = new Map<string, PublishedVersion>();
  for (const { identity } of output.plans) {
    const id = `${identity.prefix}/${identity.channel}/${identity.version}`;
    if (versions.has(id)) continue;
    const [ledger, manifest] = await Promise.all([
      readJson<LedgerIndex>(store, ledgerKey(identity.prefix, identity.channel, identity.version)),
      readJson<ManifestIndex>(store, manifestKey(identity.prefix, identity.channel, identity.version)),
    ]);
    versions.set(id, {
      shardKeys: new Set(await store.list(`${LAYOUT_VERSION}/${id}/`)),
      ledger: ledger ?? { shards: {} },
      manifest: manifest ?? { metrics: {} },
      newLedger: { shards: {} },
      newManifest: { metrics: {} },
    });
  }

  let done = 0;
  await runPool(output.plans, options.concurrency ?? 16, async (plan) => {
    const contributions = output.contributions(plan);
    options.onShardDone?.(++done, output.plans.length);
    if (contributions.length === 0) return;
    report.contributions += contributions.length;
    const { prefix, channel, version, period, metric } = plan.identity;
    const published = versions.get(`${prefix}/${channel}/${version}`) as PublishedVersion;
    const key = shardKey(prefix, channel, version, period, metric);
    const shardId = `${period}/${metric}`;
    const dates = contributions.map((c) => c.submissionDate);

    // The ledger and manifest say the shard already holds every date: nothing to read or write.
    const knownRevision = published.manifest.metrics[metric]?.[period];
    const ledgerDates = published.ledger.shards[shardId] ?? [];
    if (knownRevision && published.shardKeys.has(key) && dates.every((d) => ledgerDates.includes(d))) {
      report.shardsAlreadyPublished += 1;
      return;
    }

    const existing = published.shardKeys.has(key) ? await store.get(key) : null;
    const current = existing ? decodeShardContent(existing.bytes) : undefined;
    const fresh = contributions.filter((c) => !current?.submissions.includes(c.submissionDate));
    let bytes: Uint8Array;
    let held: string[];
    if (fresh.length === 0 && existing && current) {
      bytes = existing.bytes;
      held = current.submissions;
      report.shardsAlreadyPublished += 1;
    } else {
      const merged = current ? mergeShards(current, shardFrom(fresh)) : shardFrom(fresh);
      bytes = encodeShard(merged);
      held = merged.submissions;
      await store.put(key, bytes, MSGPACK);
      report.shardsWritten += 1;
      report.bytesWritten += bytes.byteLength;
    }
    published.newLedger.shards[shardId] = held;
    (published.newManifest.metrics[metric] ??= {})[period] = shardRevision(bytes);
  });

  const writeJson = async <T>(key: string, update: T, merge: (older: T, newer: T) => T): Promise<void> => {
    const existing = await store.get(key);
    const existingText = existing ? new TextDecoder().decode(existing.bytes) : undefined;
    // Merging with itself when nothing is published yet gives the same canonical form (sorted).
    const merged = existingText === undefined ? merge(update, update) : merge(JSON.parse(existingText) as T, update);
    const text = JSON.stringify(merged);
    if (text === existingText) return;
    const bytes = new TextEncoder().encode(text);
    await store.put(key, bytes, JSON_TYPE);
    report.indexObjectsWritten += 1;
    report.bytesWritten += bytes.byteLength;
  };

  for (const [id, published] of versions) {
    const [prefix, channel, version] = id.split('/') as [Prefix, string, string];
    if (Object.keys(published.newLedger.shards).length === 0) continue;
    await writeJson<LedgerIndex>(ledgerKey(prefix, channel, version), published.newLedger, mergeLedgers);
    await writeJson<ManifestIndex>(manifestKey(prefix, channel, version), published.newManifest, mergeManifests);
  }
  const updates = output.indexUpdates();
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
    await writeJson<string[]>(channelsKey(prefix), [...byChannel.keys()], mergeChannels);
  }
  return report;
}

/** A content hash of a shard's bytes: the worker derives ETags from these. */
export function shardRevision(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const object = await store.get(key);
  return object ? (JSON.parse(new TextDecoder().decode(object.bytes)) as T) : undefined;
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
