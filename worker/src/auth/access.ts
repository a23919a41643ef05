/**
 * Who may see what (pure), as the original service:
 * - blacklisted metrics (regexes matched at the start of the name) are never served nor listed;
 * - the release channel is hidden from anonymous channel lists, and its dates and filters need a
 *   token; its metric data needs one unless the metric is public or all are opened by config;
 * - authed-only metrics are served and listed only to authenticated callers.
 */
import type { AccessConfig } from '../config';
import { publicMetricName } from '../core/metric-names';

export const RELEASE_CHANNEL = 'release';

export type MetricAccess = 'blacklisted' | 'public' | 'needs-auth';

export function isBlacklisted(access: AccessConfig, metric: string): boolean {
  return access.blacklist.some((pattern) => pattern.test(metric));
}

export function metricAccess(access: AccessConfig, channel: string, metric: string): MetricAccess {
  if (isBlacklisted(access, metric)) return 'blacklisted';
  if (channel === RELEASE_CHANNEL) {
    return access.allowAllReleaseMetrics || access.publicReleaseMetrics.has(metric) ? 'public' : 'needs-auth';
  }
  return access.authedOnlyMetrics.has(metric) ? 'needs-auth' : 'public';
}

/** Whether listing/serving the channel's indexes (dates, filters) needs a token. */
export function channelNeedsAuth(channel: string): boolean {
  return channel === RELEASE_CHANNEL;
}

export function visibleChannels(channels: readonly string[], authed: boolean): string[] {
  return authed ? [...channels] : channels.filter((channel) => channel !== RELEASE_CHANNEL);
}

/** The metric names /filters/ lists: public names, blacklist and authed-only rules applied. */
export function visibleMetrics(access: AccessConfig, storedNames: readonly string[], authed: boolean): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const stored of storedNames) {
    const name = publicMetricName(stored);
    if (seen.has(name)) continue;
    seen.add(name);
    if (access.authedOnlyMetrics.has(name) ? !authed : isBlacklisted(access, name)) continue;
    names.push(name);
  }
  return names;
}
