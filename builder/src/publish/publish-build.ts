/**
 * Merges a build's output into what a store already holds, safely when several builders publish
 * at once and when a builder dies halfway.
 *
 * Every write is read → merge → conditional put (conditional-update.ts): a write lands only on the
 * version it merged, and on a conflict the object is read and merged again. Each shard records the
 * submission dates it holds, so a date is never merged into a shard twice; index objects are
 * unions.
 *
 * Write order, for crash safety:
 *   1. shards;
 *   2. per (prefix, channel, version): the manifest, then the ledger. The manifest names only
 *      shards already written, and the ledger (the builder's skip cache) only claims dates whose
 *      manifest revision is already written, so a re-run after a crash anywhere re-reads the
 *      shards the ledger does not vouch for and repairs the manifest;
 *   3. metrics and filters, then dates, then channels (rebuilt from the input on every run, so a
 *      re-run also repairs them).
 */
import { createHash } from 'node:crypto';
import type { GenericSchema, InferOutput } from 'valibot';
import { JSON_CONTENT_TYPE, MSGPACK_CONTENT_TYPE } from '../../../worker/src/core/content-types';
import type { LedgerIndex, ManifestIndex } from '../../../worker/src/core/index-objects';
import { mergeChannels, mergeDates, mergeFilters, mergeLedgers, mergeMetrics } from '../../../worker/src/core/index-objects';
import {
  ChannelsSchema,
  DatesSchema,
  FiltersSchema,
  LedgerSchema,
  ManifestSchema,
  MetricsSchema,
} from '../../../worker/src/core/index-schemas';
import type { ShardContent } from '../../../worker/src/core/shard';
import { decodeShardContent, encodeShard } from '../../../worker/src/core/shard-codec';
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
import type { BuildPlan, ShardPlan } from '../shards/plan-build';
import type { ConflictRetryPolicy } from './conditional-update';
import { DEFAULT_CONFLICT_RETRY, updateObject } from './conditional-update';
import type { ShardRevision } from './manifest-update';
import { manifestWith } from './manifest-update';
import type { ObjectStore } from './object-store';
import { parseIndexObject, readIndexObject } from './published-index';
import type { ShardUpdate } from './shard-update';
import { planShardUpdate } from './shard-update';

export interface PublishReport {
  shardsWritten: number;
  /** Shards that already held every submission date of this build: left as they were. */
  shardsAlreadyPublished: number;
  /** (shard, submission date) pieces built from this input. */
  contributions: number;
  indexObjectsWritten: number;
  bytesWritten: number;
  /** Writes that found the object changed by another writer since they read it, and were merged again. */
  conflictsRetried: number;
  /** With force: submission-date shards whose already-held dates were rebuilt from this input. */
  shardsReplaced: number;
  /** With force: build-id shards that already held some of these dates, left as they were. */
  shardsRefused: number;
}

export interface PublishOptions {
  concurrency?: number;
  /** Told after each shard is published (written, or found already published). */
  onShardDone?: (done: number, total: number) => void;
  /** Rebuild the submission-date view of dates already published (see shard-update.ts). */
  force?: boolean;
  /** How often a write that lost to another writer is recomputed and tried again. */
  retry?: Partial<ConflictRetryPolicy>;
  /** The jitter source of those retries (default Math.random). */
  random?: () => number;
}

export function emptyPublishReport(): PublishReport {
  return {
    shardsWritten: 0,
    shardsAlreadyPublished: 0,
    contributions: 0,
    indexObjectsWritten: 0,
    bytesWritten: 0,
    conflictsRetried: 0,
    shardsReplaced: 0,
    shardsRefused: 0,
  };
}

/** Operations under way at once, unless the options or the store say otherwise. */
export const DEFAULT_CONCURRENCY = 16;

/** What is already published for one (prefix, channel, version), and what this build adds. */
interface PublishedVersion {
  shardKeys: Set<string>;
  ledger: LedgerIndex;
  manifest: ManifestIndex;
  newLedger: LedgerIndex;
  revisions: ShardRevision[];
}

interface ShardOutcome {
  update: ShardUpdate;
  /** Revision of the bytes read (the merge base), if any. */
  base: string | undefined;
  /** Revision and submissions of what the store holds after this step. */
  revision: string | undefined;
  held: string[];
}

