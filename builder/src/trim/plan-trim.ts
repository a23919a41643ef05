/**
 * Planning a trim (pure): from the published index objects (and the decoded boundary shards) to
 * the ordered list of writes and deletes that drop every date outside the retention window.
 *
 * Whole months outside the window: their shards are deleted. Months across a window edge
 * ("boundary" months): their shards are read and rewritten without the rows of trimmed dates,
 * but only where the index objects say there is something to drop (see `shardsToInspect`).
 *
 * Order of the actions (each phase only after the previous one):
 *   1. rewrite boundary shards. Rows of kept dates are unchanged, so a reader sees the same
 *      answer for them before and after; the manifest still names the old revision, so nothing is
 *      cached under the new revision with the old bytes;
 *   2. manifests: without deleted periods, with the new revisions (deleted when empty);
 *   3. channels.json without channels that have nothing left in that prefix;
 *   4. dates.json (deleted when empty): trimmed dates are no longer offered;
 *   5. delete the shards of trimmed months (no manifest points at them any more);
 *   6. ledgers (deleted when empty): after the deletes, so that an interrupted trim still finds
 *      every shard it has to delete on its next run;
 *   7. meta objects (filters, metrics) of a (channel, version) with nothing left in either prefix.
 * Every action depends only on what it changes, so an interrupted trim converges when re-run,
 * and a trim with nothing to do plans no action.
 */

import { periodOf } from '../../../worker/src/core/calendar-date';
import type { ChannelsIndex, DateEntry, DatesIndex, LedgerIndex, ManifestIndex } from '../../../worker/src/core/index-objects';
import type { ShardContent } from '../../../worker/src/core/shard';
import { encodeShard } from '../../../worker/src/core/shard-codec';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { channelsKey, datesKey, ledgerKey, manifestKey, shardKey } from '../../../worker/src/core/storage-keys';
import { shardRevision } from '../publish/publish-build';
import type { PublishedState } from './published-state';
import { parseKey } from './published-state';
import type { RetentionPolicy, RetentionWindow } from './retention-window';
import { isKept, monthCoverage, windowFor } from './retention-window';
import { trimShard } from './trim-shard';

/** The phases of the header comment, in order; the actions of one phase are independent of each other. */
export const TRIM_PHASES = ['rewrite-shards', 'manifests', 'channels', 'dates', 'delete-shards', 'ledgers', 'meta'] as const;
export type TrimPhase = (typeof TRIM_PHASES)[number];

export type TrimAction = { phase: TrimPhase; key: string } & (
  | { kind: 'rewrite-shard'; ifMatch: string; bytes: Uint8Array; revision: string; rowsDropped: number; datesDropped: string[] }
  | { kind: 'put-index'; ifMatch: string; text: string }
  | { kind: 'delete'; what: 'shard' | 'index' | 'meta' }
);

export interface DateSample {
  /** (date, version) entries of dates.json. */
  entries: number;
  /** Distinct dates. */
  dates: number;
  /** The oldest and newest few dates. */
  sample: string[];
}

export interface ChannelTrimSummary {
  prefix: Prefix;
  channel: string;
  window: RetentionWindow;
  datesKept: DateSample;
  datesTrimmed: DateSample;
  shardsDeleted: number;
  shardsRewritten: number;
  rowsDropped: number;
  /** Versions of this prefix and channel with nothing left. */
  versionsEmptied: string[];
  /** Dropped from channels.json. */
  channelRemoved: boolean;
}

export interface TrimPlan {
  actions: TrimAction[];
  channels: ChannelTrimSummary[];
  /** "channel/version" whose filters.json and metrics.json are deleted. */
  metaRemoved: string[];
  shardsInspected: number;
}

/**
 * What a boundary shard becomes, worked out as soon as it is read so that neither its bytes nor
 * its decoded rows are kept (only the bytes of a rewrite are).
 */
export type InspectedShard = { etag: string } & (
  | { kind: 'unchanged'; revision: string; submissions: string[] }
  | { kind: 'rewrite'; bytes: Uint8Array; revision: string; submissions: string[]; rowsDropped: number; datesDropped: string[] }
  | { kind: 'empty'; rowsDropped: number }
);

