/**
 * The approach of python_mozaggregator's tests/test_aggregator.py, ported: aggregate every ping of
 * the synthetic dataset, then check, per prefix, aggregate, metric, label and process, the counts,
 * sums and bucket values the dataset's templates and knobs imply.
 *
 * Every expectation is computed here from test/fixtures/synthetic-dataset.ts, builder/data/
 * golden-buckets.json, the raw Histograms.json and the bucket math of BUCKETS.md re-done in
 * test/helpers/reference-buckets.ts — never from the builder's own helpers.
 *
 * Differences from the original test, all by design of this project:
 * - Fennec pings are dropped by the aggregator (the original's data source did it), so only the
 *   Firefox half of the combinations yields aggregates;
 * - e10sEnabled is an extra aggregate dimension;
 * - rows are dense over the definition's buckets, so a template key that is not a bucket lower
 *   bound is dropped, and a histogram without a definition (GC_MAX_PAUSE_MS_2) is not stored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ShardRow } from '../../worker/src/core/shard';
import {
  COUNT_SCALAR_BUCKET,
  combinationCount,
  dimensionCombinations,
  expectedCount,
  FIREFOX_ONLY_FACTOR,
  firefoxPingCount,
  generateSyntheticPings,
  histogramsTemplate,
  ignoredKeyedHistogramsTemplate,
  ignoredKeyedScalarsTemplate,
  ignoredScalarsTemplate,
  keyedHistogramsTemplate,
  keyedScalarsTemplate,
  NUM_CHILDREN_PER_PING,
  NUM_PINGS_PER_DIMENSIONS,
  NUMERIC_SCALAR_BUCKET,
  PROCESS_TYPES,
  type ProcessType,
  pingDimensions,
  privateKeyedScalarsTemplate,
  SCALAR_VALUE,
  SIMPLE_SCALAR_BUCKET,
  scalarsTemplate,
  simpleMeasurementsTemplate,
  totalPingCount,
} from '../fixtures/synthetic-dataset';
import type { MaterialisedBuild } from '../helpers/pings';
import { aggregate } from '../helpers/pings';
import type { Layout } from '../helpers/reference-buckets';
import {
  denseOf,
  exponentialBuckets,
  labelIndex,
  layoutFor,
  layoutWidth,
  linearBuckets,
  loadGolden,
  rawHistogramDefinitions,
} from '../helpers/reference-buckets';

type Prefix = 'build_id' | 'submission_date';
const PREFIXES: readonly Prefix[] = ['build_id', 'submission_date'];

/** The two keyed histograms the original never aggregated (aggregator.py). */
const EXCLUDED_KEYED = ['MESSAGE_MANAGER_MESSAGE_SIZE', 'VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION'];
const _SKIPPED_SCALAR_PREFIX = 'browser.engagement.navigation';

interface ExpectedRow {
  metric: string;
  label: string;
  process: ProcessType;
  /** Occurrences per build-id aggregate. */
  count: number;
  /** Per occurrence. */
  sum: number;
  /** Dense cells per occurrence. */
  cells: number[];
  family: 'simple' | 'scalar' | 'histogram' | 'count' | 'keyed-histogram';
}

const golden = loadGolden();

function cellsAt(width: number, index: number): number[] {
  const cells = new Array<number>(width).fill(0);
  cells[index] = 1;
  return cells;
}

