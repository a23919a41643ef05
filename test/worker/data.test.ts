/** GET /aggregates_by/{prefix}/channels/{channel}/?version=&dates=&metric=[&filters] */
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNT_HISTOGRAM_LABELS, SIMPLE_MEASURES_LABELS } from '../../builder/src/aggregate/value-buckets';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import type { Prefix } from '../../worker/src/core/storage-keys';
import type { ExpectedRow, Filter } from './helpers';
import { expectedData, get, getJson, makeApp, metricsIndex, seedBucket, storedRows, testPings } from './helpers';

beforeAll(() => seedBucket());

const PREFIXES: Prefix[] = ['build_id', 'submission_date'];
/** Every date with nightly 54 data, for each prefix. */
const DATES: Record<Prefix, string[]> = {
  build_id: ['20170130', '20170131', '20170201'],
  submission_date: ['20170130', '20170131', '20170201'],
};

interface DataResponse {
  data: ExpectedRow[];
  buckets: (number | string)[];
  kind: string;
  description: string;
}

function dataPath(prefix: Prefix, metric: string, dates: readonly string[], extra = '', channel = 'nightly', version = '54'): string {
  return `/aggregates_by/${prefix}/channels/${channel}/?version=${version}&dates=${dates.join(',')}&metric=${encodeURIComponent(metric)}${extra}`;
}

function filterQuery(filter: Filter): string {
  return Object.entries(filter)
    .map(([key, value]) => `&${key}=${encodeURIComponent(value)}`)
    .join('');
}

const app = makeApp();

describe('every metric family answers the sum of the matching stored rows', () => {
  const families: { metric: string; stored: string; kind: string; labels?: boolean }[] = [
    { metric: 'CHECK_ADDONS_MODIFIED_MS', stored: 'CHECK_ADDONS_MODIFIED_MS', kind: 'exponential' },
    { metric: 'CYCLE_COLLECTOR', stored: 'CYCLE_COLLECTOR', kind: 'exponential' },
    { metric: 'COMPOSITE_TIME', stored: 'COMPOSITE_TIME', kind: 'exponential' },
    { metric: 'GC_MAX_PAUSE_MS', stored: 'GC_MAX_PAUSE_MS', kind: 'linear' },
    { metric: 'CANVAS_2D_USED', stored: 'CANVAS_2D_USED', kind: 'boolean' },
    { metric: 'A11Y_INSTANTIATED_FLAG', stored: 'A11Y_INSTANTIATED_FLAG', kind: 'flag' },
    { metric: 'CREATE_EVENT_EVENTS', stored: '[[COUNT]]_CREATE_EVENT_EVENTS', kind: 'count' },
    { metric: 'CERT_EV_STATUS', stored: 'CERT_EV_STATUS', kind: 'enumerated' },
    { metric: 'GC_REASON_2', stored: 'GC_REASON_2', kind: 'enumerated' },
    { metric: 'FX_PREFERENCES_CATEGORY_OPENED', stored: 'FX_PREFERENCES_CATEGORY_OPENED', kind: 'categorical' },
    { metric: 'IPC_MESSAGE_SIZE', stored: 'IPC_MESSAGE_SIZE', kind: 'exponential', labels: true },
    {
      metric: 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT',
      stored: 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT',
      kind: 'exponential',
    },
    {
      metric: 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
      stored: 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
      kind: 'exponential',
      labels: true,
    },
    { metric: 'SIMPLE_MEASURES_UPTIME', stored: 'SIMPLE_MEASURES_UPTIME', kind: 'exponential' },
    { metric: 'SIMPLE_MEASURES_JS_SETPROTO', stored: 'SIMPLE_MEASURES_JS_SETPROTO', kind: 'exponential' },
  ];

  for (const prefix of PREFIXES) {
    it.each(families)(`${prefix}: $metric`, async ({ metric, stored, kind, labels }) => {
      const rows = storedRows(prefix, 'nightly', '54', stored);
      expect(rows.length).toBeGreaterThan(0);
      const info = metricsIndex('nightly', '54').metrics[metric];
      if (!info) throw new Error(`no definition of ${metric}`);
      const response = await get(app, dataPath(prefix, metric, DATES[prefix]));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as DataResponse;
      expect(Object.keys(body)).toEqual(['data', 'buckets', 'kind', 'description']);
      expect(body).toEqual({
        data: expectedData(rows, DATES[prefix]),
        buckets: expandBuckets(info.buckets),
        kind,
        description: info.description,
      });
      expect(Object.keys(body.data[0] ?? {})).toEqual(['date', 'label', 'histogram', 'count', 'sum']);
      expect(new Set(body.data.map((row) => row.label)).size > 1).toBe(Boolean(labels));
      for (const row of body.data) expect(row.histogram.length).toBeLessThanOrEqual(body.buckets.length + 1);
    });
  }

  it('uses the fixed label lists and descriptions of each family', async () => {
    const fetchBody = (metric: string) => getJson<DataResponse>(app, dataPath('build_id', metric, DATES.build_id));
    const count = await fetchBody('CREATE_EVENT_EVENTS');
    expect(count.buckets).toEqual([...COUNT_HISTOGRAM_LABELS]);
    const scalar = await fetchBody('SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT');
    expect(scalar.buckets).toEqual([...COUNT_HISTOGRAM_LABELS]);
    expect(scalar.description).toMatch(/^The count of maximum number of tabs open/);
    const keyedScalar = await fetchBody('SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT');
    expect(keyedScalar.description).toBe('A testing keyed uint scalar; not meant to be touched.');
    expect(new Set(keyedScalar.data.map((row) => row.label))).toEqual(new Set(['FIRST', 'SECOND']));
    const simple = await fetchBody('SIMPLE_MEASURES_UPTIME');
    expect(simple.buckets).toEqual([...SIMPLE_MEASURES_LABELS]);
    expect(simple.description).toBe('');
    const flag = await fetchBody('A11Y_INSTANTIATED_FLAG');
    expect(flag.buckets).toEqual([0, 1]);
    for (const row of flag.data) expect(row.histogram).toHaveLength(3);
    const categorical = await fetchBody('FX_PREFERENCES_CATEGORY_OPENED');
    expect(categorical.buckets.at(-1)).toBe('spill');
    expect(categorical.buckets.every((label) => typeof label === 'string')).toBe(true);
  });
});

