/**
 * Client compatibility: drives the built worker (wrangler's production bundle in plain Miniflare,
 * on local R2 written by the builder's CLI from a few hundred demo pings) the way the telemetry
 * dashboards' client library does (mozilla/telemetry-dashboard, v2/telemetry.js), and asserts
 * every answer has the statuses and the shape that library relies on. Its code is not copied;
 * what it does, read from the source:
 *
 * - init: GET aggregates_by/build_id/channels/, then for EVERY channel listed both
 *   aggregates_by/build_id/channels/{c}/dates/ and aggregates_by/submission_date/channels/{c}/dates/;
 *   it calls .forEach on each answer (a non-200 answer is null there and breaks init) and groups
 *   entry.date per entry.version, in answer order.
 * - getVersions: the channel/version pairs present in both date maps, sorted.
 * - getFilterOptions: GET filters/?channel={c}&version={v} (encodeURIComponent); asserts a
 *   non-200 is a 404; filters `metric` (drops /^STARTUP_/).
 * - getHistogramInfo: GET aggregates_by/submission_date/channels/{c}/?version={v}&dates={ALL
 *   submission dates of the version joined with RAW commas}&metric={m}; reads kind, description, buckets.
 * - getEvolution: GET aggregates_by/{submission_date|build_id}/channels/{c}/?version={v}&dates=
 *   {encodeURIComponent(all dates joined with ",")} (commas as %2C)&metric={m} then
 *   &{filter}={value} for the filters sorted by name (arrays repeat the key); a non-200 must be
 *   404, 405 or 500 (else it throws); on 200 groups data[] by entry.label, and builds
 *   Evolution/Histogram objects asserting: typeof buckets[0] is number or string, typeof
 *   data[0].histogram[0] is number, kind one of flag/boolean/count/enumerated/linear/exponential/
 *   categorical, description a string, entry.count and entry.sum numbers, entry.date 8 characters.
 *   If the URL is longer than MAX_URL_LENGTH (4094) it asks for the first and second half of the
 *   submission dates separately and merges the entries.
 * - The dashboards combine evolutions of several filter sets by adding histograms, counts and
 *   sums per date (Evolution.combine): the filter sets of one dimension must add up to the whole.
 * - Everything is an anonymous cross-origin XMLHttpRequest: no Authorization header, and the
 *   answer must carry Access-Control-Allow-Origin.
 *
 * Also here: the cost bound of a request over all ~40 dates of a version, measured with the
 * worker's debug read counters (DEBUG_R2_READS, documented in docs/configuration.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltWorker, HttpResult } from '../helpers/built-worker';
import { buildPingsIntoLocalR2, bundleWorker, startBuiltWorker, tempDir } from '../helpers/built-worker';
import { compatDemoPings, DAYS } from '../helpers/compat-demo-pings';
import { pingDimensions } from '../helpers/reference-aggregates';

type Json = Record<string, unknown>;

/** telemetry.js's limit on URL length (Telemetry.MAX_URL_LENGTH). */
const MAX_URL_LENGTH = 4094;
/** telemetry.js's BASE_URL: URLs are built (and their length measured) on it; the worker answers the path after it. */
const CLIENT_BASE = 'https://aggregates.telemetry.mozilla.org/';
const CLIENT_KINDS = ['flag', 'boolean', 'count', 'enumerated', 'linear', 'exponential', 'categorical'];
const LINEAR_KINDS = ['linear', 'flag', 'boolean', 'enumerated'];

// ---------------------------------------------------------------------------------------------
// The client's requests, reproduced

interface DateEntry {
  date: string;
  version: string;
}

interface DataEntry {
  date: string;
  label: string;
  histogram: number[];
  count: number;
  sum: number;
}

interface Evolution {
  buckets: (number | string)[];
  kind: string;
  description: string;
  data: DataEntry[];
}

