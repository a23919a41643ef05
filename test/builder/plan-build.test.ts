/**
 * planBuild derives the index entries and the dropped-row counts from the accumulators without
 * rendering a row; this checks them against the rows the shard plans actually render, over the
 * repository's test inputs (real, synthetic, demo, end-to-end, trim and hostile pings) and pings
 * made to drop rows: sums beyond int64 in one build id, or only once build ids are added up.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { Aggregator, accumulatorsOf, MetricAccumulator } from '../../builder/src/aggregate/aggregator';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../../builder/src/demo/write-demo-input';
import type { IndexUpdates } from '../../builder/src/shards/index-updates';
import { IndexCollector } from '../../builder/src/shards/index-updates';
import type { BuildPlan, RowsDropped } from '../../builder/src/shards/plan-build';
import { planBuild } from '../../builder/src/shards/plan-build';
import type { ShardContribution } from '../../builder/src/shards/shard-rows';
import { isPrintableMetricName } from '../../worker/src/core/metric-names';
import { hostileCases } from '../fixtures/hostile-corpus';
import { generateSyntheticPings } from '../fixtures/synthetic-dataset';
import { endToEndPings, readRealPings } from '../helpers/e2e-pings';
import { histogram, makePing, vendoredDefinitions } from '../helpers/pings';
import { trimDatasetPings } from '../helpers/trim-dataset';

const HAND_WRITTEN = fileURLToPath(new URL('../fixtures/hostile/hand-written.ndjson', import.meta.url));
const BIG = 2 ** 62; // exact as a double; two of them exceed int64

/** Rows dropped for their sum: beyond int64 in one build id, or only once the build ids of a submission date are added up. */
function overflowingPings(): unknown[] {
  const scalar = (name: string, value: number) => ({ processes: { parent: { scalars: { [name]: value } } } });
  const on = (buildId: string, submissionDate: string, payload: Record<string, unknown>) =>
    makePing(payload, { application: { buildId }, meta: { submissionDate } });
  return [
    // a.big: two build ids of 2^62 each fit; their submission-date row (2^63) does not
    on('20170101000000', '20170102', scalar('a.big', BIG)),
    on('20170102000000', '20170102', scalar('a.big', BIG)),
    // b.big: one build id holds 2^63: dropped from both prefixes
    on('20170103000000', '20170104', scalar('b.big', BIG)),
    on('20170103000000', '20170104', scalar('b.big', BIG)),
    // the only rows of channel beta, version 52, submission date 20170105: nothing of them may be indexed
    makePing(scalar('c.big', BIG), { application: { channel: 'beta', version: '52.0' }, meta: { submissionDate: '20170105' } }),
    makePing(scalar('c.big', BIG), { application: { channel: 'beta', version: '52.0' }, meta: { submissionDate: '20170105' } }),
    // dropped before any row is made: a name that is not printable, a label with NUL (beside a good scalar)
    makePing({
      processes: { parent: { scalars: { 'bad name': 1, 'good.name': 1 } } },
      keyedHistograms: { TELEMETRY_TEST_KEYED_FLAG: { 'a\u0000b': histogram({ '1': 1 }, 1, 3) } },
    }),
  ];
}

/** Each input with whether some of its rows overflow. */
const INPUTS: [name: string, lines: () => string[], overflows: boolean][] = [
  ['real pings', () => readRealPings().map((ping) => JSON.stringify(ping)), false],
  ['synthetic dataset', () => [...generateSyntheticPings()].map((ping) => JSON.stringify(ping)), false],
  [
    'demo pings',
    () => [...generateDemoPings({ count: 40, seed: 3, basePings: loadBasePings(DEFAULT_PINGS_DIR) })].map((p) => JSON.stringify(p)),
    false,
  ],
  ['end-to-end pings', () => endToEndPings().map((ping) => JSON.stringify(ping)), false],
  ['trim dataset', () => trimDatasetPings().map((ping) => JSON.stringify(ping)), false],
  [
    'hostile corpus, generated and hand-written',
    () => [
      ...hostileCases().map(({ line }) => (typeof line === 'string' ? line : line.toString('utf8'))),
      ...readFileSync(HAND_WRITTEN, 'utf8').split('\n'),
    ],
    true,
  ],
  ['overflowing sums', () => overflowingPings().map((ping) => JSON.stringify(ping)), true],
];

async function aggregateLines(lines: readonly string[]): Promise<Aggregator> {
  const aggregator = new Aggregator((await vendoredDefinitions()).histograms);
  for (const line of lines) aggregator.addLine(line);
  return aggregator;
}

function renderAll(plan: BuildPlan): ShardContribution[] {
  return plan.shards.flatMap((shard) => shard.contributions());
}

/** The index entries of rendered rows. */
async function indexOfRows(contributions: readonly ShardContribution[]): Promise<IndexUpdates> {
  const collector = new IndexCollector();
  for (const { prefix, channel, version, metric, rows } of contributions) {
    for (const row of rows) collector.note({ prefix, channel, version, metric, ...row });
  }
  return collector.updates(await vendoredDefinitions());
}