/** What one build-id aggregate must hold, from the templates and the rules alone. */
function expectedRows(): ExpectedRow[] {
  const rows: ExpectedRow[] = [];
  const simpleIndex = labelIndex(golden.simple_measures_labels, SCALAR_VALUE);
  const scalarIndex = labelIndex(golden.numeric_scalars_labels, SCALAR_VALUE);
  const simpleCounts: Record<ProcessType, number> = {
    parent: NUM_PINGS_PER_DIMENSIONS,
    content: NUM_PINGS_PER_DIMENSIONS * NUM_CHILDREN_PER_PING,
    gpu: 0,
  };
  for (const [name, value] of Object.entries(simpleMeasurementsTemplate)) {
    const metrics =
      typeof value === 'number'
        ? [`SIMPLE_MEASURES_${name.toUpperCase()}`]
        : Object.keys(value).map((sub) => `SIMPLE_MEASURES_${name.toUpperCase()}_${sub.toUpperCase()}`);
    for (const metric of metrics) {
      for (const process of ['parent', 'content'] as const) {
        rows.push({
          metric,
          label: '',
          process,
          count: simpleCounts[process],
          sum: SCALAR_VALUE,
          cells: cellsAt(golden.simple_measures_labels.length, simpleIndex),
          family: 'simple',
        });
      }
    }
  }
  const scalarRows = (name: string, label: string): void => {
    for (const process of PROCESS_TYPES) {
      rows.push({
        metric: `SCALARS_${name.toUpperCase()}`,
        label,
        process,
        count: expectedCount(process, true),
        sum: SCALAR_VALUE,
        cells: cellsAt(golden.numeric_scalars_labels.length, scalarIndex),
        family: 'scalar',
      });
    }
  };
  for (const [name, value] of Object.entries(scalarsTemplate)) {
    expect(typeof value).toBe('number');
    scalarRows(name, '');
  }
  for (const template of [keyedScalarsTemplate, privateKeyedScalarsTemplate]) {
    for (const [name, byKey] of Object.entries(template)) for (const key of Object.keys(byKey)) scalarRows(name, key.toUpperCase());
  }
  for (const [name, template] of Object.entries(histogramsTemplate)) {
    if (template === null) continue;
    if (template.histogram_type === 4) {
      const index = labelIndex(golden.count_histogram_labels, template.sum);
      for (const process of PROCESS_TYPES) {
        rows.push({
          metric: `[[COUNT]]_${name}`,
          label: '',
          process,
          count: expectedCount(process),
          sum: template.sum,
          cells: cellsAt(golden.count_histogram_labels.length, index),
          family: 'count',
        });
      }
      continue;
    }
    const layout = layoutFor(name);
    if (!layout) continue; // no definition: not stored
    for (const process of PROCESS_TYPES) {
      rows.push({
        metric: name,
        label: '',
        process,
        count: expectedCount(process),
        sum: template.sum,
        cells: denseOf(layout, template.values),
        family: 'histogram',
      });
    }
  }
  for (const [name, byKey] of Object.entries(keyedHistogramsTemplate)) {
    const layout = layoutFor(name) as Layout;
    for (const [key, template] of Object.entries(byKey)) {
      for (const process of PROCESS_TYPES) {
        rows.push({
          metric: name,
          label: key,
          process,
          count: expectedCount(process),
          sum: template.sum,
          cells: denseOf(layout, template.values),
          family: 'keyed-histogram',
        });
      }
    }
  }
  // Parent-only keyed histograms: two are excluded by name; a keyed count histogram is a count.
  for (const [name, byKey] of Object.entries(ignoredKeyedHistogramsTemplate)) {
    if (EXCLUDED_KEYED.includes(name)) continue;
    for (const [key, template] of Object.entries(byKey)) {
      expect(template.histogram_type).toBe(4);
      const index = labelIndex(golden.count_histogram_labels, template.sum);
      rows.push({
        metric: `[[COUNT]]_${name}`,
        label: key,
        process: 'parent',
        count: NUM_PINGS_PER_DIMENSIONS,
        sum: template.sum,
        cells: cellsAt(golden.count_histogram_labels.length, index),
        family: 'count',
      });
    }
  }
  return rows;
}

function rowId(metric: string, label: string, process: string): string {
  return `${metric}\u0001${label}\u0001${process}`;
}

interface Aggregate {
  key: string;
  channel: string;
  version: string;
  /** metric/label/process -> row */
  rows: Map<string, ShardRow>;
}

/** Groups the build's rows into the original's aggregates: one per ping dimensions (and prefix). */
function aggregatesOf(output: MaterialisedBuild, prefix: Prefix): Map<string, Aggregate> {
  const aggregates = new Map<string, Aggregate>();
  for (const contribution of output.contributions) {
    if (contribution.prefix !== prefix) continue;
    for (const row of contribution.rows) {
      if (prefix === 'submission_date') expect(row.date).toBe(contribution.submissionDate);
      const dims = [contribution.channel, contribution.version, row.application, row.architecture, row.os, row.osVersion, row.e10sEnabled];
      const key = (prefix === 'build_id' ? [contribution.submissionDate, row.date, ...dims] : [row.date, ...dims]).join('|');
      let aggregate = aggregates.get(key);
      if (!aggregate)
        aggregates.set(key, (aggregate = { key, channel: contribution.channel, version: contribution.version, rows: new Map() }));
      const id = rowId(contribution.metric, row.label, row.child);
      expect(aggregate.rows.has(id), `duplicate row ${id} in ${key}`).toBe(false);
      aggregate.rows.set(id, row);
    }
  }
  return aggregates;
}