let worker: BuiltWorker;
let removeTemp: () => Promise<void> = async () => {};
let pings: Json[] = [];
/** channel -> version -> dates, as init fills them (build ids / submission dates). */
const versionBuildIds: Record<string, Record<string, string[]>> = {};
const versionDates: Record<string, Record<string, string[]>> = {};
/** Every response the client-like flow received: path and status. */
const seen: { path: string; status: number }[] = [];

/** What the client's getJSON does with a URL: our worker answers the path after BASE_URL. */
async function clientGet(url: string, instance?: string): Promise<HttpResult & { json: unknown }> {
  expect(url.length, url).toBeLessThanOrEqual(MAX_URL_LENGTH);
  expect(url.startsWith(CLIENT_BASE)).toBe(true);
  const path = `/${url.slice(CLIENT_BASE.length)}`;
  const response = await worker.fetch(path, {
    headers: { Origin: 'https://telemetry.mozilla.org' },
    ...(instance ? { worker: instance } : {}),
  });
  seen.push({ path, status: response.status });
  // a cross-origin XHR only sees the answer with this header
  expect(response.headers.get('Access-Control-Allow-Origin'), path).toBe('*');
  let json: unknown = null;
  if (response.status === 200) {
    expect(response.headers.get('Content-Type'), path).toMatch(/^application\/json/);
    json = JSON.parse(response.text);
  }
  return { ...response, json };
}

