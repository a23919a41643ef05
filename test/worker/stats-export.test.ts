/** stats= and format=csv on the data endpoint, through the real app and the builder's objects. */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import type { EntryStats } from '../../worker/src/stats/histogram-stats';
import { entryStats } from '../../worker/src/stats/histogram-stats';
import type { ExpectedRow } from './helpers';
import { expectedData, get, getJson, makeApp, metricsIndex, readsOf, seedBucket, storedRows, testEnv } from './helpers';

beforeAll(() => seedBucket());

const DATES = ['20170130', '20170131', '20170201'];
const STATS = 'mean,p5,p25,p50,p75,p95';
const app = makeApp();

function path(metric: string, extra = '', prefix = 'build_id'): string {
  return `/aggregates_by/${prefix}/channels/nightly/?version=54&dates=${DATES.join(',')}&metric=${encodeURIComponent(metric)}${extra}`;
}

interface StatsRow extends ExpectedRow {
  samples: number;
  stats: EntryStats;
}

interface StatsResponse {
  data: StatsRow[];
  buckets: (number | string)[];
  kind: string;
  description: string;
}

describe('without stats= or format=, the original answer, byte for byte', () => {
  it.each(['GC_MAX_PAUSE_MS', 'FX_PREFERENCES_CATEGORY_OPENED', 'IPC_MESSAGE_SIZE', 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT'])(
    '%s',
    async (metric) => {
      const info = metricsIndex('nightly', '54').metrics[metric];
      if (!info) throw new Error(`no ${metric}`);
      const response = await get(app, path(metric));
      const expected = JSON.stringify({
        data: expectedData(storedRows('build_id', 'nightly', '54', metric), DATES),
        buckets: expandBuckets(info.buckets),
        kind: info.kind,
        description: info.description,
      });
      expect(await response.text()).toBe(expected);
      const explicitJson = await get(app, path(metric, '&format=json'));
      expect(await explicitJson.text()).toBe(expected);
      expect(explicitJson.headers.get('ETag')).toBe(response.headers.get('ETag'));
    },
  );
});

describe('stats=', () => {
  it('adds samples beside count and the statistics of every entry (numeric kinds)', async () => {
    const plain = await getJson<StatsResponse>(app, path('GC_MAX_PAUSE_MS'));
    const body = await getJson<StatsResponse>(app, path('GC_MAX_PAUSE_MS', `&stats=${STATS}`));
    expect(body.kind).toBe('linear');
    expect(body.data).toHaveLength(plain.data.length);
    body.data.forEach((row, i) => {
      const original = plain.data[i] as ExpectedRow;
      expect(Object.keys(row)).toEqual(['date', 'label', 'histogram', 'count', 'samples', 'sum', 'stats']);
      expect({ ...row, samples: undefined, stats: undefined }).toEqual({ ...original, samples: undefined, stats: undefined });
      expect(row.samples).toBe(original.histogram.reduce((a, b) => a + b, 0));
      expect(Object.keys(row.stats)).toEqual(['mean', 'p5', 'p25', 'p50', 'p75', 'p95']);
      expect(row.stats).toEqual(entryStats(original, body, ['mean', 'p5', 'p25', 'p50', 'p75', 'p95']));
      expect(row.stats.mean).toBeCloseTo(original.sum / row.samples, 8);
      const [p5, p25, p50, p75, p95] = [row.stats.p5, row.stats.p25, row.stats.p50, row.stats.p75, row.stats.p95] as number[];
      expect(p5).toBeLessThanOrEqual(p25 as number);
      expect(p25).toBeLessThanOrEqual(p50 as number);
      expect(p50).toBeLessThanOrEqual(p75 as number);
      expect(p75).toBeLessThanOrEqual(p95 as number);
    });
  });

  it.each([
    ['FX_PREFERENCES_CATEGORY_OPENED', 'categorical'],
    ['A11Y_INSTANTIATED_FLAG', 'flag'],
    ['CANVAS_2D_USED', 'boolean'],
    ['USE_COUNTER2_PROPERTY_FILL_DOCUMENT', 'boolean'],
  ])('%s (%s): statistics null, proportions per bucket', async (metric, kind) => {
    const body = await getJson<StatsResponse>(app, path(metric, '&stats=mean,p50', 'submission_date'));
    expect(body.kind).toBe(kind);
    expect(body.data.length).toBeGreaterThan(0);
    for (const row of body.data) {
      expect(row.stats.mean).toBeNull();
      expect(row.stats.p50).toBeNull();
      const samples = row.histogram.reduce((a, b) => a + b, 0);
      expect(row.stats.proportions).toEqual(samples > 0 ? row.histogram.map((v) => Number((v / samples).toPrecision(12))) : null);
    }
  });

  it('changes the ETag, and repeats without reading again', async () => {
    const fresh = makeApp();
    const plain = await get(fresh, path('GC_MAX_PAUSE_MS'));
    const withStats = await get(fresh, path('GC_MAX_PAUSE_MS', '&stats=p50'));
    const otherStats = await get(fresh, path('GC_MAX_PAUSE_MS', '&stats=p95'));
    expect(new Set([plain, withStats, otherStats].map((r) => r.headers.get('ETag'))).size).toBe(3);
    expect(readsOf(withStats).total).toBe(0);
    const notModified = await get(fresh, path('GC_MAX_PAUSE_MS', '&stats=p50'), {
      headers: { 'If-None-Match': withStats.headers.get('ETag') as string },
    });
    expect(notModified.status).toBe(304);
  });

  it.each([
    ['&stats=median', 'Unknown statistic(s): median.'],
    ['&stats=p50,p101', 'Unknown statistic(s): p101.'],
    ['&stats=', 'stats takes a comma-separated list'],
    ['&format=xml', 'Unknown format: xml. format takes json or csv.'],
  ])('400 for %s', async (extra, message) => {
    const response = await get(app, path('GC_MAX_PAUSE_MS', extra));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(((await response.json()) as { message: string }).message).toContain(message);
  });

  it('405 for other unknown keys still, Allow keeping stats and format', async () => {
    const response = await get(app, path('GC_MAX_PAUSE_MS', '&stats=p50&foo=1&format=csv'));
    expect(response.status).toBe(405);
    const allow = new URL(response.headers.get('Allow') as string, 'https://x.test');
    expect(allow.pathname).toBe('/aggregates_by/build_id/channels/nightly/');
    expect(Object.fromEntries(allow.searchParams)).toEqual({
      version: '54',
      dates: DATES.join(','),
      metric: 'GC_MAX_PAUSE_MS',
      stats: 'p50',
      format: 'csv',
    });
  });

  it('keeps the original errors first: missing parameters 404 before a bad stats value', async () => {
    const response = await get(app, '/aggregates_by/build_id/channels/nightly/?version=54&metric=GC_MS&stats=bad');
    expect(response.status).toBe(404);
  });
});

describe('format=csv', () => {
  it('one row per date, label and bucket, as an attachment', async () => {
    const json = await getJson<StatsResponse>(app, path('IPC_MESSAGE_SIZE'));
    const response = await get(app, path('IPC_MESSAGE_SIZE', '&format=csv'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="IPC_MESSAGE_SIZE_nightly_54_build_id_20170130-20170201.csv"',
    );
    expect(response.headers.get('Content-Security-Policy')).toContain("default-src 'self'");
    const lines = (await response.text()).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('date,label,bucket_index,bucket,value,count,sum');
    const expected = json.data.flatMap((row) =>
      row.histogram.map((value, i) => [row.date, row.label, i, json.buckets[i] ?? '', value, row.count, row.sum].join(',')),
    );
    expect(lines.slice(1)).toEqual(expected);
  });

  it('with stats=, adds samples and the statistics', async () => {
    const response = await get(app, path('GC_MAX_PAUSE_MS', `&format=csv&stats=${STATS}`));
    const [header, first] = (await response.text()).split('\r\n');
    expect(header).toBe(`date,label,bucket_index,bucket,value,count,sum,samples,${STATS}`);
    const stats = await getJson<StatsResponse>(app, path('GC_MAX_PAUSE_MS', `&stats=${STATS}`));
    const row = stats.data[0] as StatsRow;
    expect(first).toBe(
      [
        row.date,
        row.label,
        0,
        stats.buckets[0],
        row.histogram[0],
        row.count,
        row.sum,
        row.samples,
        ...STATS.split(',').map((s) => row.stats[s as 'mean']),
      ].join(','),
    );
  });

  it('comes back from the Workers Cache API as CSV', async () => {
    const csvPath = path('GC_MAX_PAUSE_MS', '&format=csv&child=content');
    const once = async () => {
      const ctx = createExecutionContext();
      const response = await get(makeApp({ responseCache: undefined }), csvPath, { ctx, env: testEnv() });
      const text = await response.text();
      await waitOnExecutionContext(ctx);
      return { response, text };
    };
    const first = await once();
    const second = await once();
    expect(readsOf(second.response).total).toBe(0);
    expect(second.text).toBe(first.text);
    expect(second.response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(second.response.headers.get('content-disposition')).toBe(first.response.headers.get('content-disposition'));
  });

  it('errors stay JSON', async () => {
    const response = await get(app, path('NO_SUCH_METRIC', '&format=csv'));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
  });
});