/** The aggregate keys the dataset's dimensions imply (Fennec dropped). */
function expectedAggregateKeys(prefix: Prefix): Set<string> {
  const keys = new Set<string>();
  for (const d of dimensionCombinations()) {
    if (d.application === 'Fennec') continue;
    const osVersion = d.os === 'Linux' ? d.os_version.slice(0, 3) : d.os_version;
    const dims = [d.channel, d.version.split('.')[0], d.application, d.arch, d.os, osVersion, String(d.e10s)];
    keys.add((prefix === 'build_id' ? [d.submission_date, d.build_id.slice(0, 8), ...dims] : [d.submission_date, ...dims]).join('|'));
  }
  return keys;
}

/** How many build-id aggregates feed one submission-date aggregate. */
const BUILD_IDS_PER_SUBMISSION_AGGREGATE = combinationCount(['build_id']);

function multiplier(prefix: Prefix): number {
  return prefix === 'build_id' ? 1 : BUILD_IDS_PER_SUBMISSION_AGGREGATE;
}

let output: MaterialisedBuild;
let stats: Awaited<ReturnType<typeof aggregate>>['aggregator']['stats'];
const aggregates = {} as Record<Prefix, Map<string, Aggregate>>;
const expected = expectedRows();

beforeAll(async () => {
  const result = await aggregate(Array.from(generateSyntheticPings()));
  output = result.output;
  stats = result.aggregator.stats;
  for (const prefix of PREFIXES) aggregates[prefix] = aggregatesOf(output, prefix);
});

describe('reference bucket math (sanity of the test-side helpers)', () => {
  it('reproduces golden-buckets.json for every exponential and linear entry, and the fixed labels', () => {
    let checked = 0;
    for (const [name, entry] of Object.entries(golden.histograms)) {
      if (entry.kind === 'exponential') expect(exponentialBuckets(entry.low, entry.high, entry.n_buckets), name).toEqual(entry.ranges);
      else if (entry.kind === 'linear') expect(linearBuckets(entry.low, entry.high, entry.n_buckets), name).toEqual(entry.ranges);
      else continue;
      checked += 1;
    }
    expect(checked).toBeGreaterThan(10);
    expect(exponentialBuckets(1, 30000, 50)).toEqual(golden.simple_measures_labels);
    expect(exponentialBuckets(1, 10000, 100)).toEqual(golden.count_histogram_labels);
    expect(golden.numeric_scalars_labels).toEqual(golden.count_histogram_labels);
    expect(golden.simple_measures_labels[labelIndex(golden.simple_measures_labels, SCALAR_VALUE)]).toBe(SIMPLE_SCALAR_BUCKET);
    expect(golden.count_histogram_labels[labelIndex(golden.count_histogram_labels, SCALAR_VALUE)]).toBe(COUNT_SCALAR_BUCKET);
    expect(golden.numeric_scalars_labels[labelIndex(golden.numeric_scalars_labels, SCALAR_VALUE)]).toBe(NUMERIC_SCALAR_BUCKET);
  });

  it('lays out the dataset histograms from their definitions', () => {
    // Categorical: labels plus spill; the golden entry agrees.
    expect(layoutWidth(layoutFor('TELEMETRY_TEST_CATEGORICAL') as Layout)).toBe(
      golden.histograms.TELEMETRY_TEST_CATEGORICAL?.stored_histogram_length,
    );
    expect(layoutFor('USE_COUNTER2_PROPERTY_FILL_PAGE')).toEqual({
      kind: 'ranges',
      ranges: golden.histograms.USE_COUNTER2_PROPERTY_FILL_PAGE?.ranges,
    });
    // GC_MAX_PAUSE_MS_2 is newer than the vendored Histograms.json.
    expect(rawHistogramDefinitions().GC_MAX_PAUSE_MS_2).toBeUndefined();
    expect(layoutFor('GC_MAX_PAUSE_MS_2')).toBeUndefined();
    // The classic histogram keeps at least one template bucket, so its values are really compared.
    const activity = histogramsTemplate.EVENTLOOP_UI_ACTIVITY_EXP_MS;
    const dense = denseOf(layoutFor('EVENTLOOP_UI_ACTIVITY_EXP_MS') as Layout, activity?.values ?? {});
    expect(dense).toHaveLength(50);
    expect(dense.filter((v) => v > 0).length).toBeGreaterThan(0);
  });
});