export function inspectShard(read: { etag: string; bytes: Uint8Array }, content: ShardContent, window: RetentionWindow): InspectedShard {
  const trim = trimShard(content, window);
  if (trim.kind === 'unchanged')
    return { etag: read.etag, kind: 'unchanged', revision: shardRevision(read.bytes), submissions: content.submissions };
  if (trim.kind === 'empty') return { etag: read.etag, kind: 'empty', rowsDropped: trim.rowsDropped };
  const bytes = encodeShard(trim.content);
  return {
    etag: read.etag,
    kind: 'rewrite',
    bytes,
    revision: shardRevision(bytes),
    submissions: trim.content.submissions,
    rowsDropped: trim.rowsDropped,
    datesDropped: trim.datesDropped,
  };
}

const SAMPLE_EACH_END = 3;

/** What the listed keys say exists, grouped. */
interface KeyIndex {
  /** "prefix/channel/version" -> shard ids "period/metric" that exist. */
  shards: Map<string, Set<string>>;
  /** "prefix" -> channels with any object. */
  channels: Map<Prefix, Set<string>>;
  /** "prefix/channel" -> versions with any object. */
  versions: Map<string, Set<string>>;
  /** "channel/version" -> meta keys. */
  meta: Map<string, string[]>;
}

function indexKeys(keys: readonly string[]): KeyIndex {
  const index: KeyIndex = { shards: new Map(), channels: new Map(), versions: new Map(), meta: new Map() };
  for (const key of keys) {
    const parsed = parseKey(key);
    if (parsed.kind === 'meta') {
      push(index.meta, `${parsed.channel}/${parsed.version}`, key);
      continue;
    }
    if (parsed.kind === 'other' || parsed.kind === 'channels') continue;
    addTo(index.channels, parsed.prefix, parsed.channel);
    if (parsed.kind === 'dates') continue;
    addTo(index.versions, `${parsed.prefix}/${parsed.channel}`, parsed.version);
    if (parsed.kind === 'shard')
      addTo(index.shards, `${parsed.prefix}/${parsed.channel}/${parsed.version}`, `${parsed.period}/${parsed.metric}`);
  }
  return index;
}

/**
 * The boundary shards worth reading: those of a boundary month for which dates.json lists a
 * trimmed date of that version (dates.json is rewritten only after the shards, so this evidence
 * survives a trim interrupted before it), submission_date shards whose ledger entry holds a
 * trimmed date (the ledger is rewritten last: this covers a trim interrupted after dates.json),
 * and any existing boundary shard the manifest does not list (an emptied shard an interrupted
 * trim did not delete yet, or a build in progress).
 */
export function shardsToInspect(state: PublishedState, policy: RetentionPolicy, prefixes: readonly Prefix[]): string[] {
  const keys = indexKeys(state.keys);
  const out: string[] = [];
  for (const prefix of prefixes) {
    for (const channel of channelsOf(prefix, state, keys)) {
      const window = windowFor(policy, channel);
      const doomedMonths = new Set<string>();
      for (const entry of state.dates.get(`${prefix}/${channel}`)?.value ?? []) {
        if (isKept(entry.date, window)) continue;
        const period = periodOf(entry.date);
        if (monthCoverage(period, window) === 'boundary') doomedMonths.add(`${entry.version}/${period}`);
      }
      for (const version of versionsOf(prefix, channel, state, keys)) {
        const manifest = state.manifests.get(`${prefix}/${channel}/${version}`)?.value;
        const ledger = state.ledgers.get(`${prefix}/${channel}/${version}`)?.value;
        for (const id of keys.shards.get(`${prefix}/${channel}/${version}`) ?? []) {
          const [period, metric] = splitShardId(id);
          if (monthCoverage(period, window) !== 'boundary') continue;
          const unlisted = manifest?.metrics[metric]?.[period] === undefined;
          // The ledger lists a submission_date shard's submission dates, which are its rows' dates.
          const ledgered = prefix === 'submission_date' && (ledger?.shards[id] ?? []).some((date) => !isKept(date, window));
          if (unlisted || ledgered || doomedMonths.has(`${version}/${period}`))
            out.push(shardKey(prefix, channel, version, period, metric));
        }
      }
    }
  }
  return out.sort();
}