function filterString(filters: Record<string, string | string[]>): string {
  return Object.keys(filters)
    .sort()
    .flatMap((name) => {
      const value = filters[name] as string | string[];
      return (Array.isArray(value) ? value : [value]).map((v) => `&${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
    })
    .join('');
}

function evolutionUrl(
  prefix: 'submission_date' | 'build_id',
  channel: string,
  version: string,
  metric: string,
  dates: readonly string[],
  filters: Record<string, string | string[]>,
): string {
  return `${CLIENT_BASE}aggregates_by/${prefix}/channels/${encodeURIComponent(channel)}/?version=${encodeURIComponent(version)}&dates=${encodeURIComponent(dates.join(','))}&metric=${encodeURIComponent(metric)}${filterString(filters)}`;
}

function histogramInfoUrl(channel: string, version: string, metric: string): string {
  const dates = (versionDates[channel]?.[version] ?? []).join(',');
  return `${CLIENT_BASE}aggregates_by/submission_date/channels/${encodeURIComponent(channel)}/?version=${encodeURIComponent(version)}&dates=${dates}&metric=${encodeURIComponent(metric)}`;
}

/** The checks telemetry.js's Evolution and Histogram constructors make, plus what its methods read. */
function expectClientShape(evolution: Evolution, requestedDates: readonly string[], where: string): void {
  expect(['number', 'string'], where).toContain(typeof evolution.buckets[0]);
  expect(typeof evolution.kind, where).toBe('string');
  expect(CLIENT_KINDS, where).toContain(evolution.kind);
  expect(typeof evolution.description, where).toBe('string');
  expect(Array.isArray(evolution.data) && evolution.data.length > 0, where).toBe(true);
  const perLabel = new Map<string, Set<string>>();
  for (const entry of evolution.data) {
    expect(typeof entry.date === 'string' && entry.date.length === 8, where).toBe(true);
    expect(requestedDates, where).toContain(entry.date);
    expect(typeof entry.label, where).toBe('string');
    expect(typeof entry.count, where).toBe('number');
    expect(typeof entry.sum, where).toBe('number');
    expect(
      entry.histogram.every((value) => typeof value === 'number' && Number.isFinite(value)),
      where,
    ).toBe(true);
    expect(entry.histogram.length, where).toBe(evolution.kind === 'flag' ? 3 : evolution.buckets.length);
    // one entry per (date, label): the client keys its per-label series by date
    const dates = perLabel.get(entry.label) ?? new Set<string>();
    expect(dates.has(entry.date), `${where}: duplicate ${entry.date}/${entry.label}`).toBe(false);
    perLabel.set(entry.label, dates.add(entry.date));
  }
  // the mean the dashboards plot, as Histogram.mean computes it, is a number for numeric buckets
  if (evolution.kind !== 'categorical') {
    const buckets = evolution.buckets as number[];
    const last =
      buckets.length === 1
        ? (buckets[0] as number) + 1
        : LINEAR_KINDS.includes(evolution.kind)
          ? 2 * (buckets.at(-1) as number) - (buckets.at(-2) as number)
          : ((buckets.at(-1) as number) * (buckets.at(-1) as number)) / (buckets.at(-2) as number);
    for (const entry of evolution.data) {
      const total = entry.histogram.reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      const edges = [...buckets, last];
      const weighted = entry.histogram.reduce(
        (acc, count, i) => acc + (count * ((edges[i] as number) + ((edges[i + 1] ?? last) as number))) / 2,
        0,
      );
      expect(Number.isFinite(weighted / total), where).toBe(true);
    }
  }
}

/** getEvolution: one request, or two halves when the URL would be too long; entries grouped by label. */
async function getEvolution(
  channel: string,
  version: string,
  metric: string,
  filters: Record<string, string | string[]>,
  useSubmissionDate: boolean,
  maxUrlLength = MAX_URL_LENGTH,
): Promise<{ byLabel: Map<string, DataEntry[]>; answer: Evolution | null; statuses: number[]; urls: string[] }> {
  const prefix = useSubmissionDate ? 'submission_date' : 'build_id';
  const dates = (useSubmissionDate ? versionDates : versionBuildIds)[channel]?.[version] ?? [];
  const whole = evolutionUrl(prefix, channel, version, metric, dates, filters);
  const urls =
    whole.length > maxUrlLength
      ? [dates.slice(0, dates.length / 2), dates.slice(dates.length / 2)].map((half) =>
          evolutionUrl(prefix, channel, version, metric, half, filters),
        )
      : [whole];
  if (urls.length > 1) expect(useSubmissionDate, 'the client only splits submission dates').toBe(true);
  const byLabel = new Map<string, DataEntry[]>();
  const statuses: number[] = [];
  let answer: Evolution | null = null;
  for (const url of urls) {
    const response = await clientGet(url);
    statuses.push(response.status);
    if (response.status !== 200) {
      expect([404, 405, 500], `${url} answered ${response.status}: ${response.text}`).toContain(response.status);
      continue;
    }
    answer = response.json as Evolution;
    expectClientShape(answer, dates, url);
    for (const entry of answer.data) byLabel.set(entry.label, [...(byLabel.get(entry.label) ?? []), entry]);
  }
  return { byLabel, answer, statuses, urls };
}

/** Evolution.combine of several evolutions: per label and date, histograms, counts and sums added. */
function combine(evolutions: readonly Map<string, DataEntry[]>[]): Map<string, Map<string, Omit<DataEntry, 'label'>>> {
  const out = new Map<string, Map<string, Omit<DataEntry, 'label'>>>();
  for (const evolution of evolutions) {
    for (const [label, entries] of evolution) {
      const byDate = out.get(label) ?? new Map<string, Omit<DataEntry, 'label'>>();
      out.set(label, byDate);
      for (const entry of entries) {
        const total = byDate.get(entry.date) ?? { date: entry.date, histogram: entry.histogram.map(() => 0), count: 0, sum: 0 };
        entry.histogram.forEach((value, i) => {
          total.histogram[i] = (total.histogram[i] ?? 0) + value;
        });
        total.count += entry.count;
        total.sum += entry.sum;
        byDate.set(entry.date, total);
      }
    }
  }
  return new Map(
    [...out]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([label, byDate]) => [label, new Map([...byDate].sort(([a], [b]) => (a < b ? -1 : 1)))]),
  );
}

function getVersions(): string[] {
  const versions: string[] = [];
  for (const channel of Object.keys(versionDates)) {
    for (const version of Object.keys(versionDates[channel] ?? {}))
      if (versionBuildIds[channel]?.[version]) versions.push(`${channel}/${version}`);
  }
  return versions.sort();
}

async function getFilterOptions(channel: string, version: string): Promise<Record<string, string[]>> {
  const response = await clientGet(`${CLIENT_BASE}filters/?channel=${encodeURIComponent(channel)}&version=${encodeURIComponent(version)}`);
  if (response.status !== 200) {
    expect(response.status).toBe(404);
    return {};
  }
  const options = response.json as Record<string, string[]>;
  expect(Array.isArray(options.metric)).toBe(true);
  return { ...options, metric: (options.metric ?? []).filter((metric) => !/^STARTUP_/.test(metric)) };
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  const temp = await tempDir('e2e-telemetry-js-');
  removeTemp = temp.remove;
  pings = compatDemoPings();
  const [scriptPath, build] = await Promise.all([bundleWorker(`${temp.path}/dist`), buildPingsIntoLocalR2(pings, temp.path)]);
  expect(build.report.pings.accepted).toBe(pings.filter((ping) => pingDimensions(ping)).length);
  worker = await startBuiltWorker({
    scriptPath,
    persistDir: build.persistDir,
    instances: [
      // as deployed (wrangler.toml vars), plus the documented debug read counters
      { name: 'aggregates', vars: { DEBUG_R2_READS: 'true' } },
      // isolates that serve nothing before the cost test: cold caches
      { name: 'cost-cold', vars: { DEBUG_R2_READS: 'true' } },
      { name: 'cost-no-response-cache', vars: { DEBUG_R2_READS: 'true', RESPONSE_CACHE: 'false' } },
      { name: 'cost-conditional', vars: { DEBUG_R2_READS: 'true' } },
    ],
  });

  // Telemetry.init
  const channels = await clientGet(`${CLIENT_BASE}aggregates_by/build_id/channels/`);
  expect(channels.status).toBe(200);
  for (const channel of channels.json as string[]) {
    for (const [prefix, map] of [
      ['build_id', versionBuildIds],
      ['submission_date', versionDates],
    ] as const) {
      const answer = await clientGet(`${CLIENT_BASE}aggregates_by/${prefix}/channels/${channel}/dates/`);
      expect(answer.status, `${prefix} dates of ${channel}`).toBe(200);
      const byVersion: Record<string, string[]> = (map[channel] = {});
      for (const entry of answer.json as DateEntry[]) (byVersion[entry.version] ??= []).push(entry.date);
    }
  }
}, 180_000);

afterAll(async () => {
  await worker?.dispose();
  await removeTemp();
});

/** The version with the most submission dates (the demo's newest nightly). */
function longestVersion(): { channel: string; version: string; dates: string[] } {
  let best = { channel: '', version: '', dates: [] as string[] };
  for (const [channel, byVersion] of Object.entries(versionDates)) {
    for (const [version, dates] of Object.entries(byVersion)) if (dates.length > best.dates.length) best = { channel, version, dates };
  }
  return best;
}

describe('Telemetry.init', () => {
  it('lists the channels anonymously (release hidden, although the demo has release data) and both date lists of each', async () => {
    const channels = Object.keys(versionDates).sort();
    expect(channels).toEqual(['aurora', 'beta', 'nightly']);
    expect(pings.some((ping) => pingDimensions(ping)?.channel === 'release')).toBe(true);
    expect(Object.keys(versionBuildIds).sort()).toEqual(channels);
    for (const prefix of ['build_id', 'submission_date']) {
      const release = await clientGet(`${CLIENT_BASE}aggregates_by/${prefix}/channels/release/dates/`);
      expect(release.status).toBe(403); // never requested by an anonymous client, which never sees release
    }
  });

  it('date lists: {date: YYYYMMDD, version} entries, newest first, several versions per channel', async () => {
    for (const prefix of ['build_id', 'submission_date']) {
      for (const channel of Object.keys(versionDates)) {
        const answer = await clientGet(`${CLIENT_BASE}aggregates_by/${prefix}/channels/${channel}/dates/`);
        const entries = answer.json as DateEntry[];
        expect(entries.length).toBeGreaterThan(0);
        for (const entry of entries) {
          expect(Object.keys(entry).sort()).toEqual(['date', 'version']);
          expect(entry.date).toMatch(/^\d{8}$/);
          expect(entry.version).toMatch(/^\d+$/);
        }
        const dates = entries.map((entry) => entry.date);
        expect(dates).toEqual([...dates].sort().reverse());
        expect(new Set(entries.map((entry) => entry.version)).size).toBe(2);
      }
    }
    // what the demo data is for: one version with about 40 submission dates over three months
    const longest = longestVersion();
    expect(longest).toMatchObject({ channel: 'nightly', version: '54' });
    expect(longest.dates.length).toBe(DAYS);
    expect(new Set(longest.dates.map((date) => date.slice(0, 6))).size).toBe(3);
  });

  it('getVersions: every channel/version is in both date maps', () => {
    const versions = getVersions();
    expect(versions).toEqual(['aurora/52', 'aurora/53', 'beta/51', 'beta/52', 'nightly/54', 'nightly/55']);
    for (const [channel, byVersion] of Object.entries(versionBuildIds)) {
      for (const version of Object.keys(byVersion)) expect(versions).toContain(`${channel}/${version}`);
    }
  });
});

describe('filters, histogram info and evolutions for every version and every listed metric', () => {
  it('getFilterOptions answers 200 with metric, application, architecture, os and child lists', async () => {
    for (const channelVersion of getVersions()) {
      const [channel, version] = channelVersion.split('/') as [string, string];
      const options = await getFilterOptions(channel, version);
      for (const key of ['metric', 'application', 'architecture', 'os', 'child']) {
        expect(Array.isArray(options[key]) && options[key].length > 0, `${channelVersion} ${key}`).toBe(true);
      }
      for (const os of options.os ?? []) expect(os).toMatch(/^[^,]+,[^,]+$/);
      expect(options.child?.every((child) => ['parent', 'content', 'gpu'].includes(child))).toBe(true);
      expect(options.metric?.some((metric) => metric.startsWith('[[COUNT]]'))).toBe(false);
    }
    const unknown = await clientGet(`${CLIENT_BASE}filters/?channel=nightly&version=1`);
    expect(unknown.status).toBe(404); // the only failure status the client accepts here
  });

  it('getHistogramInfo (raw commas) and getEvolution over all dates, both prefixes (%2C), unfiltered', async () => {
    let evolutions = 0;
    for (const channelVersion of getVersions()) {
      const [channel, version] = channelVersion.split('/') as [string, string];
      const options = await getFilterOptions(channel, version);
      for (const metric of options.metric ?? []) {
        const info = await clientGet(histogramInfoUrl(channel, version, metric));
        const bySubmission = await getEvolution(channel, version, metric, {}, true);
        const byBuild = await getEvolution(channel, version, metric, {}, false);
        const where = `${channelVersion} ${metric}`;
        if (info.status !== 200) {
          // a listed metric without a definition (e.g. a scalar unknown to Scalars.yaml): the client shows nothing
          expect(info.status, where).toBe(404);
          expect(bySubmission.statuses, where).toEqual([404]);
          expect(String((JSON.parse(info.text) as { message: string }).message), where).toMatch(
            /^Cannot find this (scalar|histogram) definition\.$/,
          );
          continue;
        }
        expect(bySubmission.statuses, where).toEqual([200]);
        expect(byBuild.statuses, where).toEqual([200]);
        const infoBody = info.json as Evolution;
        // getHistogramInfo reads kind, description and buckets: the same whichever way the dates are encoded
        for (const answer of [bySubmission.answer, byBuild.answer]) {
          expect({ kind: answer?.kind, description: answer?.description, buckets: answer?.buckets }, where).toEqual({
            kind: infoBody.kind,
            description: infoBody.description,
            buckets: infoBody.buckets,
          });
        }
        expect(bySubmission.answer?.data, where).toEqual(infoBody.data);
        evolutions += 2;
      }
    }
    expect(evolutions).toBeGreaterThan(100);
    expect(seen.every(({ status }) => [200, 403, 404].includes(status))).toBe(true);
  });
});

describe("the dashboards' filter sets", () => {
  const METRICS = [
    'GC_MS',
    'A11Y_INSTANTIATED_FLAG',
    'CREATE_EVENT_EVENT',
    'SIMPLE_MEASURES_UPTIME',
    'CONTENT_LARGE_PAINT_PHASE_WEIGHT',
    'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT',
  ];

  it.each(['submission_date', 'build_id'] as const)(
    '%s: each option of application, os (as os + osVersion, and os alone), architecture and child adds up to the unfiltered evolution',
    async (prefix) => {
      const { channel, version } = longestVersion();
      const options = await getFilterOptions(channel, version);
      const useSubmissionDate = prefix === 'submission_date';
      for (const metric of METRICS) {
        expect(options.metric).toContain(metric);
        const whole = combine([(await getEvolution(channel, version, metric, {}, useSubmissionDate)).byLabel]);
        expect(whole.size).toBeGreaterThan(0);
        const osNames = [...new Set((options.os ?? []).map((os) => os.split(',')[0] as string))];
        const dimensions: Record<string, Record<string, string>[]> = {
          application: (options.application ?? []).map((application) => ({ application })),
          os: (options.os ?? []).map((os) => ({ os: os.split(',')[0] as string, osVersion: os.split(',')[1] as string })),
          osName: osNames.map((os) => ({ os })),
          architecture: (options.architecture ?? []).map((architecture) => ({ architecture })),
          child: (options.child ?? []).map((child) => ({ child })),
        };
        for (const [dimension, filterSets] of Object.entries(dimensions)) {
          const parts = [];
          for (const filters of filterSets) parts.push((await getEvolution(channel, version, metric, filters, useSubmissionDate)).byLabel);
          expect(combine(parts), `${metric} by ${dimension}`).toEqual(whole);
        }
        // several filters at once, in the client's sorted order
        const narrowed = await getEvolution(
          channel,
          version,
          metric,
          { os: 'Windows_NT', osVersion: '10.0', architecture: 'x86-64', child: 'parent', application: 'Firefox' },
          useSubmissionDate,
        );
        expect([[200], [404]]).toContainEqual(narrowed.statuses);
      }
    },
  );
});

describe('long date lists', () => {
  it('all ~40 dates fit one URL (the client does not split), and the split halves add up to the same evolution', async () => {
    const { channel, version, dates } = longestVersion();
    for (const metric of ['GC_MS', 'USE_COUNTER2_PROPERTY_FILL_PAGE', 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT']) {
      const whole = await getEvolution(channel, version, metric, {}, true);
      expect(whole.urls).toHaveLength(1);
      expect(whole.urls[0]).toContain(`&dates=${dates.join('%2C')}&`);
      // a version with more dates than fit in 4094 characters: what the client does then
      const halves = await getEvolution(channel, version, metric, {}, true, (whole.urls[0] as string).length - 1);
      expect(halves.urls).toHaveLength(2);
      expect(halves.statuses).toEqual([200, 200]);
      expect(combine([halves.byLabel])).toEqual(combine([whole.byLabel]));
      // and with raw commas (getHistogramInfo's way)
      const raw = await clientGet(whole.urls[0]!.replaceAll('%2C', ','));
      expect(raw.status).toBe(200);
      expect(raw.json).toEqual(whole.answer);
    }
  });
});

describe('cost of a request over all ~40 dates of a version (built worker, DEBUG_R2_READS)', () => {
  const reads = (response: HttpResult) => ({
    total: Number(response.headers.get('X-R2-Reads')),
    index: Number(response.headers.get('X-R2-Index-Reads')),
    shard: Number(response.headers.get('X-R2-Shard-Reads')),
  });

  it('cold: at most one shard per month covered; warm: no shard; 304: no shard', async () => {
    const { channel, version, dates } = longestVersion();
    const months = new Set(dates.map((date) => date.slice(0, 6))).size;
    expect(dates.length).toBe(DAYS);
    const url = evolutionUrl('submission_date', channel, version, 'GC_MS', dates, {});
    const path = `/${url.slice(CLIENT_BASE.length)}`;

    // as deployed: whole responses in the Cache API and decoded shards in the isolate
    const cold = await worker.fetch(path, { worker: 'cost-cold' });
    expect(cold.status, cold.text).toBe(200);
    expect(reads(cold).shard).toBeGreaterThan(0);
    expect(reads(cold).shard).toBeLessThanOrEqual(months);
    expect(reads(cold).total).toBe(reads(cold).index + reads(cold).shard);
    const warm = await worker.fetch(path, { worker: 'cost-cold' });
    expect(warm.text).toBe(cold.text);
    expect(reads(warm)).toEqual({ total: 0, index: 0, shard: 0 });

    // without the response cache: the isolate's shard LRU and index cache alone
    const noCacheCold = await worker.fetch(path, { worker: 'cost-no-response-cache' });
    expect(reads(noCacheCold)).toEqual(reads(cold));
    const noCacheWarm = await worker.fetch(path, { worker: 'cost-no-response-cache' });
    expect(noCacheWarm.text).toBe(cold.text);
    expect(reads(noCacheWarm)).toEqual({ total: 0, index: 0, shard: 0 });
    // other filters on the same shards: filtered and summed from memory
    const filtered = await worker.fetch(`${path}&child=content&os=Windows_NT`, { worker: 'cost-no-response-cache' });
    expect(filtered.status).toBe(200);
    expect(reads(filtered).shard).toBe(0);

    // a use counter reads its own shards and its denominator's: still per month, not per date
    const useCounter = await worker.fetch(
      `/${evolutionUrl('submission_date', channel, version, 'USE_COUNTER2_PROPERTY_FILL_PAGE', dates, {}).slice(CLIENT_BASE.length)}`,
      { worker: 'cost-no-response-cache' },
    );
    expect(useCounter.status).toBe(200);
    expect(reads(useCounter).shard).toBeLessThanOrEqual(2 * months);

    // 304 on an isolate that never read the shards
    const etag = cold.headers.get('ETag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const notModified = await worker.fetch(path, { worker: 'cost-conditional', headers: { 'If-None-Match': etag as string } });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
    expect(reads(notModified).shard).toBe(0);

    // the same over all build ids of the version
    const buildDates = versionBuildIds[channel]?.[version] ?? [];
    const buildMonths = new Set(buildDates.map((date) => date.slice(0, 6))).size;
    const byBuild = await worker.fetch(
      `/${evolutionUrl('build_id', channel, version, 'GC_MS', buildDates, {}).slice(CLIENT_BASE.length)}`,
      { worker: 'cost-no-response-cache' },
    );
    expect(byBuild.status).toBe(200);
    expect(reads(byBuild).shard).toBeLessThanOrEqual(buildMonths);

    console.info(
      `R2 reads for ${channel} ${version} GC_MS over ${dates.length} submission dates (${months} months): ` +
        `cold ${JSON.stringify(reads(cold))}, warm ${JSON.stringify(reads(warm))}, warm without response cache ${JSON.stringify(reads(noCacheWarm))}, ` +
        `304 ${JSON.stringify(reads(notModified))}; use counter ${JSON.stringify(reads(useCounter))}; ` +
        `${buildDates.length} build ids (${buildMonths} months) ${JSON.stringify(reads(byBuild))}`,
    );
  });
});