describe('ping and aggregate counts (test_count)', () => {
  it('reads every ping, accepts the Firefox ones and drops Fennec', () => {
    expect(stats.linesRead).toBe(totalPingCount());
    expect(stats.pingsAccepted).toBe(firefoxPingCount());
    expect(stats.pingsSkipped).toEqual({ fennec: totalPingCount() - firefoxPingCount() });
  });

  it('has one build-id aggregate per combination of dimensions, and one submission-date aggregate per build ids merged', () => {
    const perCombination = totalPingCount() / NUM_PINGS_PER_DIMENSIONS;
    expect(aggregates.build_id.size).toBe(perCombination * FIREFOX_ONLY_FACTOR);
    expect(aggregates.submission_date.size).toBe((perCombination * FIREFOX_ONLY_FACTOR) / pingDimensions.build_id.length);
    expect(aggregates.build_id.size).toBe(384);
    expect(aggregates.submission_date.size).toBe(192);
  });
});

describe('aggregate keys (test_keys)', () => {
  it.each(PREFIXES)('%s aggregates have exactly the keys the dimensions imply', (prefix) => {
    expect(new Set(aggregates[prefix].keys())).toEqual(expectedAggregateKeys(prefix));
  });

  it('shards are per channel and major version, with month periods of the dates', () => {
    const identities = new Set(output.contributions.map((c) => `${c.prefix}/${c.channel}/${c.version}/${c.period}`));
    const expectedIdentities = new Set<string>();
    for (const channel of pingDimensions.channel) {
      for (const version of pingDimensions.version) {
        expectedIdentities.add(`build_id/${channel}/${version.split('.')[0]}/201701`);
        expectedIdentities.add(`submission_date/${channel}/${version.split('.')[0]}/201701`);
      }
    }
    expect(identities).toEqual(expectedIdentities);
  });

  it('every aggregate holds exactly the expected metrics, labels and processes (ignored ones absent)', () => {
    const expectedIds = new Set(expected.map((r) => rowId(r.metric, r.label, r.process)));
    for (const prefix of PREFIXES) {
      for (const aggregate of aggregates[prefix].values()) {
        expect(new Set(aggregate.rows.keys()), aggregate.key).toEqual(expectedIds);
      }
    }
  });

  it('never stores ignored scalars, ignored keyed histograms, null or undefined histograms', () => {
    const metrics = new Set(output.contributions.map((c) => c.metric));
    const absent = [
      ...EXCLUDED_KEYED,
      'USE_COUNTER2_ISNULL_PAGE',
      'GC_MAX_PAUSE_MS_2',
      ...Object.keys(ignoredScalarsTemplate).map((name) => `SCALARS_${name.toUpperCase()}`),
      ...Object.keys(ignoredKeyedScalarsTemplate).map((name) => `SCALARS_${name.toUpperCase()}`),
    ];
    for (const metric of absent) expect(metrics.has(metric), metric).toBe(false);
    expect([...metrics].filter((m) => m.startsWith('SCALARS_BROWSER.ENGAGEMENT.NAVIGATION'))).toEqual([]);
    // Present: the metric families the templates define.
    expect(metrics.has('[[COUNT]]_SEARCH_COUNTS')).toBe(true);
    expect(metrics.has('SCALARS_TELEMETRY.EVENT_COUNTS')).toBe(true);
    // ... and GC_MAX_PAUSE_MS_2 is counted as lacking a definition wherever it occurs.
    const occurrencesPerGroup = PROCESS_TYPES.reduce((n, process) => n + expectedCount(process), 0);
    expect(stats.undefinedHistograms.get('GC_MAX_PAUSE_MS_2')).toBe((firefoxPingCount() / NUM_PINGS_PER_DIMENSIONS) * occurrencesPerGroup);
    // The excluded keyed histograms have no definition in the vendored Histograms.json either, so
    // only this shows they are excluded by name: they are never even looked up.
    for (const name of EXCLUDED_KEYED) expect(rawHistogramDefinitions()[name]).toBeUndefined();
    expect([...stats.undefinedHistograms.keys()]).toEqual(['GC_MAX_PAUSE_MS_2']);
    expect(stats.metricsSkipped['no-definition']).toBe(stats.undefinedHistograms.get('GC_MAX_PAUSE_MS_2'));
  });
});

