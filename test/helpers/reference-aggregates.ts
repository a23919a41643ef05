/**
 * What the aggregates API should answer for a set of pings, computed by hand in the test from the
 * original python_mozaggregator's rules (aggregator.py, db.py, sql.py, service.py), with NO
 * builder or worker code: values are picked from the pings by path, laid out over the bucket
 * lower bounds of builder/data/golden-buckets.json (made by running the real
 * python_moztelemetry), and summed across the pings that match the filters. Kinds and
 * descriptions come straight from the vendored Histograms.json / Scalars.yaml.
 *
 * Deliberate differences from the original, which the service documents (docs/configuration.md, docs/api.md):
 * - `e10sEnabled` is an extra row dimension ("" when the ping has no boolean setting; such rows
 *   match no e10sEnabled filter);
 * - a use-counter row whose denominator has no row that date keeps its own date (the original's
 *   SQL returned it with a null date).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Golden } from './reference-buckets';
import { loadGolden } from './reference-buckets';

type Json = Record<string, unknown>;
export type Process = 'parent' | 'content' | 'gpu';
export type Prefix = 'build_id' | 'submission_date';

const DATA_DIR = fileURLToPath(new URL('../../builder/data/', import.meta.url));

export const COUNT_PREFIX = '[[COUNT]]_';
/** The original's METRICS_BLACKLIST_RE (re.match: anchored at the start). */
export const BLACKLIST = [/^SEARCH_COUNTS/, /^SCALARS_BROWSER\.SEARCH\..+/];
/** The original's NON_AUTH_METRICS_BLACKLIST. */
export const AUTHED_ONLY = new Set(['SCALARS_TELEMETRY.EVENT_COUNTS', 'SCALARS_TELEMETRY.DYNAMIC_EVENT_COUNTS']);
const EXCLUDED_KEYED = new Set(['MESSAGE_MANAGER_MESSAGE_SIZE', 'VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION']);
const PRINTABLE = /^[A-Za-z0-9_\-[\].]*$/;

export type { Golden, GoldenHistogram } from './reference-buckets';

