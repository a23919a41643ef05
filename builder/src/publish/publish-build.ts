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
import type { IndexUpdates } from '../shards/index-updates';
import type { BuildPlan, ShardPlan } from '../shards/plan-build';
import type { ConflictRetryPolicy } from './conditional-update';
import { DEFAULT_CONFLICT_RETRY, updateObject } from './conditional-update';
import type { ShardRevision } from './manifest-update';
import { manifestWith } from './manifest-update';
import type { ObjectStore, StoredObject } from './object-store';
import { parseIndexObject } from './published-index';
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
  ledgerRead: KnownObject;
  manifestRead: KnownObject;
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
  const concurrency = options.concurrency ?? store.suggestedConcurrency ?? DEFAULT_CONCURRENCY;
  const updateOptions = {
    policy: { ...DEFAULT_CONFLICT_RETRY, ...options.retry },
    random: options.random ?? Math.random,
    onConflict: () => {
      report.conflictsRetried += 1;
    },
  };

  // Everything this build merges into is read once, before anything is written: a malformed
  // index object stops the build with nothing written, and no write waits for a read it could
  // have had earlier. What a listing shows absent is not read at all.
  const indexWrites = indexWritesOf(build.indexes);
  const versions = new Map<string, PublishedVersion>();
  const readAhead = new Map<string, KnownObject>();
  const versionIds = [...new Set(build.shards.map(({ identity: i }) => `${i.prefix}/${i.channel}/${i.version}`))];
  const reads = [
    ...versionIds.map((id) => async () => void versions.set(id, await readVersion(store, id))),
    ...indexWrites.flat().map(
      ({ key, schema }) =>
        async () =>
          void readAhead.set(key, await readKnown(store, key, schema)),
    ),
  ];
  await runPool(reads, concurrency, (read) => read());

  /** One shard: read, merge and write it (unless the ledger vouches it holds every date); note its revision. */
  const publishShard = async (plan: ShardPlan): Promise<void> => {
    const dates = plan.submissionDates;
    if (dates.length === 0) return;
    report.contributions += dates.length;
    const { prefix, channel, version, period, metric } = plan.identity;
    const published = versions.get(`${prefix}/${channel}/${version}`) as PublishedVersion;
    const key = shardKey(prefix, channel, version, period, metric);
    const shardId = `${period}/${metric}`;

    // The ledger says the shard holds every date, and the ledger only vouches for dates whose
    // manifest revision is written: nothing to render, read or write (unless force rebuilds the date).
    const ledgerDates = published.ledger.shards[shardId] ?? [];
    const vouched =
      published.manifest.metrics[metric]?.[period] !== undefined &&
      published.shardKeys.has(key) &&
      dates.every((date) => ledgerDates.includes(date));
    if (vouched && !(force && prefix === 'submission_date')) {
      if (force) report.shardsRefused += 1;
      else report.shardsAlreadyPublished += 1;
      return;
    }

    const contributions = plan.contributions();
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
      // Not listed: it cannot exist yet, except by another writer's hand, which If-None-Match catches.
      { ...updateOptions, contentType: MSGPACK_CONTENT_TYPE, ...(published.shardKeys.has(key) ? {} : { known: null }) },
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
  await runPool(build.shards, concurrency, async (plan) => {
    await publishShard(plan);
    options.onShardDone?.(++done, build.shards.length);
  });

  // A malformed published object is an error (PublishedObjectError), never overwritten.
  const writeJson = async (write: IndexWrite, known: KnownObject | undefined): Promise<void> => {
    const { written } = await updateObject<null>(
      store,
      write.key,
      async (current) => {
        const existingText = current ? new TextDecoder().decode(current.bytes) : undefined;
        // the object read ahead was parsed then; anything read since is parsed now
        const existing =
          known && current === known.object ? known.value : current ? parseIndexObject(write.schema, write.key, current.bytes) : undefined;
        const text = JSON.stringify(await write.merged(existing));
        return text === existingText ? { outcome: null } : { write: new TextEncoder().encode(text), outcome: null };
      },
      { ...updateOptions, contentType: JSON_CONTENT_TYPE, ...(known ? { known: known.object } : {}) },
    );
    if (!written) return;
    report.indexObjectsWritten += 1;
    report.bytesWritten += written.byteLength;
  };

  // Each version's manifest, then its ledger; the versions side by side.
  await runPool([...versions], concurrency, async ([id, published]) => {
    const [prefix, channel, version] = id.split('/') as [Prefix, string, string];
    if (published.revisions.length === 0) return;
    const revisionNow = async (metric: string, period: string): Promise<string | undefined> => {
      const shard = await store.get(shardKey(prefix, channel, version, period, metric));
      return shard ? shardRevision(shard.bytes) : undefined;
    };
    const manifest = indexWrite(manifestKey(prefix, channel, version), ManifestSchema, (existing) =>
      manifestWith(existing ?? { metrics: {} }, published.revisions, revisionNow),
    );
    await writeJson(manifest, published.manifestRead);
    await writeJson(
      indexWrite(ledgerKey(prefix, channel, version), LedgerSchema, union(published.newLedger, mergeLedgers)),
      published.ledgerRead,
    );
  });
  // Then metrics and filters, then dates, then channels: within a phase, side by side.
  for (const phase of indexWrites) {
    await runPool(phase, concurrency, (write) => writeJson(write, readAhead.get(write.key)));
  }
  return report;
}

