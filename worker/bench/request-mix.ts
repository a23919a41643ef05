/**
 * What the serving benchmark and the load test request (pure, apart from the injected `probe`):
 * `discoverDataset` looks at a running API through its own index endpoints and picks a
 * channel/version, a metric, filters and a keyed metric that have data; `serveScenarios` and
 * `loadMix` turn that into request paths. test/worker/bench.test.ts checks that every path is
 * answered 200 over the test fixtures, so the scripts cannot drift from the API.
 */
import { BENCH_FLOOR_PATH } from './floor-route';

export interface ProbeResponse {
  status: number;
  body: string;
}

/** GET a path of the API (e.g. '/filters/?channel=nightly&version=54'). */
export type Probe = (path: string) => Promise<ProbeResponse>;

export interface BenchDataset {
  channel: string;
  version: string;
  /** Every build id date of the version, oldest first. */
  buildIds: string[];
  /** Every submission date of the version, oldest first. */
  submissionDates: string[];
  /** A histogram with data on the build ids. */
  metric: string;
  /** A query fragment with one filter ("child=parent") that leaves data. */
  oneFilter: string;
  /** A query fragment with three filters that leaves data. */
  threeFilters: string;
  /** A metric whose answer has labels (keyed histogram or scalar), and one of its labels. */
  keyedMetric: string;
  keyedLabel: string;
  /** A few more metrics with data on the build ids, for variety in the load mix. */
  otherMetrics: string[];
}

export interface NamedRequest {
  name: string;
  path: string;
}

export interface WeightedRequest extends NamedRequest {
  weight: number;
}

interface DateEntry {
  date: string;
  version: string;
}

interface DataAnswer {
  data: { date: string; label: string }[];
}

const PREFERRED_METRICS = ['GC_MS', 'GC_MAX_PAUSE_MS', 'CYCLE_COLLECTOR_MAX_PAUSE'];
const OTHER_METRICS_WANTED = 6;
const MAX_METRIC_PROBES = 40;

export function channelsPath(prefix: string): string {
  return `/aggregates_by/${prefix}/channels/`;
}

export function datesPath(prefix: string, channel: string): string {
  return `/aggregates_by/${prefix}/channels/${channel}/dates/`;
}

export function filtersPath(channel: string, version: string): string {
  return `/filters/?channel=${encodeURIComponent(channel)}&version=${encodeURIComponent(version)}`;
}

export function dataPath(prefix: string, channel: string, version: string, dates: readonly string[], metric: string, extra = ''): string {
  const query = `version=${encodeURIComponent(version)}&dates=${dates.join(',')}&metric=${encodeURIComponent(metric)}`;
  return `/aggregates_by/${prefix}/channels/${channel}/?${query}${extra ? `&${extra}` : ''}`;
}

/** Distinct calendar months of the `dates=` of a data path (0 for other paths). */
export function monthsCovered(requestPath: string): number {
  const dates = new URL(requestPath, 'http://localhost').searchParams.get('dates');
  return dates ? new Set(dates.split(',').map((date) => date.slice(0, 6))).size : 0;
}

