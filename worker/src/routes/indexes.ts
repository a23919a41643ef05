/** The index endpoints: channel lists, date lists and filter options, each from one index object. */
import type { Hono } from 'hono';
import { channelNeedsAuth, visibleChannels, visibleMetrics } from '../auth/access';
import type { AppEnv, RequestContext } from '../context';
import type { FiltersIndex } from '../core/index-objects';
import { FILTER_NAMES } from '../core/index-objects';
import type { Prefix } from '../core/storage-keys';
import { isChannel, isMajorVersion, isPrefix } from '../core/storage-keys';
import type { Prepared } from '../http/cacheable';
import { respondCacheable } from '../http/cacheable';
import { strongEtag } from '../http/conditional';
import { errorResponse, forbidden, notFound } from '../http/errors';
import { canonicalChild } from '../query/params';

const MISSING_FILTER_PARAMETERS_MESSAGE = 'Missing channel or version. Both are required.';
const NO_FILTERS_MESSAGE = 'No filters found for this channel and version.';

async function indexBody(parts: string[], body: string): Promise<Prepared> {
  const etag = await strongEtag(parts);
  return { etag, render: () => Promise.resolve(body) };
}

export function registerIndexRoutes(app: Hono<AppEnv>): void {
  app.get('/aggregates_by/:prefix/channels', async (c) => {
    const rc = c.get('request');
    const prefix = c.req.param('prefix');
    if (!isPrefix(prefix)) return notFound();
    const authed = (await rc.auth()).ok;
    return respondCacheable(rc, cacheable(c.req.url, c.req.header('If-None-Match'), authed, rc), async () => {
      const channels = visibleChannels((await rc.reader.channels(prefix)) ?? [], authed);
      const body = JSON.stringify(channels);
      return indexBody(['channels', prefix, String(authed), body], body);
    });
  });

  app.get('/aggregates_by/:prefix/channels/:channel/dates', async (c) => {
    const rc = c.get('request');
    const prefix = c.req.param('prefix');
    const channel = c.req.param('channel');
    if (!isPrefix(prefix)) return notFound();
    const auth = await rc.auth();
    if (channelNeedsAuth(channel) && !auth.ok) return forbidden(auth.error);
    return respondCacheable(rc, cacheable(c.req.url, c.req.header('If-None-Match'), auth.ok, rc), async () => {
      const body = JSON.stringify(await datesOf(rc, prefix, channel));
      return indexBody(['dates', prefix, channel, String(auth.ok), body], body);
    });
  });

  app.get('/filters', async (c) => {
    const rc = c.get('request');
    const channel = c.req.query('channel');
    const version = c.req.query('version');
    if (!channel || !version) return errorResponse(404, MISSING_FILTER_PARAMETERS_MESSAGE);
    const auth = await rc.auth();
    if (channelNeedsAuth(channel) && !auth.ok) return forbidden(auth.error);
    return respondCacheable(rc, cacheable(c.req.url, c.req.header('If-None-Match'), auth.ok, rc), async () => {
      if (!isChannel(channel) || !isMajorVersion(version)) return errorResponse(404, NO_FILTERS_MESSAGE);
      const stored = await rc.reader.filters(channel, version);
      const options = stored ? filterOptions(rc, stored, auth.ok) : {};
      if (Object.keys(options).length === 0) return errorResponse(404, NO_FILTERS_MESSAGE);
      const body = JSON.stringify(options);
      return indexBody(['filters', channel, version, String(auth.ok), body], body);
    });
  });
}

function cacheable(url: string, ifNoneMatch: string | undefined, authed: boolean, rc: RequestContext) {
  return { url, ifNoneMatch, authed, maxAgeSeconds: rc.config.cache.indexMaxAgeSeconds };
}

async function datesOf(rc: RequestContext, prefix: Prefix, channel: string): Promise<{ date: string; version: string }[]> {
  // An unknown channel has no dates (the original answered [] too); nothing to read.
  if (!isChannel(channel)) return [];
  const dates = (await rc.reader.dates(prefix, channel)) ?? [];
  return dates.map(({ date, version }) => ({ date, version }));
}

/**
 * The /filters/ answer: the stored filter options in their order, [[COUNT]]_ stripped, hidden
 * metrics removed, legacy child values mapped; keys without options are left out (as the original).
 */
function filterOptions(rc: RequestContext, stored: FiltersIndex, authed: boolean): Partial<Record<string, string[]>> {
  const options: Partial<Record<string, string[]>> = {};
  for (const key of FILTER_NAMES) {
    let values = stored[key] ?? [];
    if (key === 'metric') values = visibleMetrics(rc.config.access, values, authed);
    if (key === 'child') values = [...new Set(values.map(canonicalChild))];
    if (values.length > 0) options[key] = values;
  }
  return options;
}