export async function publishBuild(store: ObjectStore, build: BuildPlan, options: PublishOptions = {}): Promise<PublishReport> {
  const report = emptyPublishReport();
  const force = options.force ?? false;
  const policy: ConflictRetryPolicy = { ...DEFAULT_CONFLICT_RETRY, ...options.retry };
  const random = options.random ?? Math.random;
  const onConflict = () => {
    report.conflictsRetried += 1;
  };
  const versions = new Map<string, PublishedVersion>();
  for (const { identity } of build.shards) {
    const id = `${identity.prefix}/${identity.channel}/${identity.version}`;
    if (versions.has(id)) continue;
    const [ledger, manifest] = await Promise.all([
      readIndexObject(store, LedgerSchema, ledgerKey(identity.prefix, identity.channel, identity.version)),
      readIndexObject(store, ManifestSchema, manifestKey(identity.prefix, identity.channel, identity.version)),
    ]);
    versions.set(id, {
      shardKeys: new Set(await store.list(`${LAYOUT_VERSION}/${id}/`)),
      ledger: ledger?.value ?? { shards: {} },
      manifest: manifest?.value ?? { metrics: {} },
      newLedger: { shards: {} },
      revisions: [],
    });
  }

  /** One shard: read, merge and write it (unless the ledger vouches it holds every date); note its revision. */
  const publishShard = async (plan: ShardPlan): Promise<void> => {
    const contributions = plan.contributions();
    if (contributions.length === 0) return;
    report.contributions += contributions.length;
    const { prefix, channel, version, period, metric } = plan.identity;
    const published = versions.get(`${prefix}/${channel}/${version}`) as PublishedVersion;
    const key = shardKey(prefix, channel, version, period, metric);
    const shardId = `${period}/${metric}`;

    // The ledger says the shard holds every date, and the ledger only vouches for dates whose
    // manifest revision is written: nothing to read or write (unless force rebuilds the date).
    const ledgerDates = published.ledger.shards[shardId] ?? [];
    const vouched =
      published.manifest.metrics[metric]?.[period] !== undefined &&
      published.shardKeys.has(key) &&
      contributions.every((c) => ledgerDates.includes(c.submissionDate));
    if (vouched && !(force && prefix === 'submission_date')) {
      if (force) report.shardsRefused += 1;
      else report.shardsAlreadyPublished += 1;
      return;
    }

    const { outcome, written } = await updateObject<ShardOutcome>(
      store,
      key,
      (current) => {
        const stored = current ? decodeShardContent(current.bytes) : undefined;
        const update = planShardUpdate(stored, contributions, force);
        const base = current ? shardRevision(current.bytes) : undefined;
        const bytes = update.content ? encodeShard(update.content) : undefined;
        if (bytes && !(current && sameBytes(bytes, current.bytes))) {
          return {
            write: bytes,
            outcome: { update, base, revision: shardRevision(bytes), held: (update.content as ShardContent).submissions },
          };
        }
        return { outcome: { update, base, revision: base, held: stored?.submissions ?? [] } };
      },
      { contentType: MSGPACK_CONTENT_TYPE, policy, random, knownAbsent: !published.shardKeys.has(key), onConflict },
    );
    if (written) {
      report.shardsWritten += 1;
      report.bytesWritten += written.byteLength;
    }
    if (outcome.update.replaced.length > 0) report.shardsReplaced += 1;
    if (outcome.update.refused.length > 0) report.shardsRefused += 1;
    else if (!written && outcome.update.replaced.length === 0) report.shardsAlreadyPublished += 1;
    if (outcome.revision === undefined) return;
    published.newLedger.shards[shardId] = outcome.held;
    published.revisions.push({ metric, period, revision: outcome.revision, ...(outcome.base ? { base: outcome.base } : {}) });
  };

  let done = 0;
  await runPool(build.shards, options.concurrency ?? store.suggestedConcurrency ?? DEFAULT_CONCURRENCY, async (plan) => {
    await publishShard(plan);
    options.onShardDone?.(++done, build.shards.length);
  });

  // A malformed published object is an error (PublishedObjectError), never overwritten.
  const writeJson = async <TSchema extends GenericSchema>(
    key: string,
    schema: TSchema,
    merged: (existing: InferOutput<TSchema> | undefined) => Promise<InferOutput<TSchema>> | InferOutput<TSchema>,
  ): Promise<void> => {
    const { written } = await updateObject<null>(
      store,
      key,
      async (current) => {
        const existingText = current ? new TextDecoder().decode(current.bytes) : undefined;
        const text = JSON.stringify(await merged(current ? parseIndexObject(schema, key, current.bytes) : undefined));
        return text === existingText ? { outcome: null } : { write: new TextEncoder().encode(text), outcome: null };
      },
      { contentType: JSON_CONTENT_TYPE, policy, random, onConflict },
    );
    if (!written) return;
    report.indexObjectsWritten += 1;
    report.bytesWritten += written.byteLength;
  };
  // Merging an update with itself when nothing is published yet gives the same canonical form (sorted).
  const union =
    <T>(update: T, merge: (older: T, newer: T) => T) =>
    (existing: T | undefined): T =>
      merge(existing ?? update, update);

  for (const [id, published] of versions) {
    const [prefix, channel, version] = id.split('/') as [Prefix, string, string];
    if (published.revisions.length === 0) continue;
    const revisionNow = async (metric: string, period: string): Promise<string | undefined> => {
      const shard = await store.get(shardKey(prefix, channel, version, period, metric));
      return shard ? shardRevision(shard.bytes) : undefined;
    };
    await writeJson(manifestKey(prefix, channel, version), ManifestSchema, (existing) =>
      manifestWith(existing ?? { metrics: {} }, published.revisions, revisionNow),
    );
    await writeJson(ledgerKey(prefix, channel, version), LedgerSchema, union(published.newLedger, mergeLedgers));
  }
  const updates = build.indexes;
  for (const [channelVersion, metrics] of updates.metrics) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    await writeJson(metricsKey(channel, version), MetricsSchema, union(metrics, mergeMetrics));
  }
  for (const [channelVersion, filters] of updates.filters) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    await writeJson(filtersKey(channel, version), FiltersSchema, union(filters, mergeFilters));
  }
  for (const [prefix, byChannel] of updates.dates) {
    for (const [channel, dates] of byChannel) await writeJson(datesKey(prefix, channel), DatesSchema, union(dates, mergeDates));
    await writeJson(channelsKey(prefix), ChannelsSchema, union([...byChannel.keys()], mergeChannels));
  }
  return report;
}

/** A content hash of a shard's bytes: the worker derives ETags from these. */
export function shardRevision(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
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