describe('values checked against the pings themselves', () => {
  type Ping = Record<string, any>;
  const pingsFor = (prefix: Prefix, date: string): Ping[] =>
    (testPings as Ping[]).filter(
      (ping) =>
        ping.application.channel === 'nightly' &&
        ping.application.version.startsWith('54.') &&
        (prefix === 'build_id' ? ping.application.buildId.slice(0, 8) : ping.meta.submissionDate) === date,
    );

  it.each(PREFIXES)('%s: a parent scalar counts one value per ping', async (prefix) => {
    const body = await getJson<DataResponse>(app, dataPath(prefix, 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT', ['20170130']));
    const values = pingsFor(prefix, '20170130').map(
      (ping) => ping.payload.processes.parent.scalars['browser.engagement.max_concurrent_tab_count'] as number,
    );
    expect(values.length).toBeGreaterThanOrEqual(2);
    const [row] = body.data;
    expect(row?.count).toBe(values.length);
    expect(row?.sum).toBe(values.reduce((a, b) => a + b, 0));
    const expected = new Array<number>(body.buckets.length).fill(0);
    const labels = body.buckets as number[];
    for (const value of values) expected[labels.filter((label) => label <= value).length - 1]! += 1;
    expect(row?.histogram).toEqual(expected);
  });

  it.each(PREFIXES)("%s: a content histogram sums the pings' values bucket by bucket", async (prefix) => {
    const body = await getJson<DataResponse>(app, dataPath(prefix, 'GC_MAX_PAUSE_MS', ['20170130'], '&child=content'));
    const histograms = pingsFor(prefix, '20170130').map(
      (ping) => ping.payload.processes.content.histograms.GC_MAX_PAUSE_MS as { values: Record<string, number>; sum: number },
    );
    const expected = new Array<number>(body.buckets.length).fill(0);
    for (const histogram of histograms) {
      for (const [label, value] of Object.entries(histogram.values)) expected[(body.buckets as number[]).indexOf(Number(label))]! += value;
    }
    expect(body.data).toEqual([
      { date: '20170130', label: '', histogram: expected, count: histograms.length, sum: histograms.reduce((a, h) => a + h.sum, 0) },
    ]);
  });
});

describe('filters', () => {
  const single: Filter[] = [
    { application: 'Firefox' },
    { application: 'Thunderbird' },
    { architecture: 'x86' },
    { architecture: 'x86-64' },
    { os: 'Windows_NT' },
    { os: 'Darwin' },
    { osVersion: '6.1' },
    { os: 'Windows_NT', osVersion: '10.0' },
    { e10sEnabled: 'true' },
    { e10sEnabled: 'false' },
    { child: 'parent' },
    { child: 'content' },
    { child: 'gpu' },
    { child: 'content', os: 'Windows_NT', e10sEnabled: 'true', architecture: 'x86-64', application: 'Firefox' },
  ];

  for (const prefix of PREFIXES) {
    it.each(single)(`${prefix}: %o`, async (filter) => {
      const rows = storedRows(prefix, 'nightly', '54', 'GC_MAX_PAUSE_MS');
      const expected = expectedData(rows, DATES[prefix], filter);
      const response = await get(app, dataPath(prefix, 'GC_MAX_PAUSE_MS', DATES[prefix], filterQuery(filter)));
      if (expected.length === 0) {
        expect(response.status).toBe(404);
        return;
      }
      expect(response.status).toBe(200);
      expect(((await response.json()) as DataResponse).data).toEqual(expected);
    });
  }

  it('label filters keyed metrics', async () => {
    const rows = storedRows('build_id', 'nightly', '54', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT');
    const body = await getJson<DataResponse>(
      app,
      dataPath('build_id', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', DATES.build_id, '&label=SECOND'),
    );
    expect(body.data).toEqual(expectedData(rows, DATES.build_id, { label: 'SECOND' }));
    expect(body.data.every((row) => row.label === 'SECOND' && row.sum === 7 * row.count)).toBe(true);
  });

  it('the legacy child=true/false mean content/parent', async () => {
    for (const [legacy, modern] of [
      ['true', 'content'],
      ['false', 'parent'],
    ]) {
      const old = await getJson<DataResponse>(app, dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, `&child=${legacy}`));
      const now = await getJson<DataResponse>(app, dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, `&child=${modern}`));
      expect(old).toEqual(now);
    }
  });

  it('the unfiltered total is the sum over each partitioning filter', async () => {
    const total = await getJson<DataResponse>(app, dataPath('submission_date', 'GC_MAX_PAUSE_MS', DATES.submission_date));
    const partitions: Record<string, string[]> = {
      child: ['parent', 'content', 'gpu'],
      architecture: ['x86', 'x86-64'],
      os: ['Windows_NT', 'Darwin'],
      application: ['Firefox', 'Thunderbird'],
    };
    for (const [key, values] of Object.entries(partitions)) {
      const parts = await Promise.all(
        values.map(async (value) => {
          const response = await get(app, dataPath('submission_date', 'GC_MAX_PAUSE_MS', DATES.submission_date, `&${key}=${value}`));
          return response.status === 200 ? ((await response.json()) as DataResponse).data : [];
        }),
      );
      for (const row of total.data) {
        const matching = parts.flat().filter((part) => part.date === row.date && part.label === row.label);
        expect(
          matching.reduce((a, part) => a + part.count, 0),
          `${key} ${row.date}`,
        ).toBe(row.count);
        expect(matching.reduce((a, part) => a + part.sum, 0)).toBe(row.sum);
        const cells = row.histogram.map((_, i) => matching.reduce((a, part) => a + (part.histogram[i] ?? 0), 0));
        expect(cells).toEqual(row.histogram);
      }
    }
  });

  it('a ping without e10sEnabled is counted unfiltered but matches neither e10sEnabled value', async () => {
    const count = async (extra: string) => {
      const body = await getJson<DataResponse>(app, dataPath('submission_date', 'GC_MAX_PAUSE_MS', ['20170201'], `&child=parent${extra}`));
      return body.data.reduce((a, row) => a + row.count, 0);
    };
    const all = await count('');
    const on = await count('&e10sEnabled=true');
    const off = await get(app, dataPath('submission_date', 'GC_MAX_PAUSE_MS', ['20170201'], '&child=parent&e10sEnabled=false'));
    expect(off.status).toBe(404);
    expect(all).toBe(on + 1);
    expect((await get(app, dataPath('submission_date', 'GC_MAX_PAUSE_MS', ['20170201'], '&e10sEnabled='))).status).toBe(404);
  });

  it('repeated keys count with their first value', async () => {
    const first = await getJson<DataResponse>(app, dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '&child=content&child=parent'));
    const content = await getJson<DataResponse>(app, dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '&child=content'));
    expect(first).toEqual(content);
  });

  it('a filter value nothing has answers 404', async () => {
    const response = await get(app, dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '&os=Linux'));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'No data found for this metric.' });
  });
});

