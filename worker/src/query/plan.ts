/**
 * Which shards a data request reads (pure): for each month period that the requested dates fall
 * in and that the manifest lists for the metric, exactly one shard, however many dates it covers.
 */

import { isYyyymmdd, periodOf } from '../core/calendar-date';
import type { ManifestIndex } from '../core/index-objects';
import type { Prefix } from '../core/storage-keys';
import { shardKey } from '../core/storage-keys';

export interface ShardRead {
  key: string;
  /** The manifest's revision of that shard: part of cache keys and ETags. */
  revision: string;
  metric: string;
  period: string;
  /** The requested dates inside this period, in request order. */
  dates: string[];
}

export interface ShardScope {
  prefix: Prefix;
  channel: string;
  version: string;
}

/** Requested dates grouped by month period, in order of first appearance. */
export function datesByPeriod(dates: readonly string[]): Map<string, string[]> {
  const periods = new Map<string, string[]>();
  for (const date of dates) {
    if (!isYyyymmdd(date)) continue;
    const period = periodOf(date);
    const list = periods.get(period);
    if (list) list.push(date);
    else periods.set(period, [date]);
  }
  return periods;
}

export function planShardReads(scope: ShardScope, metric: string, dates: readonly string[], manifest: ManifestIndex): ShardRead[] {
  const revisions = Object.hasOwn(manifest.metrics, metric) ? manifest.metrics[metric] : undefined;
  if (!revisions) return [];
  const reads: ShardRead[] = [];
  for (const [period, periodDates] of datesByPeriod(dates)) {
    const revision = Object.hasOwn(revisions, period) ? revisions[period] : undefined;
    if (revision === undefined) continue;
    reads.push({ key: shardKey(scope.prefix, scope.channel, scope.version, period, metric), revision, metric, period, dates: periodDates });
  }
  return reads;
}
