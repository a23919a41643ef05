/**
 * Every aggregation rule of the original (BUCKETS.md §6), one test each. Expected values are
 * written out by hand from the rules, not computed with the builder's own helpers.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import { aggregate, histogram, makePing, materialise, rowsOf, vendoredDefinitions } from '../helpers/pings';

// GC_MS: exponential(1, 10000, 50): lower bounds 0,1,2,3,4,5,6,7,8,10,12,... (50 buckets)
const GC_MS_WIDTH = 50;
function dense(width: number, cells: Record<number, number | bigint>): (number | bigint)[] {
  const out: (number | bigint)[] = new Array(width).fill(0);
  for (const [index, value] of Object.entries(cells)) out[Number(index)] = value;
  return out;
}

describe('histograms', () => {
  it('sums histograms per dimensions, metric, label and process into dense rows', async () => {
    const ping = makePing({ histograms: { GC_MS: histogram({ '0': 1, '8': 2, '10': 3 }, 50) } });
    const { output } = await aggregate([ping, ping]);
    const rows = rowsOf(output, 'build_id', 'GC_MS');
    expect(rows).toHaveLength(1);
    // lower bounds 0 -> index 0, 8 -> index 8, 10 -> index 9
    expect(rows[0]).toMatchObject({ date: '20170129', child: 'parent', label: '', sum: 100, count: 2 });
    expect(rows[0]?.histogram).toEqual(dense(GC_MS_WIDTH, { 0: 2, 8: 4, 9: 6 }));
    const bySubmission = rowsOf(output, 'submission_date', 'GC_MS');
    expect(bySubmission[0]).toMatchObject({ date: '20170130', sum: 100, count: 2 });
  });

  it('drops keys that are not bucket lower bounds but still counts the histogram', async () => {
    const { output } = await aggregate([makePing({ histograms: { GC_MS: histogram({ '9': 5, '10': 1 }, 55) } })]);
    const [row] = rowsOf(output, 'build_id', 'GC_MS');
    expect(row?.histogram).toEqual(dense(GC_MS_WIDTH, { 9: 1 }));
    expect(row?.count).toBe(1);
  });

  it('skips non-integer bucket keys, counts non-integer counts as 0, and booleans as 0/1', async () => {
    const h = histogram({ foo: 7, '1': 2.5, '2': true, '3': '4', '4': 3 }, 10);
    const { output, aggregator } = await aggregate([makePing({ histograms: { GC_MS: h } })]);
    const [row] = rowsOf(output, 'build_id', 'GC_MS');
    expect(row?.histogram).toEqual(dense(GC_MS_WIDTH, { 2: 1, 4: 3 }));
    expect(aggregator.stats.metricsSkipped['non-integer-bucket-key']).toBe(1);
  });

  it('adds negative bucket counts as they are (the original did)', async () => {
    const { output } = await aggregate([makePing({ histograms: { GC_MS: histogram({ '1': -5, '2': 3 }, 1) } })]);
    expect(rowsOf(output, 'build_id', 'GC_MS')[0]?.histogram.slice(0, 3)).toEqual([0, -5, 3]);
  });

  it('skips invalid histograms: not an object, values not an object, bad sum, bad type', async () => {
    const histograms = {
      GC_MS: 'nope',
      GC_BUDGET_MS: { histogram_type: 1, sum: 3, values: [1, 2] },
      GC_MAX_PAUSE_MS: { histogram_type: 1, sum: -1, values: {} },
      GC_MARK_ROOTS_MS: { histogram_type: 1, sum: 1.5, values: {} },
      GC_MARK_GRAY_MS: { histogram_type: '1', sum: 1, values: {} },
      CYCLE_COLLECTOR: { histogram_type: 0, sum: '3', values: {} },
    };
    const { output, aggregator } = await aggregate([makePing({ histograms })]);
    expect(output.contributions).toHaveLength(0);
    expect(aggregator.stats.metricsSkipped['invalid-histogram']).toBe(6);
    expect(aggregator.stats.pingsAccepted).toBe(1);
  });

  it('skips histograms without a definition and counts them by name', async () => {
    const { output, aggregator } = await aggregate([
      makePing({ histograms: { NOT_A_REAL_HISTOGRAM: histogram({ '1': 1 }, 1), GC_MS: histogram({ '1': 1 }, 1) } }),
    ]);
    expect(output.contributions.map((c) => c.metric)).toEqual(['GC_MS', 'GC_MS']);
    expect(aggregator.stats.undefinedHistograms.get('NOT_A_REAL_HISTOGRAM')).toBe(1);
    expect(aggregator.stats.metricsSkipped['no-definition']).toBe(1);
  });

  it('uses the STARTUP_ fallback and made-up boolean use counters', async () => {
    const payload = {
      histograms: {
        STARTUP_GC_MS: histogram({ '1': 1 }, 1),
        USE_COUNTER2_PROPERTY_FILL_PAGE: histogram({ '0': 0, '1': 2, '2': 0 }, 2, 2),
      },
    };
    const { output } = await aggregate([makePing(payload)]);
    expect(rowsOf(output, 'build_id', 'STARTUP_GC_MS')[0]?.histogram).toHaveLength(GC_MS_WIDTH);
    expect(rowsOf(output, 'build_id', 'USE_COUNTER2_PROPERTY_FILL_PAGE')[0]?.histogram).toEqual([0, 2, 0]);
  });

  it('lays categorical histograms over their labels plus spill, dropping higher keys', async () => {
    // TELEMETRY_TEST_CATEGORICAL: labels CommonLabel, Label2, Label3 -> 4 cells with spill
    const h = histogram({ '0': 1, '1': 2, '2': 3, '3': 4, '4': 50 }, 3, 5);
    const { output } = await aggregate([makePing({ histograms: { TELEMETRY_TEST_CATEGORICAL: h } })]);
    expect(rowsOf(output, 'build_id', 'TELEMETRY_TEST_CATEGORICAL')[0]?.histogram).toEqual([1, 2, 3, 4]);
  });

  it('keeps flag histograms at 3 cells', async () => {
    const { output } = await aggregate([makePing({ histograms: { A11Y_INSTANTIATED_FLAG: histogram({ '0': 1, '1': 0 }, 0, 3) } })]);
    expect(rowsOf(output, 'build_id', 'A11Y_INSTANTIATED_FLAG')[0]?.histogram).toEqual([1, 0, 0]);
  });
});

describe('keyed histograms', () => {
  it('uses the key as the label', async () => {
    const keyedHistograms = { TELEMETRY_TEST_KEYED_FLAG: { a: histogram({ '1': 1 }, 1, 3), b: histogram({ '0': 1 }, 0, 3) } };
    const { output } = await aggregate([makePing({ keyedHistograms })]);
    const rows = rowsOf(output, 'build_id', 'TELEMETRY_TEST_KEYED_FLAG');
    expect(rows.map((r) => [r.label, r.histogram])).toEqual([
      ['a', [0, 1, 0]],
      ['b', [1, 0, 0]],
    ]);
  });

  it('never aggregates MESSAGE_MANAGER_MESSAGE_SIZE and VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION', async () => {
    const keyedHistograms = {
      MESSAGE_MANAGER_MESSAGE_SIZE: { foo: histogram({ '0': 1 }, 0) },
      VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION: { foo: histogram({ '0': 1 }, 0) },
    };
    const { output, aggregator } = await aggregate([makePing({ keyedHistograms })]);
    expect(output.contributions).toHaveLength(0);
    // Neither has a definition: had they been read, they would be counted as undefined histograms.
    expect(aggregator.stats.undefinedHistograms.size).toBe(0);
    expect(aggregator.stats.metricsSkipped).toEqual({});
  });

  it('drops rows whose label contains NUL', async () => {
    const keyedHistograms = { TELEMETRY_TEST_KEYED_FLAG: { 'a\u0000b': histogram({ '1': 1 }, 1, 3), ok: histogram({ '1': 1 }, 1, 3) } };
    const { output } = await aggregate([makePing({ keyedHistograms })]);
    expect(rowsOf(output, 'build_id', 'TELEMETRY_TEST_KEYED_FLAG').map((r) => r.label)).toEqual(['ok']);
    expect(output.rowsDropped.nulInLabel).toBe(1);
  });
});

describe('values bucketed into fixed labels', () => {
  it('turns count histograms into [[COUNT]]_NAME bucketed by their sum', async () => {
    const h = histogram({ '0': 42, '1': 0 }, 42, 4);
    const { output } = await aggregate([makePing({ histograms: { CONTENT_DOCUMENTS_DESTROYED: h } })]);
    const [row] = rowsOf(output, 'build_id', '[[COUNT]]_CONTENT_DOCUMENTS_DESTROYED');
    // COUNT labels ...37, 40, 43...: 42 lands in the bucket labelled 40, index 28
    expect(row?.histogram).toHaveLength(100);
    expect(row?.histogram[28]).toBe(1);
    expect(row).toMatchObject({ sum: 42, count: 1 });
  });

  it('names numeric scalars SCALARS_<NAME> and keyed scalar labels upper-cased', async () => {
    const processes = {
      parent: {
        scalars: {
          'browser.engagement.tab_open_event_count': 3,
          'telemetry.test.string_kind': 'x',
          'browser.engagement.navigation.urlbar': 5,
        },
        keyedScalars: { 'telemetry.test.keyed_unsigned_int': { first: 7, Second: 0 }, 'browser.engagement.navigation.searchbar': { a: 1 } },
      },
      content: { scalars: { 'browser.engagement.tab_open_event_count': 1 } },
    };
    const { output } = await aggregate([makePing({ processes })]);
    const metrics = new Set(output.contributions.map((c) => c.metric));
    expect([...metrics].sort()).toEqual(['SCALARS_BROWSER.ENGAGEMENT.TAB_OPEN_EVENT_COUNT', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT']);
    const tabs = rowsOf(output, 'build_id', 'SCALARS_BROWSER.ENGAGEMENT.TAB_OPEN_EVENT_COUNT');
    expect(tabs.map((r) => [r.child, r.sum, r.histogram[3], r.histogram[1]])).toEqual([
      ['content', 1, 0, 1],
      ['parent', 3, 1, 0],
    ]);
    const keyed = rowsOf(output, 'build_id', 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT');
    expect(keyed.map((r) => [r.label, r.sum, r.histogram[7], r.histogram[0]])).toEqual([
      ['FIRST', 7, 1, 0],
      ['SECOND', 0, 0, 1],
    ]);
  });

  it('drops negative values, counts booleans as 0/1 and sums floats, truncating the stored sum', async () => {
    const processes = { parent: { scalars: { 'a.neg': -1, 'a.bool': true, 'a.float': 2.75 } } };
    const { output, aggregator } = await aggregate([makePing({ processes }), makePing({ processes })]);
    expect(aggregator.stats.metricsSkipped['negative-value']).toBe(2);
    expect(rowsOf(output, 'build_id', 'SCALARS_A.NEG')).toHaveLength(0);
    expect(rowsOf(output, 'build_id', 'SCALARS_A.BOOL')[0]).toMatchObject({ sum: 2, count: 2 });
    const [float] = rowsOf(output, 'build_id', 'SCALARS_A.FLOAT');
    expect(float).toMatchObject({ sum: 5, count: 2 }); // 5.5 truncated
    expect(float?.histogram[2]).toBe(2); // 2.75 lands in label 2
  });

  it('names simple measurements SIMPLE_MEASURES_<NAME>[_<SUB>], parent and child payloads', async () => {
    const simpleMeasurements = { uptime: 42, addonManager: { XPIDB_parseDB_MS: 42, notANumber: 'x' }, text: 'ignored' };
    const payload = { simpleMeasurements, childPayloads: [{ simpleMeasurements: { uptime: 7 } }] };
    const { output } = await aggregate([makePing(payload)]);
    const metrics = [...new Set(output.contributions.map((c) => c.metric))].sort();
    expect(metrics).toEqual(['SIMPLE_MEASURES_ADDONMANAGER_XPIDB_PARSEDB_MS', 'SIMPLE_MEASURES_UPTIME']);
    const uptime = rowsOf(output, 'build_id', 'SIMPLE_MEASURES_UPTIME');
    // simple measure labels: 0..7, 9, 11, 13, 16, 20, 24, 29, 35, 43...: 42 lands in 35 (index 15), 7 in index 7
    expect(uptime.map((r) => [r.child, r.histogram.length, r.histogram[15], r.histogram[7]])).toEqual([
      ['content', 50, 0, 1],
      ['parent', 50, 1, 0],
    ]);
  });
});

describe('processes', () => {
  it('reads parent, childPayloads and processes.content as content, processes.gpu as gpu; never processes.parent.histograms', async () => {
    const h = histogram({ '1': 1 }, 1);
    const payload = {
      histograms: { GC_MS: h },
      childPayloads: [{ histograms: { GC_MS: h } }, { histograms: { GC_MS: h } }],
      processes: { content: { histograms: { GC_MS: h } }, gpu: { histograms: { GC_MS: h } }, parent: { histograms: { GC_MS: h } } },
    };
    const { output } = await aggregate([makePing(payload)]);
    const rows = rowsOf(output, 'build_id', 'GC_MS');
    expect(rows.map((r) => [r.child, r.count])).toEqual([
      ['content', 3],
      ['gpu', 1],
      ['parent', 1],
    ]);
  });

  it('skips the whole ping when payload is not an object', async () => {
    const { aggregator } = await aggregate([{ ...makePing(), payload: 'x' }, { ...makePing(), payload: [] }, makePing()]);
    expect(aggregator.stats.pingsSkipped['invalid-payload']).toBe(2);
    expect(aggregator.stats.pingsAccepted).toBe(1);
  });

  // What the original's `[_trim_payload(c) for c in payload.get("childPayloads", [])]` did with
  // each kind of value: iterating it (a dict yields its keys, a string its characters) and
  // calling .items() on every item, the ping dropped when either failed.
  const child = { histograms: { GC_MS: histogram({ '1': 1 }, 1) } };
  it.each([
    ['absent', undefined, 'kept', 0],
    ['an empty list', [], 'kept', 0],
    ['a list of objects', [child, {}], 'kept', 1],
    ['an empty object', {}, 'kept', 0],
    ['an empty string', '', 'kept', 0],
    ['a non-empty object', { 0: child }, 'dropped', 0],
    ['a non-empty string', 'children', 'dropped', 0],
    ['a number', 3, 'dropped', 0],
    ['zero', 0, 'dropped', 0],
    ['a boolean', false, 'dropped', 0],
    ['null', null, 'dropped', 0],
    ['a list holding a number', [child, 1], 'dropped', 0],
    ['a list holding a string', ['a'], 'dropped', 0],
    ['a list holding a list', [[]], 'dropped', 0],
    ['a list holding null', [null], 'dropped', 0],
  ] as const)('childPayloads %s: the ping is %s', async (_, childPayloads, outcome, contentCount) => {
    const payload: Record<string, unknown> = { histograms: { GC_MS: histogram({ '1': 1 }, 1) } };
    if (childPayloads !== undefined) payload.childPayloads = childPayloads;
    const { aggregator, output } = await aggregate([makePing(payload)]);
    expect(aggregator.stats.pingsAccepted).toBe(outcome === 'kept' ? 1 : 0);
    expect(aggregator.stats.pingsSkipped['invalid-payload'] ?? 0).toBe(outcome === 'kept' ? 0 : 1);
    const rows = rowsOf(output, 'build_id', 'GC_MS');
    expect(rows.find((r) => r.child === 'parent')?.count ?? 0).toBe(outcome === 'kept' ? 1 : 0);
    expect(rows.find((r) => r.child === 'content')?.count ?? 0).toBe(contentCount);
  });
});

describe('stored rows', () => {
  it('drops metric names with characters outside [A-Za-z0-9_-[].]', async () => {
    const processes = { parent: { scalars: { 'bad name': 1, 'good.name': 1 } } };
    const { output } = await aggregate([makePing({ processes })]);
    expect([...new Set(output.contributions.map((c) => c.metric))]).toEqual(['SCALARS_GOOD.NAME']);
    // counted once per aggregated (dimensions, metric, label, process)
    expect(output.rowsDropped.nonPrintableName).toBe(1);
  });

  it('drops rows whose sum exceeds 2^63-1 and keeps exact bigint sums below it', async () => {
    const big = 2 ** 62; // exact as a double
    const processes = { parent: { scalars: { 'a.big': big } } };
    const { output } = await aggregate([makePing({ processes })]);
    expect(rowsOf(output, 'build_id', 'SCALARS_A.BIG')[0]?.sum).toBe(2n ** 62n);
    const { output: overflow } = await aggregate([makePing({ processes }), makePing({ processes })]);
    expect(rowsOf(overflow, 'build_id', 'SCALARS_A.BIG')).toHaveLength(0);
    expect(overflow.rowsDropped.sumOverflow).toBe(2); // one per prefix
  });

  // JSON.parse makes 1e400 and a 400-digit integer Infinity; the original dropped such a row (its
  // sum beyond int64), one per prefix, and so does this one, whatever else the row holds.
  it.each([
    ['a scalar', 'SCALARS_A.INF', (v: string) => `{"processes":{"parent":{"scalars":{"a.inf":${v}}}}}`],
    ['a keyed scalar', 'SCALARS_K.INF', (v: string) => `{"processes":{"parent":{"keyedScalars":{"k.inf":{"key":${v}}}}}}`],
    ['a simple measurement', 'SIMPLE_MEASURES_UPTIME', (v: string) => `{"simpleMeasurements":{"uptime":${v}}}`],
  ])('drops the row of %s that JSON.parse makes infinite, and counts it as a sum overflow', async (_, metric, payloadText) => {
    for (const value of ['1e400', '9'.repeat(400)]) {
      const pingText = (payload: string) => JSON.stringify(makePing()).replace('"payload":{}', `"payload":${payload}`);
      const aggregator = new Aggregator((await vendoredDefinitions()).histograms);
      // an exact bigint sum first (2 × 2^62), then the infinite value on top of it, then a finite one
      aggregator.addLine(pingText(payloadText(String(2 ** 62))));
      aggregator.addLine(pingText(payloadText(String(2 ** 62))));
      aggregator.addLine(pingText(payloadText(value)));
      aggregator.addLine(pingText(payloadText('1')));
      const other = new Aggregator((await vendoredDefinitions()).histograms);
      other.addLine(pingText(payloadText(value)));
      for (const output of [await materialise(aggregator), await materialise(other)]) {
        expect(rowsOf(output, 'build_id', metric)).toEqual([]);
        expect(rowsOf(output, 'submission_date', metric)).toEqual([]);
        expect(output.rowsDropped.sumOverflow).toBe(2);
        expect(output.filters.size).toBe(0); // nothing else was aggregated, so nothing is indexed
      }
    }
  });

  it('stores a bucket count beyond 2^63-1 as 2^63-1, and counts the row', async () => {
    // 1e300 is an integer to JSON.parse (the original read it as a float and added 0)
    const huge = makePing({ histograms: { GC_MS: histogram({ '0': 1e300, '1': 2 }, 10) } });
    const { output } = await aggregate([huge, makePing({ histograms: { GC_MS: histogram({ '1': 1 }, 1) } })]);
    for (const prefix of ['build_id', 'submission_date'] as const) {
      const [row] = rowsOf(output, prefix, 'GC_MS');
      expect(row?.histogram.slice(0, 3)).toEqual([2n ** 63n - 1n, 3, 0]);
      expect(row).toMatchObject({ sum: 11, count: 2 });
    }
    expect(output.rowsClamped).toBe(2);
  });

  it('stores a bucket count that passes 2^63-1 only once the build ids of a submission date are added up, clamped there', async () => {
    const half = (buildId: string) => makePing({ histograms: { GC_MS: histogram({ '1': 2 ** 62 }, 1) } }, { application: { buildId } });
    const { output } = await aggregate([half('20170128000000'), half('20170129000000')]);
    expect(rowsOf(output, 'build_id', 'GC_MS').map((row) => row.histogram[1])).toEqual([2 ** 62, 2 ** 62].map(BigInt));
    expect(rowsOf(output, 'submission_date', 'GC_MS').map((row) => row.histogram[1])).toEqual([2n ** 63n - 1n]);
    expect(output.rowsClamped).toBe(1);
  });

  it('stores names up to 200 UTF-8 bytes and labels up to 256, and drops and counts longer ones', async () => {
    const scalars = { [`a.${'n'.repeat(190)}`]: 1, [`b.${'n'.repeat(191)}`]: 1 }; // SCALARS_ + 192 = 200 bytes; 201
    const key = (text: string) => ({ [text]: 1 });
    const keyedScalars = {
      'k.ascii': { ...key('a'.repeat(256)), ...key('b'.repeat(257)) },
      'k.two_byte': { ...key('\u00e9'.repeat(128)), ...key(`\u00e9${'\u00e9'.repeat(128)}`) }, // 256 bytes; 258
      'k.three_byte': { ...key('\u20ac'.repeat(85)), ...key('\u20ac'.repeat(86)) }, // 255 bytes; 258 (86 characters)
      'k.astral': { ...key('\u{1F600}'.repeat(64)), ...key(`x${'\u{1F600}'.repeat(64)}`) }, // 256 bytes; 257
    };
    const { output } = await aggregate([makePing({ processes: { parent: { scalars, keyedScalars } } })]);
    const stored = new Set(output.contributions.map((c) => c.metric));
    expect(stored.has(`SCALARS_A.${'N'.repeat(190)}`)).toBe(true);
    expect([...stored].some((metric) => metric.startsWith('SCALARS_B.'))).toBe(false);
    const labels = (metric: string) => rowsOf(output, 'build_id', metric).map((row) => row.label);
    expect(labels('SCALARS_K.ASCII')).toEqual(['A'.repeat(256)]);
    expect(labels('SCALARS_K.TWO_BYTE')).toEqual(['\u00c9'.repeat(128)]);
    expect(labels('SCALARS_K.THREE_BYTE')).toEqual(['\u20ac'.repeat(85)]);
    expect(labels('SCALARS_K.ASTRAL')).toEqual(['\u{1F600}'.repeat(64)]);
    expect(output.rowsDropped).toMatchObject({ nameTooLong: 1, labelTooLong: 4 });
  });

  it('sums across build ids for the submission_date rows', async () => {
    const h = histogram({ '1': 1 }, 1);
    const pings = [
      makePing({ histograms: { GC_MS: h } }),
      makePing({ histograms: { GC_MS: h } }, { application: { buildId: '20170128000000' } }),
    ];
    const { output } = await aggregate(pings);
    expect(rowsOf(output, 'build_id', 'GC_MS').map((r) => [r.date, r.count])).toEqual([
      ['20170128', 1],
      ['20170129', 1],
    ]);
    expect(rowsOf(output, 'submission_date', 'GC_MS').map((r) => [r.date, r.count])).toEqual([['20170130', 2]]);
  });

  it('puts each row in the shard of its month and lists dates, filters and metric metadata', async () => {
    const h = histogram({ '1': 1 }, 1);
    const pings = [
      makePing({ histograms: { GC_MS: h } }, { application: { buildId: '20161231000000' }, settings: { e10sEnabled: undefined } }),
      makePing({ histograms: { GC_MS: h } }, { os: { name: 'Linux', version: '4.4.0' } }),
    ];
    const { output } = await aggregate(pings);
    const periods = output.contributions.filter((c) => c.prefix === 'build_id').map((c) => c.period);
    expect(periods).toEqual(['201612', '201701']);
    expect(output.dates.get('build_id')?.get('nightly')).toEqual([
      { date: '20170129', version: '54' },
      { date: '20161231', version: '54' },
    ]);
    expect(output.filters.get('nightly/54')).toEqual({
      metric: ['GC_MS'],
      application: ['Firefox'],
      architecture: ['x86-64'],
      os: ['Linux,4.4', 'Windows_NT,10.0'],
      child: ['parent'],
      e10sEnabled: ['true'],
    });
    expect(output.metrics.get('nightly/54')?.metrics.GC_MS).toEqual({
      kind: 'exponential',
      description: 'Time spent running JS GC (ms)',
      buckets: { exponential: [1, 10000, 50] },
    });
  });
});