export function planTrim(
  state: PublishedState,
  inspected: ReadonlyMap<string, InspectedShard>,
  policy: RetentionPolicy,
  prefixes: readonly Prefix[],
): TrimPlan {
  const keys = indexKeys(state.keys);
  const phases: Phases = { rewrites: [], manifests: [], channels: [], dates: [], deletes: [], ledgers: [], meta: [] };
  const summaries: ChannelTrimSummary[] = [];
  /** "prefix/channel/version" with something left after the trim, for every prefix. */
  const versionsLeft = new Set<string>();

  for (const prefix of prefixes) {
    const channelsObject = state.channels.get(prefix);
    const removedChannels = new Set<string>();
    for (const channel of channelsOf(prefix, state, keys)) {
      const window = windowFor(policy, channel);
      const summary: ChannelTrimSummary = {
        prefix,
        channel,
        window,
        datesKept: { entries: 0, dates: 0, sample: [] },
        datesTrimmed: { entries: 0, dates: 0, sample: [] },
        shardsDeleted: 0,
        shardsRewritten: 0,
        rowsDropped: 0,
        versionsEmptied: [],
        channelRemoved: false,
      };
      const datesObject = state.dates.get(`${prefix}/${channel}`);
      const dates = datesObject?.value ?? [];
      const keptDates = dates.filter((entry) => isKept(entry.date, window));
      const trimmedDates = dates.filter((entry) => !isKept(entry.date, window));
      summary.datesKept = sampleOf(keptDates);
      summary.datesTrimmed = sampleOf(trimmedDates);

      let channelHasShards = false;
      for (const version of versionsOf(prefix, channel, state, keys)) {
        const scope = { prefix, channel, version, window };
        const result = planVersion(scope, state, keys, inspected, phases);
        summary.shardsDeleted += result.shardsDeleted;
        summary.shardsRewritten += result.shardsRewritten;
        summary.rowsDropped += result.rowsDropped;
        const datesLeft = keptDates.some((entry) => entry.version === version);
        if (result.hasShardsLeft || datesLeft) versionsLeft.add(`${prefix}/${channel}/${version}`);
        else summary.versionsEmptied.push(version);
        channelHasShards ||= result.hasShardsLeft;
      }

      if (keptDates.length === 0 && !channelHasShards && channelsObject?.value.includes(channel)) {
        removedChannels.add(channel);
        summary.channelRemoved = true;
      }
      if (datesObject && trimmedDates.length > 0) {
        const key = datesKey(prefix, channel);
        const phase = 'dates';
        if (keptDates.length === 0) phases.dates.push({ phase, kind: 'delete', key, what: 'index' });
        else phases.dates.push(putIndex(phase, key, datesObject.etag, keptDates satisfies DatesIndex));
      }
      summaries.push(summary);
    }
    if (channelsObject && removedChannels.size > 0) {
      const channels: ChannelsIndex = channelsObject.value.filter((channel) => !removedChannels.has(channel));
      // A phase before the dates objects: a channel is no longer offered before its dates go.
      phases.channels.push(putIndex('channels', channelsKey(prefix), channelsObject.etag, channels));
    }
  }

  // Versions of the prefixes this trim leaves alone count as they are.
  for (const key of state.keys) {
    const parsed = parseKey(key);
    if ((parsed.kind === 'shard' || parsed.kind === 'manifest') && !prefixes.includes(parsed.prefix)) {
      versionsLeft.add(`${parsed.prefix}/${parsed.channel}/${parsed.version}`);
    }
  }
  for (const [id, dates] of state.dates) {
    const [prefix] = id.split('/') as [Prefix, string];
    if (prefixes.includes(prefix)) continue;
    for (const entry of dates.value) versionsLeft.add(`${id}/${entry.version}`);
  }

  const metaRemoved: string[] = [];
  for (const [channelVersion, metaKeys] of [...keys.meta].sort(([a], [b]) => compareText(a, b))) {
    const [channel, version] = channelVersion.split('/') as [string, string];
    const left = ['build_id', 'submission_date'].some((prefix) => versionsLeft.has(`${prefix}/${channel}/${version}`));
    if (left) continue;
    metaRemoved.push(channelVersion);
    for (const key of metaKeys) phases.meta.push({ phase: 'meta', kind: 'delete', key, what: 'meta' });
  }

  return {
    actions: [
      ...phases.rewrites,
      ...phases.manifests,
      ...phases.channels,
      ...phases.dates,
      ...phases.deletes,
      ...phases.ledgers,
      ...phases.meta,
    ],
    channels: summaries,
    metaRemoved,
    shardsInspected: inspected.size,
  };
}