/** The updates as nested entry lists: equal only with the same insertion order (the order index objects are written). */
function inOrder(updates: IndexUpdates): unknown {
  return {
    dates: [...updates.dates].map(([prefix, byChannel]) => [prefix, [...byChannel]]),
    filters: [...updates.filters],
    metrics: [...updates.metrics],
  };
}

/**
 * Dropped rows counted from the aggregation and the rendered rows: names and labels from the
 * accumulators; overflow as the rows there would be (one per accumulator for build_id, one per
 * distinct submission-date row) minus the rows rendered.
 */
function droppedOf(aggregator: Aggregator, contributions: readonly ShardContribution[]): RowsDropped {
  const dropped: RowsDropped = { nonPrintableName: 0, nameTooLong: 0, nulInLabel: 0, labelTooLong: 0, sumOverflow: 0 };
  let buildIdRows = 0;
  const submissionRows = new Set<string>();
  for (const group of aggregator.groups.values()) {
    const d = group.dimensions;
    for (const accumulator of accumulatorsOf(group)) {
      if (!isPrintableMetricName(accumulator.metric)) dropped.nonPrintableName += 1;
      else if (Buffer.byteLength(accumulator.metric) > 200) dropped.nameTooLong += 1;
      else if (accumulator.label.includes('\u0000')) dropped.nulInLabel += 1;
      else if (Buffer.byteLength(accumulator.label) > 256) dropped.labelTooLong += 1;
      else {
        buildIdRows += 1;
        submissionRows.add(
          JSON.stringify([
            d.channel,
            d.version,
            d.submissionDate,
            d.application,
            d.architecture,
            d.os,
            d.osVersion,
            d.e10sEnabled,
            accumulator.metric,
            accumulator.label,
            accumulator.process,
          ]),
        );
      }
    }
  }
  const rendered = contributions.reduce((n, c) => n + c.rows.length, 0);
  dropped.sumOverflow = buildIdRows + submissionRows.size - rendered;
  return dropped;
}

describe('planBuild', () => {
  it.each(INPUTS)('%s: the index and the dropped rows are those of the rendered rows', async (_, lines, overflows) => {
    const aggregator = await aggregateLines(lines());
    const plan = planBuild(aggregator, await vendoredDefinitions());
    const contributions = renderAll(plan);
    expect(contributions.length).toBeGreaterThan(0);
    expect(inOrder(plan.indexes)).toEqual(inOrder(await indexOfRows(contributions)));
    expect(plan.rowsDropped).toEqual(droppedOf(aggregator, contributions));
    expect(plan.rowsDropped.sumOverflow > 0).toBe(overflows);
  });

  it('drops the overflowing rows, and indexes nothing only they carry', async () => {
    const plan = planBuild(await aggregateLines(INPUTS[6]?.[1]() ?? []), await vendoredDefinitions());
    const rows = renderAll(plan);
    const rowsOf = (prefix: string, metric: string) =>
      rows.filter((c) => c.prefix === prefix && c.metric === metric).flatMap((c) => c.rows);
    expect(rowsOf('build_id', 'SCALARS_A.BIG').map((row) => row.date)).toEqual(['20170101', '20170102']);
    expect(rowsOf('submission_date', 'SCALARS_A.BIG')).toEqual([]);
    expect(rowsOf('build_id', 'SCALARS_B.BIG')).toEqual([]);
    expect(rowsOf('submission_date', 'SCALARS_B.BIG')).toEqual([]);
    // a.big's sum of two build ids, b.big in both prefixes, c.big in both prefixes
    expect(plan.rowsDropped).toEqual({ nonPrintableName: 1, nameTooLong: 0, nulInLabel: 1, labelTooLong: 0, sumOverflow: 5 });
    // 20170102 (a.big's submission date) and 20170104 (b.big's) only had rows that overflowed
    expect(plan.indexes.dates.get('submission_date')?.get('nightly')).toEqual([{ date: '20170130', version: '54' }]);
    expect(plan.indexes.dates.get('build_id')?.get('nightly')).toEqual([
      { date: '20170129', version: '54' },
      { date: '20170102', version: '54' },
      { date: '20170101', version: '54' },
    ]);
    expect(plan.indexes.filters.get('nightly/54')?.metric).toEqual(['SCALARS_A.BIG', 'SCALARS_GOOD.NAME']);
    expect([...plan.indexes.filters.keys()]).toEqual(['nightly/54']);
    expect(plan.indexes.dates.get('build_id')?.has('beta')).toBe(false);
  });

  it("renders no row while planning (yet knows each shard's submission dates), and each shard anew whenever asked", async () => {
    const aggregator = await aggregateLines(INPUTS[1]?.[1]() ?? []);
    const definitions = await vendoredDefinitions();
    const rendered = vi.spyOn(MetricAccumulator.prototype, 'cellView');
    try {
      const plan = planBuild(aggregator, definitions);
      expect(rendered).not.toHaveBeenCalled();
      const shard = plan.shards[0];
      const first = shard?.contributions();
      expect(rendered).toHaveBeenCalled();
      expect(shard?.contributions()).toEqual(first);
      for (const each of plan.shards) expect(each.submissionDates).toEqual(each.contributions().map((c) => c.submissionDate));
    } finally {
      rendered.mockRestore();
    }
  });
});
