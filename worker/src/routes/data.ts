/**
 * GET /aggregates_by/{prefix}/channels/{channel}/?version=&dates=&metric=[&filters]
 *
 * validate query (values over 256 bytes: 404 here) -> access rules -> (response cache)
 * -> manifest + metrics index (cached; shards of listed metrics read ahead meanwhile)
 * -> metric definition -> shard plan -> ETag (304 here costs no shard read)
 * -> at most one shard per month (+ the denominator's for use counters) -> sums -> JSON.
 */
import type { Hono } from 'hono';
import { metricAccess } from '../auth/access';
import type { AppEnv, RequestContext } from '../context';
import type { Prefix } from '../core/storage-keys';
import { isChannel, isMajorVersion, isPrefix, manifestKey, shardKey } from '../core/storage-keys';
import { dataBodyHeaders, outputEtagParts, renderDataBody } from '../export/data-output';
import type { Prepared } from '../http/cacheable';
import { respondCacheable } from '../http/cacheable';
import { strongEtag } from '../http/conditional';
import { errorResponse, forbidden, METRIC_NOT_ALLOWED_MESSAGE, notFound } from '../http/errors';
import type { SumsByDate } from '../query/aggregate';
import { accumulateShard, toDataRows } from '../query/aggregate';
import type { MetricDefinition } from '../query/metric-definition';
import { resolveMetric } from '../query/metric-definition';
import type { DataQuery, RowFilter } from '../query/params';
import { FILTER_KEYS, NO_DATA_MESSAGE, parseDataQuery } from '../query/params';
import type { ShardRead, ShardScope } from '../query/plan';
import { datesByPeriod, planShardReads } from '../query/plan';
import { readAheadMetrics } from '../query/read-ahead';
import { joinUseCounter } from '../query/use-counter';

export type { DataResponse } from '../export/data-output';

export function registerDataRoute(app: Hono<AppEnv>): void {
  app.get('/aggregates_by/:prefix/channels/:channel', async (c) => {
    const rc = c.get('request');
    const prefix = c.req.param('prefix');
    const channel = c.req.param('channel');
    if (!isPrefix(prefix)) return notFound();
    const url = new URL(c.req.url);
    const parsed = parseDataQuery(url.pathname, url.searchParams);
    if (!parsed.ok) {
      if (parsed.status === 405) {
        const message = `Unsupported query parameter(s): ${parsed.unknownKeys.join(', ')}.`;
        return errorResponse(405, message, { Allow: parsed.allow });
      }
      return errorResponse(parsed.status, parsed.message);
    }
    const query = parsed.query;
    const access = metricAccess(rc.config.access, channel, query.metric);
    if (access === 'blacklisted') return errorResponse(404, METRIC_NOT_ALLOWED_MESSAGE);
    const auth = await rc.auth();
    if (access === 'needs-auth' && !auth.ok) return forbidden(auth.error);
    const request = {
      url: c.req.url,
      ifNoneMatch: c.req.header('If-None-Match'),
      authed: auth.ok,
      maxAgeSeconds: rc.config.cache.dataMaxAgeSeconds,
    };
    // A revalidation (If-None-Match) is answered from index objects alone: no shard is read ahead.
    const readAhead = request.ifNoneMatch === undefined;
    return respondCacheable(rc, request, () => prepareData(rc, prefix, channel, query, auth.ok, readAhead));
  });
}

