/**
 * End to end, on the production path: real and generated pings -> the builder's CLI
 * (`build --target local --persist-to DIR`) -> local R2 -> wrangler's production bundle of the
 * worker in plain Miniflare on that R2 state -> HTTP.
 *
 * Every answer is compared with what test/helpers/reference-aggregates.ts computes by hand from
 * the very same pings (values picked by path, laid over the golden bucket lower bounds, summed
 * across the pings matching the filters): no builder or worker code is involved in the
 * expectations. Covered: every metric family, every filter alone and combined, both prefixes,
 * both date encodings, the index endpoints, and the invariant that the unfiltered total equals
 * the sum over each filter's values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltWorker } from '../helpers/built-worker';
import { buildPingsIntoLocalR2, bundleWorker, startBuiltWorker, tempDir } from '../helpers/built-worker';
import { endToEndPings, GENERATED_COUNT, HAND_MADE_COUNT } from '../helpers/e2e-pings';
import type { DataRow, Prefix, Query } from '../helpers/reference-aggregates';
import { COUNT_PREFIX, pingDimensions, pingMetrics, Reference } from '../helpers/reference-aggregates';

type Json = Record<string, unknown>;
type Filter = NonNullable<Query['filter']>;

const CHANNEL = 'nightly';
const VERSION = '54';
const PREFIXES: readonly Prefix[] = ['submission_date', 'build_id'];

const reference = Reference.load();
const pings: Json[] = endToEndPings();
/** The nightly 54 pings the service keeps. */
const kept = pings.filter((ping) => {
  const d = pingDimensions(ping);
  return d?.channel === CHANNEL && d.version === VERSION;
});

let worker: BuiltWorker;
let removeTemp: () => Promise<void> = async () => {};
let accepted = 0;
/** All dates of nightly 54, per prefix, as /dates/ lists them. */
const allDates: Record<Prefix, string[]> = { submission_date: [], build_id: [] };

interface Answer {
  status: number;
  headers: Headers;
  body: Json & { data?: DataRow[]; message?: string };
}