interface VersionScope {
  prefix: Prefix;
  channel: string;
  version: string;
  window: RetentionWindow;
}

interface VersionResult {
  shardsDeleted: number;
  shardsRewritten: number;
  rowsDropped: number;
  hasShardsLeft: boolean;
}

interface Phases {
  rewrites: TrimAction[];
  manifests: TrimAction[];
  channels: TrimAction[];
  dates: TrimAction[];
  deletes: TrimAction[];
  ledgers: TrimAction[];
  meta: TrimAction[];
}

function planVersion(
  scope: VersionScope,
  state: PublishedState,
  keys: KeyIndex,
  inspected: ReadonlyMap<string, InspectedShard>,
  phases: Phases,
): VersionResult {
  const { prefix, channel, version, window } = scope;
  const id = `${prefix}/${channel}/${version}`;
  const manifestObject = state.manifests.get(id);
  const ledgerObject = state.ledgers.get(id);
  const existing = keys.shards.get(id) ?? new Set<string>();
  const result: VersionResult = { shardsDeleted: 0, shardsRewritten: 0, rowsDropped: 0, hasShardsLeft: false };

  const shardIds = new Set<string>(existing);
  for (const [metric, periods] of Object.entries(manifestObject?.value.metrics ?? {}))
    for (const period of Object.keys(periods)) shardIds.add(`${period}/${metric}`);
  for (const shardId of Object.keys(ledgerObject?.value.shards ?? {})) shardIds.add(shardId);

  const gone = new Set<string>();
  /** Shards read for this trim that stay: the revision and submissions of their final bytes. */
  const settled = new Map<string, { revision: string; submissions: string[] }>();
  for (const shardId of [...shardIds].sort(compareText)) {
    const [period, metric] = splitShardId(shardId);
    const key = shardKey(prefix, channel, version, period, metric);
    const coverage = monthCoverage(period, window);
    const read = coverage === 'boundary' ? inspected.get(key) : undefined;
    if (coverage === 'trimmed') {
      gone.add(shardId);
      if (existing.has(shardId)) {
        phases.deletes.push({ phase: 'delete-shards', kind: 'delete', key, what: 'shard' });
        result.shardsDeleted += 1;
      }
    } else if (coverage === 'boundary' && !existing.has(shardId)) {
      // Named by the manifest or ledger but not there: a shard an interrupted trim emptied and
      // deleted before it could update the ledger. Its entries go.
      gone.add(shardId);
    } else if (read?.kind === 'unchanged') {
      settled.set(shardId, { revision: read.revision, submissions: read.submissions });
    } else if (read?.kind === 'empty') {
      gone.add(shardId);
      phases.deletes.push({ phase: 'delete-shards', kind: 'delete', key, what: 'shard' });
      result.shardsDeleted += 1;
      result.rowsDropped += read.rowsDropped;
    } else if (read?.kind === 'rewrite') {
      const { bytes, revision, rowsDropped, datesDropped } = read;
      phases.rewrites.push({
        phase: 'rewrite-shards',
        kind: 'rewrite-shard',
        key,
        ifMatch: read.etag,
        bytes,
        revision,
        rowsDropped,
        datesDropped,
      });
      settled.set(shardId, { revision, submissions: read.submissions });
      result.shardsRewritten += 1;
      result.rowsDropped += rowsDropped;
    }
    if (existing.has(shardId) && !gone.has(shardId)) result.hasShardsLeft = true;
  }

  if (manifestObject) {
    const manifest = trimManifest(manifestObject.value, gone, settled);
    if (JSON.stringify(manifest) !== JSON.stringify(manifestObject.value)) {
      const key = manifestKey(prefix, channel, version);
      const phase = 'manifests';
      phases.manifests.push(
        Object.keys(manifest.metrics).length === 0
          ? { phase, kind: 'delete', key, what: 'index' }
          : putIndex(phase, key, manifestObject.etag, manifest),
      );
    }
    if (Object.keys(manifest.metrics).length > 0) result.hasShardsLeft = true;
  }
  if (ledgerObject) {
    const ledger = trimLedger(ledgerObject.value, gone, settled);
    if (JSON.stringify(ledger) !== JSON.stringify(ledgerObject.value)) {
      const key = ledgerKey(prefix, channel, version);
      const phase = 'ledgers';
      phases.ledgers.push(
        Object.keys(ledger.shards).length === 0
          ? { phase, kind: 'delete', key, what: 'index' }
          : putIndex(phase, key, ledgerObject.etag, ledger),
      );
    }
  }
  return result;
}