/** Checks every expected row of one family in every aggregate of one prefix; returns how many were checked. */
function checkFamily(prefix: Prefix, families: readonly ExpectedRow['family'][]): number {
  const times = multiplier(prefix);
  let checked = 0;
  for (const aggregate of aggregates[prefix].values()) {
    for (const row of expected) {
      if (!families.includes(row.family)) continue;
      const actual = aggregate.rows.get(rowId(row.metric, row.label, row.process));
      const where = `${prefix} ${aggregate.key} ${row.metric} [${row.label}] ${row.process}`;
      expect(actual, where).toBeDefined();
      const count = row.count * times;
      expect(actual?.count, where).toBe(count);
      expect(actual?.sum, where).toBe(count * row.sum);
      expect(actual?.histogram, where).toEqual(row.cells.map((v) => v * count));
      checked += 1;
    }
  }
  return checked;
}

describe.each(PREFIXES)('%s values', (prefix) => {
  it('simple measurements: parent and childPayloads, counted per child, in the SIMPLE_SCALAR_BUCKET (test_simple_measurements)', () => {
    const checked = checkFamily(prefix, ['simple']);
    expect(checked).toBe(aggregates[prefix].size * 2 * 2);
    // spot check straight from the knobs
    const [aggregate] = aggregates[prefix].values();
    const uptime = aggregate?.rows.get(rowId('SIMPLE_MEASURES_UPTIME', '', 'content'));
    const count = NUM_PINGS_PER_DIMENSIONS * NUM_CHILDREN_PER_PING * multiplier(prefix);
    expect(uptime?.count).toBe(count);
    expect(uptime?.histogram[golden.simple_measures_labels.indexOf(SIMPLE_SCALAR_BUCKET)]).toBe(count);
    expect(aggregate?.rows.has(rowId('SIMPLE_MEASURES_UPTIME', '', 'gpu'))).toBe(false);
  });

  it('numeric scalars, keyed and private keyed ones with upper-cased labels, per process (test_numerical_scalars)', () => {
    const keyedLabels = [keyedScalarsTemplate, privateKeyedScalarsTemplate].reduce(
      (n, t) => n + Object.values(t).reduce((m, byKey) => m + Object.keys(byKey).length, 0),
      0,
    );
    const checked = checkFamily(prefix, ['scalar']);
    expect(checked).toBe(aggregates[prefix].size * (Object.keys(scalarsTemplate).length + keyedLabels) * PROCESS_TYPES.length);
    const [aggregate] = aggregates[prefix].values();
    for (const process of PROCESS_TYPES) {
      const row = aggregate?.rows.get(rowId('SCALARS_TELEMETRY.EVENT_COUNTS', 'SOME#EVENT#HAPPENED', process));
      const count = expectedCount(process, true) * multiplier(prefix);
      expect(row?.count).toBe(count);
      expect(row?.sum).toBe(count * SCALAR_VALUE);
      expect(row?.histogram[golden.numeric_scalars_labels.indexOf(NUMERIC_SCALAR_BUCKET)]).toBe(count);
    }
    expect(aggregate?.rows.has(rowId('SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT', 'first', 'parent'))).toBe(false);
  });

  it('classic histograms: template values × count over the definition buckets, per process (test_classic_histograms)', () => {
    const checked = checkFamily(prefix, ['histogram']);
    const classic = Object.entries(histogramsTemplate).filter(([name, t]) => t !== null && t.histogram_type !== 4 && layoutFor(name));
    expect(classic.map(([name]) => name).sort()).toEqual([
      'EVENTLOOP_UI_ACTIVITY_EXP_MS',
      'TELEMETRY_TEST_CATEGORICAL',
      'USE_COUNTER2_PROPERTY_FILL_DOCUMENT',
      'USE_COUNTER2_PROPERTY_FILL_PAGE',
      'USE_COUNTER_PROPERTY_FILL_DOCUMENT',
    ]);
    expect(checked).toBe(aggregates[prefix].size * classic.length * PROCESS_TYPES.length);
  });

  it('use counters are 3-cell booleans and categorical histograms are labels plus spill', () => {
    const [aggregate] = aggregates[prefix].values();
    for (const process of PROCESS_TYPES) {
      const count = expectedCount(process) * multiplier(prefix);
      expect(aggregate?.rows.get(rowId('USE_COUNTER2_PROPERTY_FILL_PAGE', '', process))?.histogram).toEqual([0, 2 * count, 0]);
      expect(aggregate?.rows.get(rowId('USE_COUNTER_PROPERTY_FILL_DOCUMENT', '', process))?.histogram).toEqual([0, count, 0]);
      // TELEMETRY_TEST_CATEGORICAL: CommonLabel, Label2, Label3, spill
      expect(aggregate?.rows.get(rowId('TELEMETRY_TEST_CATEGORICAL', '', process))).toMatchObject({
        histogram: [count, count, count, 0],
        sum: 3 * count,
        count,
      });
    }
  });

  it('count histograms become [[COUNT]]_ rows in the bucket of their sum (test_count_histograms)', () => {
    const checked = checkFamily(prefix, ['count']);
    const unkeyed = Object.values(histogramsTemplate).filter((t) => t?.histogram_type === 4).length;
    expect(checked).toBe(aggregates[prefix].size * (unkeyed * PROCESS_TYPES.length + 1));
    const [aggregate] = aggregates[prefix].values();
    const row = aggregate?.rows.get(rowId('[[COUNT]]_UPDATE_PING_COUNT_EXTERNAL', '', 'content'));
    const count = expectedCount('content') * multiplier(prefix);
    expect(row?.histogram).toHaveLength(100);
    expect(row?.histogram[golden.count_histogram_labels.indexOf(COUNT_SCALAR_BUCKET)]).toBe(count);
    expect(row?.sum).toBe(count * SCALAR_VALUE);
  });

  it('keyed histograms use the key as label, in every process (test_keyed_histograms)', () => {
    const checked = checkFamily(prefix, ['keyed-histogram']);
    expect(checked).toBe(aggregates[prefix].size * PROCESS_TYPES.length);
    const [aggregate] = aggregates[prefix].values();
    const count = expectedCount('gpu') * multiplier(prefix);
    expect(aggregate?.rows.get(rowId('DEVTOOLS_PERFTOOLS_RECORDING_FEATURES_USED', 'withMarkers', 'gpu'))).toMatchObject({
      histogram: [0, count, 0],
      sum: count,
      count,
    });
  });

  it('e10sEnabled splits rows: each value is its own aggregate with its own counts', () => {
    const byRest = new Map<string, string[]>();
    for (const key of aggregates[prefix].keys()) {
      const parts = key.split('|');
      const e10s = parts.pop() as string;
      byRest.set(parts.join('|'), [...(byRest.get(parts.join('|')) ?? []), e10s]);
    }
    expect(byRest.size).toBe(aggregates[prefix].size / pingDimensions.e10s.length);
    for (const values of byRest.values()) expect(values.sort()).toEqual(['false', 'true']);
    // Counts are not merged across e10s values.
    for (const [rest] of byRest) {
      for (const e10s of ['true', 'false']) {
        const row = aggregates[prefix].get(`${rest}|${e10s}`)?.rows.get(rowId('EVENTLOOP_UI_ACTIVITY_EXP_MS', '', 'parent'));
        expect(row?.e10sEnabled).toBe(e10s);
        expect(row?.count).toBe(NUM_PINGS_PER_DIMENSIONS * multiplier(prefix));
      }
    }
  });
});