async function prepareData(
  rc: RequestContext,
  prefix: Prefix,
  channel: string,
  query: DataQuery,
  authed: boolean,
  readAhead: boolean,
): Promise<Prepared | Response> {
  if (!isChannel(channel) || !isMajorVersion(query.version)) return errorResponse(404, NO_DATA_MESSAGE);
  // Its reads run while the index objects load; their failures surface in shard() if the plan needs them.
  if (readAhead) readShardsAhead(rc, { prefix, channel, version: query.version }, query);
  const [manifest, metrics] = await Promise.all([
    rc.reader.manifest(prefix, channel, query.version),
    rc.reader.metrics(channel, query.version),
  ]);
  if (!manifest || !metrics) return errorResponse(404, NO_DATA_MESSAGE);
  const resolution = resolveMetric(query.metric, metrics);
  if (!resolution.ok) return errorResponse(404, resolution.message);
  const definition = resolution.definition;

  const scope = { prefix, channel, version: query.version };
  const own = planShardReads(scope, definition.storedName, query.dates, manifest);
  const denominator = definition.denominator ? planShardReads(scope, definition.denominator, query.dates, manifest) : [];
  if (own.length === 0 && denominator.length === 0) return errorResponse(404, NO_DATA_MESSAGE);

  const etag = await dataEtag(scope, query, definition, authed, [...own, ...denominator]);
  const headers = dataBodyHeaders(query, scope);
  return {
    etag,
    ...(headers ? { headers } : {}),
    render: async () => {
      const [ownSums, denominatorSums] = await Promise.all([sumShards(rc, own, query.filter), sumShards(rc, denominator, query.filter)]);
      const data = definition.denominator ? joinUseCounter(query.dates, ownSums, denominatorSums) : toDataRows(query.dates, ownSums);
      if (data.length === 0) return errorResponse(404, NO_DATA_MESSAGE);
      return renderDataBody(query, definition, data);
    },
  };
}

/** At most this many shards are read ahead: with the manifest and the metrics index, 6 reads, the Workers limit in flight. */
const READ_AHEAD_MAX_SHARDS = 4;

/**
 * On a cold request (manifest not cached), starts reading the shards the plan will most likely
 * name, one per month of the requested dates, so that the request waits for one round of R2
 * reads instead of two. Only metrics the version's metrics index listed when this isolate last
 * read it are guessed (query/read-ahead.ts), under their stored names (a count histogram's
 * [[COUNT]]_NAME, a use counter's denominator); before the isolate has read that index, or for a
 * name it does not list, nothing is read ahead: the index objects are read first, and a name
 * that does not exist costs those reads only. A listed metric with no data in a month is read
 * once for nothing (and remembered, so not again).
 */
function readShardsAhead(rc: RequestContext, scope: ShardScope, query: DataQuery): void {
  if (rc.reader.holdsIndex(manifestKey(scope.prefix, scope.channel, scope.version))) return;
  const kinds = rc.reader.metricKinds(scope.channel, scope.version);
  const names = kinds ? readAheadMetrics(query.metric, kinds) : [];
  if (names.length === 0) return;
  const periods = [...datesByPeriod(query.dates).keys()];
  const keys = names.flatMap((name) => periods.map((period) => shardKey(scope.prefix, scope.channel, scope.version, period, name)));
  rc.reader.readAhead(keys.slice(0, READ_AHEAD_MAX_SHARDS));
}

/** Rows of the planned shards, filtered and summed per (date, label). */
async function sumShards(rc: RequestContext, reads: readonly ShardRead[], filter: RowFilter): Promise<SumsByDate> {
  const sums: SumsByDate = new Map();
  const shards = await Promise.all(reads.map((read) => rc.reader.shard(read.key, read.revision, read)));
  shards.forEach((shard, i) => {
    if (shard) accumulateShard(shard, (reads[i] as ShardRead).dates, filter, sums);
  });
  return sums;
}

/** Derived from the shard revisions the answer is built from, the query, the definition and the auth state. */
function dataEtag(
  scope: { prefix: Prefix; channel: string; version: string },
  query: DataQuery,
  definition: MetricDefinition,
  authed: boolean,
  reads: readonly ShardRead[],
): Promise<string> {
  const filter = FILTER_KEYS.map((key) => `${key}=${query.filter[key] ?? ''}${query.filter[key] === undefined ? '?' : ''}`).join('&');
  return strongEtag([
    'data',
    scope.prefix,
    scope.channel,
    scope.version,
    query.metric,
    query.dates.join(','),
    filter,
    authed ? 'authed' : 'anonymous',
    JSON.stringify([definition.kind, definition.description, definition.buckets]),
    ...reads.map((read) => `${read.key}@${read.revision}`),
    ...outputEtagParts(query),
  ]);
}