describe('dates', () => {
  it('answers dates in the order requested; dates without data are left out', async () => {
    const dates = ['20170201', '20161231', '20170130', '20170115', '20170131'];
    const body = await getJson<DataResponse>(app, dataPath('submission_date', 'CYCLE_COLLECTOR', dates));
    expect([...new Set(body.data.map((row) => row.date))]).toEqual(['20170201', '20170130', '20170131']);
    expect(body.data).toEqual(expectedData(storedRows('submission_date', 'nightly', '54', 'CYCLE_COLLECTOR'), dates));
  });

  it('accepts %2C-encoded commas', async () => {
    const raw = await getJson<DataResponse>(app, dataPath('build_id', 'CYCLE_COLLECTOR', DATES.build_id));
    const encoded = await getJson<DataResponse>(app, dataPath('build_id', 'CYCLE_COLLECTOR', [DATES.build_id.join('%2C')]));
    expect(encoded).toEqual(raw);
  });

  it('build ids and submission dates differ', async () => {
    const byBuild = await getJson<DataResponse>(app, dataPath('build_id', 'SIMPLE_MEASURES_UPTIME', ['20170130']));
    const bySubmission = await getJson<DataResponse>(app, dataPath('submission_date', 'SIMPLE_MEASURES_UPTIME', ['20170130']));
    expect(byBuild.data[0]?.count).not.toBe(bySubmission.data[0]?.count);
  });

  it('serves other versions', async () => {
    const v53 = await getJson<DataResponse>(app, dataPath('submission_date', 'CYCLE_COLLECTOR', ['20170131'], '', 'nightly', '53'));
    expect(v53.data).toEqual(expectedData(storedRows('submission_date', 'nightly', '53', 'CYCLE_COLLECTOR'), ['20170131']));
  });
});