interface HistogramDefinition {
  kind?: string;
  description?: string;
  labels?: string[];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's isinstance(x, int) (bool is an int in Python). */
function pyInt(value: unknown): number | undefined {
  if (typeof value === 'boolean') return Number(value);
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** Python's isinstance(x, (int, float)). */
function pyNumber(value: unknown): number | undefined {
  if (typeof value === 'boolean') return Number(value);
  return typeof value === 'number' ? value : undefined;
}

/** Python's int(str) for the bucket keys pings carry. */
function pyIntOfKey(key: string): number | undefined {
  return /^\s*[+-]?\d+\s*$/.test(key) ? Number(key) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Ping dimensions

export interface PingDimensions {
  submissionDate: string;
  /** application.buildId[:8] */
  buildDate: string;
  channel: string;
  version: string;
  application: string;
  architecture: string;
  os: string;
  osVersion: string;
  e10sEnabled: 'true' | 'false' | '';
}

/** The dimensions of a ping the original would aggregate, or undefined if it would drop it. */
export function pingDimensions(ping: unknown): PingDimensions | undefined {
  if (!isObject(ping)) return undefined;
  const meta = ping.meta;
  const application = ping.application;
  if (!isObject(meta) || !isObject(application)) return undefined;
  // _sample_clients, and the dataset's appName != 'Fennec'
  const sampleId = pyNumber(meta.sampleId);
  if (sampleId === undefined || !(sampleId < 100)) return undefined;
  if (!['nightly', 'aurora', 'beta', 'release'].includes(application.channel as string)) return undefined;
  if (application.name === 'Fennec') return undefined;
  // _map_ping_to_dimensions
  const environment = ping.environment;
  const os = isObject(environment) && isObject(environment.system) ? environment.system.os : undefined;
  const { submissionDate } = meta;
  const { version, buildId, name, architecture } = application;
  if (typeof submissionDate !== 'string' || typeof version !== 'string' || typeof buildId !== 'string') return undefined;
  if (typeof name !== 'string' || typeof architecture !== 'string' || !isObject(os) || typeof os.name !== 'string') return undefined;
  const buildDate = buildId.slice(0, 8);
  if (!/^\d+$/.test(buildDate)) return undefined;
  let osVersion = os.version;
  if (os.name === 'Linux') osVersion = String(osVersion).slice(0, 3);
  if (typeof osVersion !== 'string') return undefined;
  const settings = isObject(environment) ? environment.settings : undefined;
  const e10s = isObject(settings) ? settings.e10sEnabled : undefined;
  return {
    submissionDate,
    buildDate,
    channel: application.channel as string,
    version: version.split('.')[0] as string,
    application: name,
    architecture,
    os: os.name,
    osVersion,
    e10sEnabled: typeof e10s === 'boolean' ? (String(e10s) as 'true' | 'false') : '',
  };
}

export function dateOf(dimensions: PingDimensions, prefix: Prefix): string {
  return prefix === 'build_id' ? dimensions.buildDate : dimensions.submissionDate;
}

// ---------------------------------------------------------------------------------------------
// Raw observations: everything the original's aggregator would extract from one ping

/** One histogram (or one bucketed value) of one metric in one process of one ping. */
export type RawObservation =
  | { type: 'histogram'; process: Process; label: string; values: Json; sum: number }
  | { type: 'value'; process: Process; label: string; value: number };

/** stored metric name -> observations. */
export type PingMetrics = Map<string, RawObservation[]>;

const extracted = new WeakMap<object, PingMetrics>();

function add(out: PingMetrics, name: string, observation: RawObservation): void {
  let list = out.get(name);
  if (!list) out.set(name, (list = []));
  list.push(observation);
}

function extractHistogram(out: PingMetrics, histogram: unknown, name: string, label: string, process: Process): void {
  if (!isObject(histogram) || !isObject(histogram.values)) return;
  const sum = pyInt(histogram.sum);
  if (sum === undefined || sum < 0 || pyInt(histogram.histogram_type) === undefined) return;
  if (pyInt(histogram.histogram_type) === 4) {
    add(out, `${COUNT_PREFIX}${name}`, { type: 'value', process, label, value: sum });
    return;
  }
  add(out, name, { type: 'histogram', process, label, values: histogram.values, sum });
}

function extractHistograms(out: PingMetrics, payload: unknown, process: Process): void {
  if (!isObject(payload)) return;
  if (isObject(payload.histograms)) {
    for (const [name, histogram] of Object.entries(payload.histograms)) extractHistogram(out, histogram, name, '', process);
  }
  if (!isObject(payload.keyedHistograms)) return;
  for (const [name, byKey] of Object.entries(payload.keyedHistograms)) {
    if (EXCLUDED_KEYED.has(name) || !isObject(byKey)) continue;
    for (const [key, histogram] of Object.entries(byKey)) extractHistogram(out, histogram, name, key, process);
  }
}

function extractSimpleMeasures(out: PingMetrics, simple: unknown, process: Process): void {
  if (!isObject(simple)) return;
  for (const [name, value] of Object.entries(simple)) {
    if (isObject(value)) {
      for (const [subName, subValue] of Object.entries(value)) {
        const number = pyNumber(subValue);
        if (number !== undefined)
          add(out, `SIMPLE_MEASURES_${name.toUpperCase()}_${subName.toUpperCase()}`, { type: 'value', process, label: '', value: number });
      }
    } else {
      const number = pyNumber(value);
      if (number !== undefined) add(out, `SIMPLE_MEASURES_${name.toUpperCase()}`, { type: 'value', process, label: '', value: number });
    }
  }
}

function extractScalars(out: PingMetrics, processes: Json): void {
  for (const process of ['parent', 'content', 'gpu'] as const) {
    const payload = processes[process];
    if (!isObject(payload)) continue;
    if (isObject(payload.scalars)) {
      for (const [name, value] of Object.entries(payload.scalars)) {
        const number = pyNumber(value);
        if (number === undefined || name.startsWith('browser.engagement.navigation')) continue;
        add(out, `SCALARS_${name.toUpperCase()}`, { type: 'value', process, label: '', value: number });
      }
    }
    if (isObject(payload.keyedScalars)) {
      for (const [name, byKey] of Object.entries(payload.keyedScalars)) {
        if (!isObject(byKey) || name.startsWith('browser.engagement.navigation')) continue;
        for (const [key, value] of Object.entries(byKey)) {
          const number = pyNumber(value);
          if (number !== undefined)
            add(out, `SCALARS_${name.toUpperCase()}`, { type: 'value', process, label: key.toUpperCase(), value: number });
        }
      }
    }
  }
}

/** _aggregate_ping of the original, for one ping: stored metric name -> observations. */
export function pingMetrics(ping: Json): PingMetrics {
  const cached = extracted.get(ping);
  if (cached) return cached;
  const out: PingMetrics = new Map();
  const payload = isObject(ping.payload) ? ping.payload : {};
  const processes = isObject(payload.processes) ? payload.processes : {};
  extractScalars(out, processes);
  extractHistograms(out, payload, 'parent');
  extractSimpleMeasures(out, payload.simpleMeasurements, 'parent');
  if (Array.isArray(payload.childPayloads)) {
    for (const child of payload.childPayloads) {
      if (!isObject(child)) continue;
      extractHistograms(out, child, 'content');
      extractSimpleMeasures(out, child.simpleMeasurements, 'content');
    }
  }
  extractHistograms(out, processes.content, 'content');
  extractHistograms(out, processes.gpu, 'gpu');
  // negative bucketed values were never aggregated
  for (const [name, list] of out) {
    const kept = list.filter((o) => o.type === 'histogram' || o.value >= 0);
    if (kept.length === 0) out.delete(name);
    else out.set(name, kept);
  }
  extracted.set(ping, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metric definitions as the service answers them

export interface MetricSpec {
  /** The stored metric the rows come from. */
  stored: string;
  kind: string;
  buckets: (number | string)[];
  description: string;
  /** Turns an observation into dense cells. */
  cells: (observation: RawObservation) => number[];
  /** Use counters: the stored count histogram supplying the false bucket. */
  denominator?: string;
}

export type SpecResult = { ok: true; spec: MetricSpec } | { ok: false; message: string };

export interface Query {
  prefix: Prefix;
  channel: string;
  version: string;
  dates: readonly string[];
  metric: string;
  filter?: Partial<Record<'application' | 'architecture' | 'os' | 'osVersion' | 'e10sEnabled' | 'child' | 'label', string>>;
}

export interface DataRow {
  date: string;
  label: string;
  histogram: number[];
  count: number;
  sum: number;
}

export type Expected =
  | { status: 200; body: { buckets: (number | string)[]; kind: string; description: string; data: DataRow[] } }
  | { status: 404; message: string };

function oneHot(labels: readonly number[], value: number): number[] {
  const cells = new Array<number>(labels.length).fill(0);
  let index = 0;
  for (let i = labels.length - 1; i >= 0; i--) {
    if (value >= (labels[i] as number)) {
      index = i;
      break;
    }
  }
  cells[index] = 1;
  return cells;
}

export class Reference {
  private constructor(
    readonly golden: Golden,
    private readonly histograms: Record<string, HistogramDefinition>,
    private readonly scalarDescriptions: Map<string, string>,
  ) {}

  static load(): Reference {
    const golden = loadGolden();
    const histograms = JSON.parse(readFileSync(join(DATA_DIR, 'Histograms.json'), 'utf8')) as Record<string, HistogramDefinition>;
    const scalars = parseYaml(readFileSync(join(DATA_DIR, 'Scalars.yaml'), 'utf8')) as Record<
      string,
      Record<string, { description?: unknown }>
    >;
    const descriptions = new Map<string, string>();
    for (const [category, probes] of Object.entries(scalars)) {
      for (const [probe, definition] of Object.entries(probes))
        descriptions.set(`${category}.${probe}`, String(definition.description ?? ''));
    }
    return new Reference(golden, histograms, descriptions);
  }

  /** The Histograms.json entry the original's moztelemetry would use (STARTUP_ fallback). */
  histogramDefinition(name: string): HistogramDefinition | undefined {
    if (Object.hasOwn(this.histograms, name)) return this.histograms[name];
    const bare = name.replace(/^STARTUP_/, '');
    return Object.hasOwn(this.histograms, bare) ? this.histograms[bare] : undefined;
  }

  /** Whether the original stored rows of this metric (its db writer skipped undefined histograms). */
  isStored(stored: string): boolean {
    if (!PRINTABLE.test(stored)) return false;
    if (stored.startsWith(COUNT_PREFIX) || stored.startsWith('SCALARS_') || stored.startsWith('SIMPLE_MEASURES_')) return true;
    if (stored.startsWith('USE_COUNTER_') || stored.startsWith('USE_COUNTER2_')) return true;
    return this.histogramDefinition(stored) !== undefined;
  }

  /**
   * kind, buckets, description and cell layout of a metric. With `withoutBuckets`, a histogram
   * that golden-buckets.json does not cover still resolves, with empty buckets and no cells
   * (for comparing everything but the histogram cells).
   */
  spec(metric: string, options: { withoutBuckets?: boolean } = {}): SpecResult {
    const g = this.golden;
    if (metric.startsWith('SIMPLE_MEASURES')) {
      const labels = g.simple_measures_labels;
      return {
        ok: true,
        spec: {
          stored: metric,
          kind: 'exponential',
          buckets: labels,
          description: '',
          cells: (o) => oneHot(labels, (o as { value: number }).value),
        },
      };
    }
    if (metric.startsWith('SCALARS')) {
      const description = this.scalarDescriptions.get(metric.replace('SCALARS_', '').toLowerCase());
      if (description === undefined) return { ok: false, message: 'Cannot find this scalar definition.' };
      const labels = g.numeric_scalars_labels;
      return {
        ok: true,
        spec: {
          stored: metric,
          kind: 'exponential',
          buckets: labels,
          description,
          cells: (o) => oneHot(labels, (o as { value: number }).value),
        },
      };
    }
    if (metric.startsWith('USE_COUNTER2_')) {
      const denominator = `${COUNT_PREFIX}${metric.endsWith('_DOCUMENT') ? 'CONTENT_DOCUMENTS_DESTROYED' : 'TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED'}`;
      const ranges = [0, 1, 2];
      return {
        ok: true,
        spec: {
          stored: metric,
          kind: 'boolean',
          buckets: ranges,
          description: '',
          cells: (o) => this.dense(o, ranges, undefined),
          denominator,
        },
      };
    }
    const definition = this.histogramDefinition(metric);
    if (!definition) return { ok: false, message: 'Cannot find this histogram definition.' };
    const description = definition.description ?? '';
    if (definition.kind === 'count') {
      const labels = g.count_histogram_labels;
      return {
        ok: true,
        spec: {
          stored: `${COUNT_PREFIX}${metric}`,
          kind: 'count',
          buckets: labels,
          description,
          cells: (o) => oneHot(labels, (o as { value: number }).value),
        },
      };
    }
    const golden = g.histograms[metric];
    if (!golden && options.withoutBuckets)
      return { ok: true, spec: { stored: metric, kind: definition.kind ?? '', buckets: [], description, cells: () => [] } };
    if (!golden) throw new Error(`${metric}: no golden buckets; pick a metric listed in builder/data/golden-buckets.json`);
    if (golden.kind !== definition.kind)
      throw new Error(`${metric}: golden kind ${golden.kind} differs from Histograms.json ${definition.kind}`);
    const labels = definition.kind === 'categorical' ? (definition.labels ?? []) : undefined;
    const buckets = definition.kind === 'flag' ? [0, 1] : labels ? [...labels, 'spill'] : golden.ranges;
    return {
      ok: true,
      spec: { stored: metric, kind: golden.kind, buckets, description, cells: (o) => this.dense(o, golden.ranges, labels) },
    };
  }

  /** db.py: a sparse `values` dict laid over the bucket lower bounds (categorical: over label indexes + spill). */
  private dense(observation: RawObservation, ranges: readonly number[], categoricalLabels: readonly string[] | undefined): number[] {
    if (observation.type !== 'histogram') throw new Error('not a histogram observation');
    const width = categoricalLabels ? categoricalLabels.length + 1 : ranges.length;
    const cells = new Array<number>(width).fill(0);
    for (const [key, count] of Object.entries(observation.values)) {
      const bucket = pyIntOfKey(key);
      if (bucket === undefined) continue;
      const index = categoricalLabels ? (bucket >= 0 && bucket < width ? bucket : -1) : ranges.indexOf(bucket);
      if (index < 0) continue;
      cells[index] = (cells[index] as number) + (pyInt(count) ?? 0);
    }
    return cells;
  }

  /** The rows of stored metric `stored` matching the query, summed per (date, label). */
  private sums(
    pings: readonly Json[],
    query: Query,
    stored: string,
    cells: (o: RawObservation) => number[],
  ): Map<string, Map<string, DataRow>> {
    const filter = query.filter ?? {};
    const child =
      filter.child === undefined
        ? undefined
        : (({ true: 'content', false: 'parent' } as Record<string, string>)[filter.child] ?? filter.child);
    const byDate = new Map<string, Map<string, DataRow>>();
    for (const ping of pings) {
      const d = pingDimensions(ping);
      if (!d || d.channel !== query.channel || d.version !== query.version) continue;
      const date = dateOf(d, query.prefix);
      if (!query.dates.includes(date)) continue;
      if (filter.application !== undefined && d.application !== filter.application) continue;
      if (filter.architecture !== undefined && d.architecture !== filter.architecture) continue;
      if (filter.os !== undefined && d.os !== filter.os) continue;
      if (filter.osVersion !== undefined && d.osVersion !== filter.osVersion) continue;
      if (filter.e10sEnabled !== undefined && (d.e10sEnabled === '' || d.e10sEnabled !== filter.e10sEnabled)) continue;
      for (const observation of pingMetrics(ping).get(stored) ?? []) {
        if (child !== undefined && observation.process !== child) continue;
        // (the original also applied a label filter to a use counter's denominator)
        if (filter.label !== undefined && observation.label !== filter.label) continue;
        let byLabel = byDate.get(date);
        if (!byLabel) byDate.set(date, (byLabel = new Map()));
        let row = byLabel.get(observation.label);
        const dense = cells(observation);
        if (!row)
          byLabel.set(
            observation.label,
            (row = { date, label: observation.label, histogram: new Array<number>(dense.length).fill(0), count: 0, sum: 0 }),
          );
        dense.forEach((value, i) => {
          row.histogram[i] = (row.histogram[i] ?? 0) + value;
        });
        row.count += 1;
        row.sum += observation.type === 'histogram' ? observation.sum : observation.value;
      }
    }
    return byDate;
  }

  /** What GET /aggregates_by/{prefix}/channels/{channel}/?version&dates&metric[&filters] answers. */
  expected(pings: readonly Json[], query: Query, options: { withoutBuckets?: boolean } = {}): Expected {
    if (BLACKLIST.some((pattern) => pattern.test(query.metric)))
      return { status: 404, message: 'This metric is not allowed to be served.' };
    const resolved = this.spec(query.metric, options);
    if (!resolved.ok) return { status: 404, message: resolved.message };
    const { spec } = resolved;
    const own = this.sums(pings, query, spec.stored, spec.cells);
    const data: DataRow[] = [];
    const dates = [...new Set(query.dates)];
    if (spec.denominator) {
      // batched_get_use_counter: full outer join by date of the counter (t1) and its denominator (t2)
      const labels = this.golden.count_histogram_labels;
      const denominator = this.sums(pings, query, spec.denominator, (o) => oneHot(labels, (o as { value: number }).value));
      for (const date of dates) {
        const t1 = [...(own.get(date)?.values() ?? [])];
        const t2 = [...(denominator.get(date)?.values() ?? [])];
        if (t1.length === 0) {
          for (const den of t2) data.push({ date, label: '', histogram: [den.sum, 0, 0], count: den.count, sum: 0 });
          continue;
        }
        for (const row of t1) {
          if (t2.length === 0) {
            data.push(row);
            continue;
          }
          for (const den of t2) {
            const [, yes = 0, overflow = 0] = row.histogram;
            data.push({ date, label: row.label, histogram: [den.sum - yes - overflow, yes, overflow], count: row.count, sum: row.sum });
          }
        }
      }
    } else {
      for (const date of dates) data.push(...(own.get(date)?.values() ?? []));
    }
    if (data.length === 0) return { status: 404, message: 'No data found for this metric.' };
    return { status: 200, body: { buckets: spec.buckets, kind: spec.kind, description: spec.description, data: sortRows(data, dates) } };
  }

  /** What GET /filters/?channel&version lists (anonymous caller). */
  expectedFilters(pings: readonly Json[], channel: string, version: string): Record<string, string[]> {
    const sets = {
      metric: new Set<string>(),
      application: new Set<string>(),
      architecture: new Set<string>(),
      os: new Set<string>(),
      child: new Set<string>(),
      e10sEnabled: new Set<string>(),
    };
    for (const ping of pings) {
      const d = pingDimensions(ping);
      if (!d || d.channel !== channel || d.version !== version) continue;
      let stored = false;
      for (const [name, observations] of pingMetrics(ping)) {
        if (!this.isStored(name)) continue;
        stored = true;
        const publicName = name.startsWith(COUNT_PREFIX) ? name.slice(COUNT_PREFIX.length) : name;
        if (!AUTHED_ONLY.has(publicName) && !BLACKLIST.some((pattern) => pattern.test(publicName))) sets.metric.add(publicName);
        for (const observation of observations) sets.child.add(observation.process);
      }
      if (!stored) continue;
      sets.application.add(d.application);
      sets.architecture.add(d.architecture);
      sets.os.add(`${d.os},${d.osVersion}`);
      if (d.e10sEnabled !== '') sets.e10sEnabled.add(d.e10sEnabled);
    }
    return Object.fromEntries(
      Object.entries(sets)
        .filter(([, values]) => values.size > 0)
        .map(([key, values]) => [key, [...values].sort()]),
    );
  }

  /** What GET /aggregates_by/{prefix}/channels/{channel}/dates/ lists: newest first. */
  expectedDates(pings: readonly Json[], prefix: Prefix, channel: string): { date: string; version: string }[] {
    const entries = new Map<string, { date: string; version: string }>();
    for (const ping of pings) {
      const d = pingDimensions(ping);
      if (!d || d.channel !== channel) continue;
      if (![...pingMetrics(ping).keys()].some((name) => this.isStored(name))) continue;
      const date = dateOf(d, prefix);
      entries.set(`${date}/${d.version}`, { date, version: d.version });
    }
    return [...entries.values()].sort((a, b) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : Number(b.version) - Number(a.version)));
  }
}

/** Rows in request-date order, labels sorted within a date. */
export function sortRows<T extends { date: string; label: string }>(rows: readonly T[], dates: readonly string[]): T[] {
  const order = new Map(dates.map((date, i) => [date, i]));
  return [...rows].sort(
    (a, b) => (order.get(a.date) ?? 0) - (order.get(b.date) ?? 0) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
  );
}