async function json<T>(probe: Probe, path: string): Promise<T> {
  const response = await probe(path);
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${response.body.slice(0, 200)}`);
  return JSON.parse(response.body) as T;
}

/** The data answer of `path`, or null unless it is a 200. */
async function dataOf(probe: Probe, path: string): Promise<DataAnswer | null> {
  const response = await probe(path);
  return response.status === 200 ? (JSON.parse(response.body) as DataAnswer) : null;
}

function datesOfVersion(entries: readonly DateEntry[], version: string): string[] {
  return [...new Set(entries.filter((entry) => entry.version === version).map((entry) => entry.date))].sort();
}

/** The channel and version with the most build id dates (first channel listed wins a tie). */
async function busiestVersion(probe: Probe): Promise<{ channel: string; version: string; buildIds: string[] }> {
  const channels = await json<string[]>(probe, channelsPath('build_id'));
  let best: { channel: string; version: string; buildIds: string[] } | undefined;
  for (const channel of channels) {
    const entries = await json<DateEntry[]>(probe, datesPath('build_id', channel));
    for (const version of new Set(entries.map((entry) => entry.version))) {
      const buildIds = datesOfVersion(entries, version);
      if (!best || buildIds.length > best.buildIds.length) best = { channel, version, buildIds };
    }
  }
  if (!best) throw new Error('the API lists no build id dates: is there data?');
  return best;
}

/** "Windows_NT,10.0" (a /filters/ os option) -> "Windows_NT". */
function osName(option: string): string {
  return option.split(',')[0] ?? option;
}

export async function discoverDataset(probe: Probe): Promise<BenchDataset> {
  const { channel, version, buildIds } = await busiestVersion(probe);
  const submissionDates = datesOfVersion(await json<DateEntry[]>(probe, datesPath('submission_date', channel)), version);
  const options = await json<Record<string, string[] | undefined>>(probe, filtersPath(channel, version));
  const metrics = options.metric ?? [];
  const path = (metric: string, extra = '', dates: readonly string[] = buildIds): string =>
    dataPath('build_id', channel, version, dates, metric, extra);

  const candidates = [...PREFERRED_METRICS.filter((name) => metrics.includes(name)), ...metrics];
  let metric: string | undefined;
  for (const name of candidates.slice(0, MAX_METRIC_PROBES)) {
    if (await dataOf(probe, path(name))) {
      metric = name;
      break;
    }
  }
  if (!metric) throw new Error(`no metric of ${channel} ${version} answers with data`);

  const childOptions = options.child ?? [];
  const oneFilterCandidates = [
    ...['parent', 'content'].filter((child) => childOptions.includes(child)).map((child) => `child=${child}`),
    ...(options.architecture ?? []).map((architecture) => `architecture=${encodeURIComponent(architecture)}`),
  ];
  let oneFilter: string | undefined;
  for (const candidate of oneFilterCandidates) {
    if (await dataOf(probe, path(metric, candidate))) {
      oneFilter = candidate;
      break;
    }
  }
  if (!oneFilter) throw new Error(`no single filter leaves data for ${metric}`);

  // Three filters: the one above plus the os and architecture pair that leaves the most rows.
  let threeFilters: string | undefined;
  let mostRows = 0;
  const oses = [...new Set((options.os ?? []).map(osName))];
  const architectures = oneFilter.startsWith('architecture=') ? [] : (options.architecture ?? []);
  for (const os of oses) {
    for (const architecture of architectures) {
      const candidate = `${oneFilter}&os=${encodeURIComponent(os)}&architecture=${encodeURIComponent(architecture)}`;
      const rows = (await dataOf(probe, path(metric, candidate)))?.data.length ?? 0;
      if (rows > mostRows) [threeFilters, mostRows] = [candidate, rows];
    }
  }
  if (!threeFilters) throw new Error(`no combination of three filters leaves data for ${metric}`);

  let keyed: { metric: string; label: string } | undefined;
  const keyedCandidates = [...metrics.filter((name) => /KEYED/.test(name)), ...metrics];
  for (const name of keyedCandidates.slice(0, MAX_METRIC_PROBES)) {
    const label = (await dataOf(probe, path(name)))?.data.find((row) => row.label !== '')?.label;
    if (label !== undefined) {
      keyed = { metric: name, label };
      break;
    }
  }
  if (!keyed) throw new Error(`no keyed metric of ${channel} ${version} answers with labels`);

  // Variety: metrics spread over the list (not only its alphabetical start) that have data.
  const otherMetrics: string[] = [];
  const taken = new Set([metric, keyed.metric]);
  const stride = Math.max(1, Math.floor(metrics.length / MAX_METRIC_PROBES));
  for (let i = 0; i < metrics.length && otherMetrics.length < OTHER_METRICS_WANTED; i += stride) {
    const name = metrics[i] as string;
    if (!taken.has(name) && (await dataOf(probe, path(name)))) otherMetrics.push(name);
  }

  return {
    channel,
    version,
    buildIds,
    submissionDates,
    metric,
    oneFilter,
    threeFilters,
    keyedMetric: keyed.metric,
    keyedLabel: keyed.label,
    otherMetrics,
  };
}

/** `npm run bench:serve`'s scenarios, one request path each. */
export function serveScenarios(d: BenchDataset): NamedRequest[] {
  const evolution = (extra = ''): string => dataPath('build_id', d.channel, d.version, d.buildIds, d.metric, extra);
  const n = d.buildIds.length;
  return [
    { name: `metric, ${n} build ids, no filter`, path: evolution() },
    { name: `metric, ${n} build ids, 1 filter`, path: evolution(d.oneFilter) },
    { name: `metric, ${n} build ids, 3 filters`, path: evolution(d.threeFilters) },
    { name: `keyed metric, ${n} build ids`, path: dataPath('build_id', d.channel, d.version, d.buildIds, d.keyedMetric) },
    { name: 'filters', path: filtersPath(d.channel, d.version) },
    { name: 'dates', path: datesPath('build_id', d.channel) },
    { name: 'floor', path: BENCH_FLOOR_PATH },
  ];
}

/**
 * `npm run load`'s weighted mix, after what a telemetry dashboard asks: the index endpoints now
 * and then, mostly evolutions of a metric over every build id or submission date, with and
 * without filters, keyed metrics, statistics, and a spread of other metrics.
 */
export function loadMix(d: BenchDataset): WeightedRequest[] {
  const byBuild = (metric: string, extra = ''): string => dataPath('build_id', d.channel, d.version, d.buildIds, metric, extra);
  const bySubmission = (metric: string, extra = '', dates: readonly string[] = d.submissionDates): string =>
    dataPath('submission_date', d.channel, d.version, dates, metric, extra);
  const lastWeek = d.submissionDates.slice(-7);
  const mix: WeightedRequest[] = [
    { name: 'channels (build_id)', path: channelsPath('build_id'), weight: 2 },
    { name: 'channels (submission_date)', path: channelsPath('submission_date'), weight: 2 },
    { name: 'dates (build_id)', path: datesPath('build_id', d.channel), weight: 6 },
    { name: 'dates (submission_date)', path: datesPath('submission_date', d.channel), weight: 4 },
    { name: 'filters', path: filtersPath(d.channel, d.version), weight: 8 },
    { name: 'metric by build id', path: byBuild(d.metric), weight: 14 },
    { name: 'metric by build id, 1 filter', path: byBuild(d.metric, d.oneFilter), weight: 8 },
    { name: 'metric by build id, 3 filters', path: byBuild(d.metric, d.threeFilters), weight: 6 },
    { name: 'metric by build id, stats', path: byBuild(d.metric, 'stats=mean,p5,p25,p50,p75,p95'), weight: 4 },
    { name: 'metric by submission date', path: bySubmission(d.metric), weight: 10 },
    { name: 'metric by submission date, 1 filter', path: bySubmission(d.metric, d.oneFilter), weight: 6 },
    { name: 'metric, last 7 submission dates, 3 filters', path: bySubmission(d.metric, d.threeFilters, lastWeek), weight: 4 },
    { name: 'keyed metric by build id', path: byBuild(d.keyedMetric), weight: 8 },
    { name: 'keyed metric by build id, one label', path: byBuild(d.keyedMetric, `label=${encodeURIComponent(d.keyedLabel)}`), weight: 4 },
  ];
  for (const metric of d.otherMetrics) {
    mix.push({ name: `${metric} by build id`, path: byBuild(metric), weight: 3 });
    mix.push({ name: `${metric}, last 7 submission dates`, path: bySubmission(metric, '', lastWeek), weight: 2 });
  }
  return mix;
}

/**
 * One cycle of the mix as a sequence in which each request appears `weight` times, spread out
 * (smooth weighted round robin), so consecutive requests differ as a dashboard's would.
 */
export function weightedSequence<T extends { weight: number }>(mix: readonly T[]): T[] {
  const total = mix.reduce((sum, item) => sum + item.weight, 0);
  const current = mix.map(() => 0);
  const sequence: T[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    mix.forEach((item, i) => {
      current[i] = (current[i] as number) + item.weight;
      if ((current[i] as number) > (current[best] as number)) best = i;
    });
    current[best] = (current[best] as number) - total;
    sequence.push(mix[best] as T);
  }
  return sequence;
}