function trimManifest(
  manifest: ManifestIndex,
  gone: ReadonlySet<string>,
  settled: ReadonlyMap<string, { revision: string }>,
): ManifestIndex {
  const metrics: ManifestIndex['metrics'] = {};
  for (const [metric, periods] of Object.entries(manifest.metrics)) {
    const kept: Record<string, string> = {};
    for (const [period, revision] of Object.entries(periods)) {
      const shardId = `${period}/${metric}`;
      if (!gone.has(shardId)) kept[period] = settled.get(shardId)?.revision ?? revision;
    }
    if (Object.keys(kept).length > 0) metrics[metric] = kept;
  }
  return { metrics };
}

function trimLedger(ledger: LedgerIndex, gone: ReadonlySet<string>, settled: ReadonlyMap<string, { submissions: string[] }>): LedgerIndex {
  const shards: LedgerIndex['shards'] = {};
  for (const [shardId, submissions] of Object.entries(ledger.shards)) {
    if (!gone.has(shardId)) shards[shardId] = settled.get(shardId)?.submissions ?? submissions;
  }
  return { shards };
}

function putIndex(phase: TrimPhase, key: string, ifMatch: string, value: unknown): TrimAction {
  return { phase, kind: 'put-index', key, ifMatch, text: JSON.stringify(value) };
}

function channelsOf(prefix: Prefix, state: PublishedState, keys: KeyIndex): string[] {
  return [...new Set([...(state.channels.get(prefix)?.value ?? []), ...(keys.channels.get(prefix) ?? [])])].sort(compareText);
}

function versionsOf(prefix: Prefix, channel: string, state: PublishedState, keys: KeyIndex): string[] {
  const fromDates = (state.dates.get(`${prefix}/${channel}`)?.value ?? []).map((entry) => entry.version);
  return [...new Set([...fromDates, ...(keys.versions.get(`${prefix}/${channel}`) ?? [])])].sort(compareText);
}

function sampleOf(entries: readonly DateEntry[]): DateSample {
  const dates = [...new Set(entries.map((entry) => entry.date))].sort();
  const sample = dates.length <= 2 * SAMPLE_EACH_END ? dates : [...dates.slice(0, SAMPLE_EACH_END), ...dates.slice(-SAMPLE_EACH_END)];
  return { entries: entries.length, dates: dates.length, sample };
}

function splitShardId(shardId: string): [period: string, metric: string] {
  const slash = shardId.indexOf('/');
  return [shardId.slice(0, slash), shardId.slice(slash + 1)];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