describe('errors', () => {
  it.each([
    ['no version', '/aggregates_by/build_id/channels/nightly/?dates=20170130&metric=GC_MAX_PAUSE_MS'],
    ['no dates', '/aggregates_by/build_id/channels/nightly/?version=54&metric=GC_MAX_PAUSE_MS'],
    ['no metric', '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130'],
  ])('404 with a message for %s', async (_name, path) => {
    const response = await get(app, path);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Missing date or version or metric. All three are required.' });
  });

  it.each([
    ['SEARCH_COUNTS', 'This metric is not allowed to be served.'],
    ['SCALARS_BROWSER.SEARCH.WITH_ADS', 'This metric is not allowed to be served.'],
    ['NO_SUCH_HISTOGRAM', 'Cannot find this histogram definition.'],
    ['SCALARS_NONEXISTENT', 'Cannot find this scalar definition.'],
    ['SIMPLE_MEASURES_NONEXISTENT', 'Cannot find this scalar definition.'],
  ])('404 for %s', async (metric, message) => {
    const response = await get(app, dataPath('build_id', metric, DATES.build_id));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ message });
  });

  it.each([
    ['dates without data', dataPath('build_id', 'GC_MAX_PAUSE_MS', ['20160101', '20170129'])],
    ['an unknown version', dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '', 'nightly', '99')],
    ['a malformed version', dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '', 'nightly', '5x')],
    ['an unknown channel', dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '', 'nosuch')],
    ['a channel without data', dataPath('build_id', 'GC_MAX_PAUSE_MS', DATES.build_id, '', 'beta')],
    ['malformed dates', dataPath('build_id', 'GC_MAX_PAUSE_MS', ['2017-01-30', 'x'])],
  ])('404 "No data found" for %s', async (_name, path) => {
    const response = await get(app, path);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'No data found for this metric.' });
  });

  it('404 for an unknown prefix', async () => {
    expect((await get(app, '/aggregates_by/foo/channels/nightly/?version=54&dates=20170130&metric=GC_MAX_PAUSE_MS')).status).toBe(404);
  });

  it('405 for query keys outside the filters, Allow naming the same URL without them', async () => {
    const qs = {
      application: 'Firefox',
      architecture: 'x86-64',
      child: 'content',
      dates: '20170130',
      metric: 'GC_MAX_PAUSE_MS',
      os: 'Windows_NT',
      osVersion: '10.0',
      version: '54',
      e10sEnabled: 'true',
    };
    const base = `/aggregates_by/build_id/channels/nightly/?${new URLSearchParams(qs).toString()}`;
    expect((await get(app, base)).status).toBe(200);
    for (const extra of ['foo=bar', 'e10s=true', 'Metric=X']) {
      const response = await get(app, `${base}&${extra}`);
      expect(response.status, extra).toBe(405);
      expect(response.headers.get('content-type')).toBe('application/json');
      const allow = new URL(response.headers.get('Allow') as string, 'https://x.test');
      expect(allow.pathname).toBe('/aggregates_by/build_id/channels/nightly/');
      expect(Object.fromEntries(allow.searchParams)).toEqual(qs);
    }
  });
});

describe('caching headers', () => {
  it.each(PREFIXES)('%s: strong ETag and Cache-Control max-age', async (prefix) => {
    const response = await get(app, dataPath(prefix, 'GC_MAX_PAUSE_MS', DATES[prefix]));
    expect(response.headers.get('ETag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('Cache-Control')).toBe('max-age=86400');
  });
});