async function get(path: string): Promise<Answer> {
  const response = await worker.fetch(path);
  let body: Answer['body'];
  try {
    body = JSON.parse(response.text) as Answer['body'];
  } catch {
    throw new Error(`GET ${path} answered ${response.status} with non-JSON: ${response.text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body };
}

function dataPath(query: Query, commas: 'raw' | 'encoded' = 'raw'): string {
  const dates = query.dates.join(commas === 'raw' ? ',' : '%2C');
  const filters = Object.entries(query.filter ?? {})
    .map(([key, value]) => `&${key}=${encodeURIComponent(value)}`)
    .join('');
  return `/aggregates_by/${query.prefix}/channels/${query.channel}/?version=${query.version}&dates=${dates}&metric=${encodeURIComponent(query.metric)}${filters}`;
}

function query(prefix: Prefix, metric: string, filter: Filter = {}, dates: readonly string[] = allDates[prefix]): Query {
  return { prefix, channel: CHANNEL, version: VERSION, dates, metric, filter };
}

/** Asks the worker and compares status and body with the hand-computed answer; returns the answer. */
async function expectAnswer(q: Query, commas: 'raw' | 'encoded' = 'raw'): Promise<Answer> {
  const path = dataPath(q, commas);
  const expected = reference.expected(pings, q);
  const answer = await get(path);
  expect(answer.status, `${path}\n${JSON.stringify(answer.body).slice(0, 300)}`).toBe(expected.status);
  if (expected.status === 200) expect(answer.body, path).toEqual(expected.body);
  else expect(answer.body, path).toEqual({ message: expected.message });
  return answer;
}

/** (date, label) -> element-wise sum of rows. */
function totals(rows: readonly DataRow[]): Map<string, { histogram: number[]; count: number; sum: number }> {
  const out = new Map<string, { histogram: number[]; count: number; sum: number }>();
  for (const row of rows) {
    const key = `${row.date}|${row.label}`;
    let total = out.get(key);
    if (!total) out.set(key, (total = { histogram: [], count: 0, sum: 0 }));
    row.histogram.forEach((value, i) => {
      total.histogram[i] = (total.histogram[i] ?? 0) + value;
    });
    total.count += row.count;
    total.sum += row.sum;
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Runs `task` over `items`, a few at a time (the worker serves requests concurrently). */
async function eachConcurrently<T>(items: readonly T[], task: (item: T) => Promise<void>, limit = 6): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

async function rowsOf(q: Query): Promise<DataRow[]> {
  const answer = await get(dataPath(q));
  if (answer.status === 404) return [];
  expect(answer.status, dataPath(q)).toBe(200);
  return answer.body.data as DataRow[];
}

beforeAll(async () => {
  const temp = await tempDir('e2e-end-to-end-');
  removeTemp = temp.remove;
  const [scriptPath, build] = await Promise.all([bundleWorker(`${temp.path}/dist`), buildPingsIntoLocalR2(pings, temp.path)]);
  accepted = build.report.pings.accepted;
  worker = await startBuiltWorker({
    scriptPath,
    persistDir: build.persistDir,
    instances: [{ name: 'aggregates', vars: { DEBUG_R2_READS: 'true' } }],
  });
  for (const prefix of PREFIXES) {
    const dates = await get(`/aggregates_by/${prefix}/channels/${CHANNEL}/dates/`);
    allDates[prefix] = (dates.body as unknown as { date: string; version: string }[])
      .filter((e) => e.version === VERSION)
      .map((e) => e.date);
  }
}, 180_000);

afterAll(async () => {
  await worker?.dispose();
  await removeTemp();
});

describe('the input', () => {
  it('holds the real pings, hand-made variations and generated pings; the builder keeps what the original kept', () => {
    expect(pings.length).toBe(2 + HAND_MADE_COUNT + GENERATED_COUNT);
    expect(accepted).toBe(pings.filter((ping) => pingDimensions(ping) !== undefined).length);
    expect(accepted).toBeLessThan(pings.length); // Fennec and sampleId 100 are dropped
    expect(kept.length).toBeGreaterThanOrEqual(8);
    // two months per prefix, so that shards of several periods are merged
    expect(new Set(allDates.submission_date.map((d) => d.slice(0, 6))).size).toBe(2);
    expect(new Set(allDates.build_id.map((d) => d.slice(0, 6))).size).toBe(2);
  });
});

describe('index endpoints', () => {
  it.each(PREFIXES)('%s: channels (release hidden from anonymous callers) and the dates of every channel, newest first', async (prefix) => {
    const channels = new Set(pings.map((ping) => pingDimensions(ping)?.channel).filter((c): c is string => c !== undefined));
    const listed = await get(`/aggregates_by/${prefix}/channels/`);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect([...(listed.body as unknown as string[])].sort()).toEqual([...channels].filter((c) => c !== 'release').sort());
    for (const channel of listed.body as unknown as string[]) {
      const dates = await get(`/aggregates_by/${prefix}/channels/${channel}/dates/`);
      expect(dates.status).toBe(200);
      expect(dates.body).toEqual(reference.expectedDates(pings, prefix, channel));
    }
  });

  it('filters: every option of nightly 54, metric names with [[COUNT]]_ stripped, hidden metrics left out', async () => {
    const answer = await get(`/filters/?channel=${CHANNEL}&version=${VERSION}`);
    expect(answer.status).toBe(200);
    const expected = reference.expectedFilters(pings, CHANNEL, VERSION);
    const sorted = Object.fromEntries(
      Object.entries(answer.body as Record<string, string[]>).map(([key, values]) => [key, [...values].sort()]),
    );
    expect(sorted).toEqual(expected);
    const metrics = (answer.body as Record<string, string[]>).metric ?? [];
    expect(metrics).toContain('CREATE_EVENT_EVENT');
    expect(metrics.some((name) => name.startsWith(COUNT_PREFIX))).toBe(false);
    expect(metrics).not.toContain('SCALARS_BROWSER.SEARCH.WITH_ADS');
    expect(metrics).not.toContain('SCALARS_TELEMETRY.EVENT_COUNTS');
    expect(expected.os).toEqual(expect.arrayContaining(['Linux,4.4', 'Linux,4.8', 'Darwin,16.4.0', 'Windows_NT,6.1', 'Windows_NT,10.0']));
  });
});

/** One metric of every family; `kind` is what the answer must say. */
const FAMILIES: readonly { metric: string; family: string; kind: string }[] = [
  { metric: 'GC_MS', family: 'exponential histogram (parent + content)', kind: 'exponential' },
  { metric: 'CONTENT_PROCESS_LAUNCH_TIME_MS', family: 'exponential histogram, 100 buckets', kind: 'exponential' },
  { metric: 'COMPOSITE_TIME', family: 'exponential histogram, gpu only', kind: 'exponential' },
  { metric: 'GC_MAX_PAUSE_MS', family: 'linear histogram', kind: 'linear' },
  { metric: 'NETWORK_PROBE_MAXCOUNT', family: 'linear histogram, low 50', kind: 'linear' },
  { metric: 'AUDIOSTREAM_BACKEND_USED', family: 'enumerated histogram', kind: 'enumerated' },
  { metric: 'GC_IS_COMPARTMENTAL', family: 'boolean histogram', kind: 'boolean' },
  { metric: 'A11Y_INSTANTIATED_FLAG', family: 'flag histogram', kind: 'flag' },
  { metric: 'CYCLE_COLLECTOR_OOM', family: 'flag histogram', kind: 'flag' },
  { metric: 'FX_PREFERENCES_CATEGORY_OPENED', family: 'categorical histogram', kind: 'categorical' },
  { metric: 'URLCLASSIFIER_CL_KEYED_UPDATE_TIME', family: 'keyed exponential histogram', kind: 'exponential' },
  { metric: 'CONTENT_LARGE_PAINT_PHASE_WEIGHT', family: 'keyed linear histogram (keys with commas)', kind: 'linear' },
  { metric: 'CREATE_EVENT_EVENT', family: 'count histogram, by its plain name', kind: 'count' },
  { metric: 'D3D11_COMPOSITING_FAILURE_ID', family: 'keyed count histogram', kind: 'count' },
  { metric: 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT', family: 'scalar (parent + content)', kind: 'exponential' },
  { metric: 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', family: 'keyed scalar (labels upper-cased)', kind: 'exponential' },
  { metric: 'SIMPLE_MEASURES_UPTIME', family: 'simple measure', kind: 'exponential' },
  { metric: 'SIMPLE_MEASURES_FIRSTLOADURI', family: 'simple measure (parent + childPayloads)', kind: 'exponential' },
  { metric: 'SIMPLE_MEASURES_JS_CUSTOMITER', family: 'nested simple measure', kind: 'exponential' },
  { metric: 'USE_COUNTER2_PROPERTY_FILL_DOCUMENT', family: 'use counter (CONTENT_DOCUMENTS_DESTROYED)', kind: 'boolean' },
  { metric: 'USE_COUNTER2_PROPERTY_FILL_PAGE', family: 'use counter (TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED)', kind: 'boolean' },
  { metric: 'USE_COUNTER2_SVGSVGELEMENT_CURRENTSCALE_PAGE', family: 'use counter without rows of its own', kind: 'boolean' },
];

describe('every metric family, unfiltered, over all dates of the version', () => {
  for (const prefix of PREFIXES) {
    it.each(FAMILIES)(`${prefix}: $metric ($family)`, async ({ metric, kind }) => {
      const answer = await expectAnswer(query(prefix, metric));
      expect(answer.status).toBe(200);
      expect(answer.body.kind).toBe(kind);
      const data = answer.body.data as DataRow[];
      const buckets = answer.body.buckets as unknown[];
      expect(data.length).toBeGreaterThan(0);
      // what clients rely on, spelled out
      if (kind === 'flag') {
        expect(buckets).toEqual([0, 1]);
        for (const row of data) expect(row.histogram).toHaveLength(3);
      } else {
        for (const row of data) expect(row.histogram).toHaveLength(buckets.length);
      }
      if (kind === 'categorical') expect(buckets.at(-1)).toBe('spill');
      if (kind === 'count') expect(buckets).toEqual(reference.golden.count_histogram_labels);
      if (metric.startsWith('SCALARS_')) {
        expect(buckets).toEqual(reference.golden.numeric_scalars_labels);
        expect(answer.body.description).not.toBe('');
      }
      if (metric.startsWith('SIMPLE_MEASURES_')) {
        expect(buckets).toEqual(reference.golden.simple_measures_labels);
        expect(answer.body.description).toBe('');
      }
      if (metric === 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT') {
        expect(new Set(data.map((row) => row.label))).toEqual(new Set(['FIRST', 'SECOND_KEY', 'MIXED.CASE-KEY']));
      }
      if (metric === 'USE_COUNTER2_SVGSVGELEMENT_CURRENTSCALE_PAGE') {
        expect(kept.some((ping) => pingMetrics(ping).has(metric))).toBe(false);
        for (const row of data) expect(row.histogram.slice(1)).toEqual([0, 0]);
      }
    });
  }

  it('a metric with a data-less filter, an unknown metric, and a blacklisted one answer 404 as computed', async () => {
    for (const q of [
      query('submission_date', 'GC_MS', { os: 'Plan9' }),
      query('submission_date', 'NO_SUCH_HISTOGRAM'),
      query('submission_date', 'SCALARS_NO.SUCH.SCALAR'),
      query('submission_date', 'SCALARS_BROWSER.SEARCH.WITH_ADS'),
      query('submission_date', 'XHR_IN_WORKER'), // stored as a count histogram, no definition
      query('submission_date', '[[COUNT]]_CREATE_EVENT_EVENT'), // count histograms are asked for by their plain name
      query('build_id', 'GC_MS', {}, ['20160101']),
    ]) {
      const answer = await expectAnswer(q);
      expect(answer.status).toBe(404);
    }
  });
});

/** Names the real pings carry, per family, on nightly 54. */
function keptMetricNames(select: (stored: string) => boolean): string[] {
  const names = new Set<string>();
  for (const ping of kept) for (const stored of pingMetrics(ping).keys()) if (select(stored)) names.add(stored);
  return [...names].sort();
}

describe('every metric of the real pings that can be checked by hand', () => {
  const golden = keptMetricNames(
    (name) => Object.hasOwn(reference.golden.histograms, name) && reference.histogramDefinition(name)?.kind !== 'count',
  );
  const counts = keptMetricNames(
    (name) => name.startsWith(COUNT_PREFIX) && reference.histogramDefinition(name.slice(COUNT_PREFIX.length))?.kind === 'count',
  ).map((name) => name.slice(COUNT_PREFIX.length));
  const scalars = keptMetricNames(
    (name) => name.startsWith('SCALARS_') && !/^SCALARS_(BROWSER\.SEARCH\.|TELEMETRY\.(DYNAMIC_)?EVENT_COUNTS$)/.test(name),
  );
  const simple = keptMetricNames((name) => name.startsWith('SIMPLE_MEASURES_'));

  it('has many of each', () => {
    expect(golden.length).toBeGreaterThanOrEqual(15);
    expect(counts.length).toBeGreaterThanOrEqual(20);
    expect(scalars.length).toBeGreaterThanOrEqual(6);
    expect(simple.length).toBeGreaterThanOrEqual(40);
  });

  // every other histogram: the bucket lower bounds are not known here, all else is
  const others = keptMetricNames(
    (name) =>
      !name.startsWith(COUNT_PREFIX) &&
      !name.startsWith('SCALARS_') &&
      !name.startsWith('SIMPLE_MEASURES_') &&
      reference.isStored(name) &&
      !golden.includes(name),
  );

  it(`the ${others.length} other histograms (each on one prefix, alternately): kind, description, and per (date, label) count, sum and row width`, async () => {
    expect(others.length).toBeGreaterThan(300);
    await eachConcurrently(
      others.map((metric, i) => ({ metric, prefix: PREFIXES[i % 2] as Prefix })),
      async ({ metric, prefix }) => {
        const q = query(prefix, metric);
        const expected = reference.expected(pings, q, { withoutBuckets: true });
        const answer = await get(dataPath(q));
        expect(answer.status, metric).toBe(expected.status);
        if (expected.status !== 200) return;
        const { kind, description, buckets, data } = answer.body as {
          kind: string;
          description: string;
          buckets: unknown[];
          data: DataRow[];
        };
        expect({ kind, description }, metric).toEqual({ kind: expected.body.kind, description: expected.body.description });
        expect(
          data.map(({ date, label, count, sum }) => ({ date, label, count, sum })),
          metric,
        ).toEqual(expected.body.data.map(({ date, label, count, sum }) => ({ date, label, count, sum })));
        for (const row of data) expect(row.histogram.length, metric).toBe(kind === 'flag' ? 3 : buckets.length);
      },
    );
  });

  for (const prefix of PREFIXES) {
    it(`${prefix}: histograms with golden buckets, count histograms, scalars and simple measures`, async () => {
      await eachConcurrently([...golden, ...counts, ...scalars, ...simple], async (metric) => {
        const answer = await expectAnswer(query(prefix, metric));
        expect(answer.status, metric).toBe(200);
      });
    });
  }
});

/** Metrics the filter tests run on: several families, keyed ones for `label`. */
const FILTERED_METRICS = [
  'GC_MS',
  'A11Y_INSTANTIATED_FLAG',
  'CONTENT_LARGE_PAINT_PHASE_WEIGHT',
  'CREATE_EVENT_EVENT',
  'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
  'SIMPLE_MEASURES_FIRSTLOADURI',
  'USE_COUNTER2_PROPERTY_FILL_DOCUMENT',
];

/** Every value of every filter, as /filters/ lists them (plus osVersion alone and the legacy child values). */
async function filterValues(): Promise<Record<string, string[]>> {
  const options = (await get(`/filters/?channel=${CHANNEL}&version=${VERSION}`)).body as Record<string, string[]>;
  const osPairs = options.os ?? [];
  return {
    application: options.application ?? [],
    architecture: options.architecture ?? [],
    os: [...new Set(osPairs.map((pair) => pair.split(',')[0] as string))],
    osVersion: [...new Set(osPairs.map((pair) => pair.split(',')[1] as string))],
    child: [...(options.child ?? []), 'true', 'false'],
    e10sEnabled: options.e10sEnabled ?? [],
  };
}

describe('every filter alone', () => {
  for (const prefix of PREFIXES) {
    it(`${prefix}: each value of application, architecture, os, osVersion, child (incl. true/false), e10sEnabled and label`, async () => {
      const values = await filterValues();
      expect(values.child).toEqual(expect.arrayContaining(['parent', 'content', 'gpu']));
      expect([...(values.e10sEnabled ?? [])].sort()).toEqual(['false', 'true']);
      let compared = 0;
      let withData = 0;
      for (const metric of FILTERED_METRICS) {
        const filters: Filter[] = Object.entries(values).flatMap(([key, list]) => list.map((value) => ({ [key]: value })));
        for (const row of await rowsOf(query(prefix, metric)))
          if (!filters.some((f) => f.label === row.label)) filters.push({ label: row.label });
        await eachConcurrently(filters, async (filter) => {
          if ((await expectAnswer(query(prefix, metric, filter))).status === 200) withData++;
          compared++;
        });
      }
      expect(compared).toBeGreaterThan(140);
      expect(withData, `${withData} of ${compared}`).toBeGreaterThan(120);
    });
  }
});

describe('filters combined', () => {
  const COMBINATIONS: readonly Filter[] = [
    { os: 'Windows_NT', osVersion: '10.0' },
    { os: 'Windows_NT', osVersion: '6.1', architecture: 'x86' },
    { os: 'Linux', osVersion: '4.4' },
    { application: 'Firefox', architecture: 'x86-64', child: 'content' },
    { application: 'Firefox', child: 'gpu', e10sEnabled: 'true' },
    { e10sEnabled: 'false', child: 'parent', os: 'Windows_NT' },
    { e10sEnabled: 'true', child: 'true' },
    { child: 'false', application: 'Thunderbird' },
    { application: 'Firefox', architecture: 'x86-64', os: 'Windows_NT', osVersion: '10.0', child: 'content', e10sEnabled: 'true' },
    { os: 'Darwin', e10sEnabled: 'true' }, // the Darwin variation has no e10s setting
  ];
  const KEYED_COMBINATIONS: readonly Filter[] = [
    { label: 'dl,flb', child: 'content', os: 'Windows_NT' },
    { label: 'r', e10sEnabled: 'false' },
  ];

  for (const prefix of PREFIXES) {
    it(`${prefix}: several filters at once`, async () => {
      let withData = 0;
      const cases = FILTERED_METRICS.flatMap((metric) => COMBINATIONS.map((filter) => ({ metric, filter })));
      await eachConcurrently(cases, async ({ metric, filter }) => {
        if ((await expectAnswer(query(prefix, metric, filter))).status === 200) withData++;
      });
      for (const filter of KEYED_COMBINATIONS) await expectAnswer(query(prefix, 'CONTENT_LARGE_PAINT_PHASE_WEIGHT', filter));
      await expectAnswer(
        query(prefix, 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', { label: 'FIRST', child: 'content', architecture: 'x86-64' }),
      );
      expect(withData).toBeGreaterThan(30);
    });
  }
});

describe('dates', () => {
  it.each(PREFIXES)('%s: subsets of dates, dates without data, dates across months, raw and %%2C-encoded commas', async (prefix) => {
    const dates = allDates[prefix];
    const subsets = [
      [dates[0] as string],
      [dates.at(-1) as string, dates[0] as string],
      [...dates, '20161231', '20170315'],
      dates.filter((_, i) => i % 2 === 0),
    ];
    for (const subset of subsets) {
      for (const metric of ['GC_MS', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', 'USE_COUNTER2_PROPERTY_FILL_PAGE']) {
        const raw = await expectAnswer(query(prefix, metric, {}, subset), 'raw');
        const encoded = await expectAnswer(query(prefix, metric, {}, subset), 'encoded');
        expect(encoded.body).toEqual(raw.body);
        expect(encoded.headers.get('ETag')).toBe(raw.headers.get('ETag'));
      }
    }
  });
});

/** The cell-wise sum of the answers for every value of one filter. */
async function sumOver(prefix: Prefix, metric: string, filters: readonly Filter[]): Promise<ReturnType<typeof totals>> {
  const parts = await Promise.all(filters.map((filter) => rowsOf(query(prefix, metric, filter))));
  return totals(parts.flat());
}

describe("the unfiltered total equals the sum over each filter's values", () => {
  // Use counters are left out: their false bucket comes from the denominator of each filtered set.
  const METRICS = FILTERED_METRICS.filter((metric) => !metric.startsWith('USE_COUNTER2_'));

  for (const prefix of PREFIXES) {
    it(`${prefix}: child, os, os+osVersion, application, architecture, label; e10sEnabled up to the pings without it`, async () => {
      const options = (await get(`/filters/?channel=${CHANNEL}&version=${VERSION}`)).body as Record<string, string[]>;
      const osPairs = (options.os ?? []).map((pair) => pair.split(',') as [string, string]);
      await eachConcurrently(
        METRICS,
        async (metric) => {
          const all = await rowsOf(query(prefix, metric));
          const total = totals(all);
          expect(total.size, metric).toBeGreaterThan(0);
          expect(await sumOver(prefix, metric, [{ child: 'parent' }, { child: 'content' }, { child: 'gpu' }]), `${metric} child`).toEqual(
            total,
          );
          expect(
            await sumOver(prefix, metric, [{ child: 'false' }, { child: 'true' }, { child: 'gpu' }]),
            `${metric} legacy child`,
          ).toEqual(total);
          expect(
            await sumOver(
              prefix,
              metric,
              [...new Set(osPairs.map(([os]) => os))].map((os) => ({ os })),
            ),
            `${metric} os`,
          ).toEqual(total);
          expect(
            await sumOver(
              prefix,
              metric,
              osPairs.map(([os, osVersion]) => ({ os, osVersion })),
            ),
            `${metric} os+osVersion`,
          ).toEqual(total);
          expect(
            await sumOver(
              prefix,
              metric,
              (options.application ?? []).map((application) => ({ application })),
            ),
            `${metric} application`,
          ).toEqual(total);
          expect(
            await sumOver(
              prefix,
              metric,
              (options.architecture ?? []).map((architecture) => ({ architecture })),
            ),
            `${metric} architecture`,
          ).toEqual(total);
          expect(
            await sumOver(
              prefix,
              metric,
              [...new Set(all.map((row) => row.label))].map((label) => ({ label })),
            ),
            `${metric} label`,
          ).toEqual(total);
          // e10sEnabled: pings without the setting match neither value; add them back (computed by hand)
          const withoutSetting = pings.filter((ping) => pingDimensions(ping)?.e10sEnabled === '');
          expect(withoutSetting.length).toBeGreaterThan(0);
          const rest = reference.expected(withoutSetting, query(prefix, metric));
          const restRows = rest.status === 200 ? rest.body.data : [];
          const e10sRows = [
            ...(await rowsOf(query(prefix, metric, { e10sEnabled: 'true' }))),
            ...(await rowsOf(query(prefix, metric, { e10sEnabled: 'false' }))),
          ];
          expect(totals([...e10sRows, ...restRows]), `${metric} e10sEnabled`).toEqual(total);
        },
        3,
      );
    });
  }
});