describe('index entries of the build', () => {
  it('lists both submission dates and build dates per channel, and the filter options per channel/version', () => {
    const builds = [...new Set(pingDimensions.build_id.map((b) => b.slice(0, 8)))].sort().reverse();
    const submissions = [...pingDimensions.submission_date].sort().reverse();
    for (const channel of pingDimensions.channel) {
      const versions = pingDimensions.version.map((v) => v.split('.')[0] as string).sort((a, b) => Number(b) - Number(a));
      const entries = (dates: string[]) => dates.flatMap((date) => versions.map((version) => ({ date, version })));
      expect(output.dates.get('build_id')?.get(channel)).toEqual(entries(builds));
      expect(output.dates.get('submission_date')?.get(channel)).toEqual(entries(submissions));
      for (const version of versions) {
        const filters = output.filters.get(`${channel}/${version}`);
        expect(filters?.e10sEnabled).toEqual(['false', 'true']);
        expect(filters?.application).toEqual(['Firefox']);
        expect(filters?.architecture).toEqual([...pingDimensions.arch].sort());
        expect(filters?.os).toEqual(['Linux,3.1', 'Linux,6.1', 'Windows_NT,3.1.12', 'Windows_NT,6.1']);
        expect(filters?.child).toEqual(['content', 'gpu', 'parent']);
        expect(filters?.metric).toEqual([...new Set(expected.map((r) => r.metric))].sort());
      }
    }
  });
});