/** An object read before publishing, and its parsed value; null object: shown absent. */
interface KnownObject {
  object: StoredObject | null;
  value: unknown;
}

/** One index object to merge into: its key, schema, and the merged value given what is stored (checked by the schema). */
interface IndexWrite {
  key: string;
  schema: GenericSchema;
  merged: (existing: unknown) => unknown;
}

function indexWrite<TSchema extends GenericSchema>(
  key: string,
  schema: TSchema,
  merged: (existing: InferOutput<TSchema> | undefined) => Promise<InferOutput<TSchema>> | InferOutput<TSchema>,
): IndexWrite {
  return { key, schema, merged: merged as (existing: unknown) => unknown };
}

/** Merging an update with itself when nothing is published yet gives the same canonical form (sorted). */
function union<T>(update: T, merge: (older: T, newer: T) => T): (existing: T | undefined) => T {
  return (existing) => merge(existing ?? update, update);
}

/** The index objects after manifests and ledgers, in their phases: metrics and filters, dates, channels. */
function indexWritesOf(updates: IndexUpdates): IndexWrite[][] {
  const metricsAndFilters: IndexWrite[] = [];
  for (const [channelVersion, metrics] of updates.metrics) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    metricsAndFilters.push(indexWrite(metricsKey(channel, version), MetricsSchema, union(metrics, mergeMetrics)));
  }
  for (const [channelVersion, filters] of updates.filters) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    metricsAndFilters.push(indexWrite(filtersKey(channel, version), FiltersSchema, union(filters, mergeFilters)));
  }
  const dates: IndexWrite[] = [];
  const channels: IndexWrite[] = [];
  for (const [prefix, byChannel] of updates.dates) {
    for (const [channel, entries] of byChannel) {
      dates.push(indexWrite(datesKey(prefix, channel), DatesSchema, union(entries, mergeDates)));
    }
    channels.push(indexWrite(channelsKey(prefix), ChannelsSchema, union([...byChannel.keys()], mergeChannels)));
  }
  return [metricsAndFilters, dates, channels];
}

async function readKnown(store: ObjectStore, key: string, schema: GenericSchema): Promise<KnownObject> {
  const object = await store.get(key);
  return { object, value: object ? parseIndexObject(schema, key, object.bytes) : undefined };
}

/** One (prefix, channel, version) of the build: its listing, and its manifest and ledger if listed. */
async function readVersion(store: ObjectStore, id: string): Promise<PublishedVersion> {
  const [prefix, channel, version] = id.split('/') as [Prefix, string, string];
  const shardKeys = new Set(await store.list(`${LAYOUT_VERSION}/${id}/`));
  const absent: KnownObject = { object: null, value: undefined };
  const read = (key: string, schema: GenericSchema) => (shardKeys.has(key) ? readKnown(store, key, schema) : Promise.resolve(absent));
  const ledgerRead = await read(ledgerKey(prefix, channel, version), LedgerSchema);
  const manifestRead = await read(manifestKey(prefix, channel, version), ManifestSchema);
  return {
    shardKeys,
    ledger: (ledgerRead.value as LedgerIndex | undefined) ?? { shards: {} },
    manifest: (manifestRead.value as ManifestIndex | undefined) ?? { metrics: {} },
    ledgerRead,
    manifestRead,
    newLedger: { shards: {} },
    revisions: [],
  };
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
