/**
 * The object layout in R2 (layout version v1).
 *
 *   v1/{prefix}/channels.json                              channels with data
 *   v1/{prefix}/{channel}/dates.json                       [{date, version}] newest first
 *   v1/{prefix}/{channel}/{version}/manifest.json          metric -> period -> shard revision
 *   v1/{prefix}/{channel}/{version}/ledger.json            builder only: submission dates per shard
 *   v1/{prefix}/{channel}/{version}/{period}/{metric}      one msgpack shard
 *   v1/meta/{channel}/{version}/filters.json               filter options for /filters/
 *   v1/meta/{channel}/{version}/metrics.json               kind, buckets, description per metric
 *
 * prefix is build_id or submission_date; period is the calendar month (YYYYMM) of the date
 * (periodOf in calendar-date.ts).
 */

export const LAYOUT_VERSION = 'v1';

export const PREFIXES = ['build_id', 'submission_date'] as const;
export type Prefix = (typeof PREFIXES)[number];

export const CHANNELS = ['nightly', 'aurora', 'beta', 'release'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isPrefix(value: string): value is Prefix {
  return (PREFIXES as readonly string[]).includes(value);
}

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

const VERSION = /^\d{1,4}$/;

export function isMajorVersion(value: string): boolean {
  return VERSION.test(value);
}

export function channelsKey(prefix: Prefix): string {
  return `${LAYOUT_VERSION}/${prefix}/channels.json`;
}

export function datesKey(prefix: Prefix, channel: string): string {
  return `${LAYOUT_VERSION}/${prefix}/${channel}/dates.json`;
}

export function manifestKey(prefix: Prefix, channel: string, version: string): string {
  return `${LAYOUT_VERSION}/${prefix}/${channel}/${version}/manifest.json`;
}

export function ledgerKey(prefix: Prefix, channel: string, version: string): string {
  return `${LAYOUT_VERSION}/${prefix}/${channel}/${version}/ledger.json`;
}

export function shardKey(prefix: Prefix, channel: string, version: string, period: string, metric: string): string {
  return `${LAYOUT_VERSION}/${prefix}/${channel}/${version}/${period}/${metric}`;
}

export function filtersKey(channel: string, version: string): string {
  return `${LAYOUT_VERSION}/meta/${channel}/${version}/filters.json`;
}

export function metricsKey(channel: string, version: string): string {
  return `${LAYOUT_VERSION}/meta/${channel}/${version}/metrics.json`;
}
