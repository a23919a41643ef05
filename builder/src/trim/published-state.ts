/**
 * What a trim plans from (pure types and key parsing): every key under v1/ and the index objects
 * the builder publishes, each with the etag it was read at (for conditional writes).
 */
import type { ChannelsIndex, DatesIndex, LedgerIndex, ManifestIndex } from '../../../worker/src/core/index-objects';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { isPrefix, LAYOUT_VERSION } from '../../../worker/src/core/storage-keys';

export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface PublishedState {
  /** Every key under v1/, as listed. */
  keys: readonly string[];
  channels: ReadonlyMap<Prefix, Versioned<ChannelsIndex>>;
  /** Keyed "prefix/channel". */
  dates: ReadonlyMap<string, Versioned<DatesIndex>>;
  /** Keyed "prefix/channel/version". */
  manifests: ReadonlyMap<string, Versioned<ManifestIndex>>;
  /** Keyed "prefix/channel/version". */
  ledgers: ReadonlyMap<string, Versioned<LedgerIndex>>;
}

export type ParsedKey =
  | { kind: 'channels'; prefix: Prefix }
  | { kind: 'dates'; prefix: Prefix; channel: string }
  | { kind: 'manifest' | 'ledger'; prefix: Prefix; channel: string; version: string }
  | { kind: 'shard'; prefix: Prefix; channel: string; version: string; period: string; metric: string }
  | { kind: 'meta'; channel: string; version: string; name: string }
  | { kind: 'other' };

const PERIOD = /^\d{6}$/;

/** What a key under the v1 layout is (see worker/src/core/storage-keys.ts). */
export function parseKey(key: string): ParsedKey {
  const [layout, first, channel, version, period, metric, ...rest] = key.split('/');
  if (layout !== LAYOUT_VERSION || first === undefined || rest.length > 0) return { kind: 'other' };
  if (first === 'meta') {
    return channel !== undefined && version !== undefined && period !== undefined && metric === undefined
      ? { kind: 'meta', channel, version, name: period }
      : { kind: 'other' };
  }
  if (!isPrefix(first)) return { kind: 'other' };
  const prefix = first;
  if (channel === 'channels.json' && version === undefined) return { kind: 'channels', prefix };
  if (channel === undefined || version === undefined) return { kind: 'other' };
  if (version === 'dates.json' && period === undefined) return { kind: 'dates', prefix, channel };
  if (period === undefined) return { kind: 'other' };
  if (metric === undefined) {
    if (period === 'manifest.json') return { kind: 'manifest', prefix, channel, version };
    if (period === 'ledger.json') return { kind: 'ledger', prefix, channel, version };
    return { kind: 'other' };
  }
  return PERIOD.test(period) ? { kind: 'shard', prefix, channel, version, period, metric } : { kind: 'other' };
}
