/**
 * The dense layout production aggregates with (builder/src/aggregate/histogram-layout.ts),
 * checked on its own and, through the Aggregator, against golden-buckets.json: the dense fills the
 * original python_moztelemetry code made of real ping histograms, and the stored row widths.
 */
import { describe, expect, it } from 'vitest';
import { DROPPED_KEY, HistogramLayout, NON_INTEGER_KEY } from '../../builder/src/aggregate/histogram-layout';
import type { HistogramDefinition } from '../../builder/src/definitions/histogram-definitions';
import { countHistogramMetric } from '../../worker/src/core/metric-names';
import { aggregate, histogram, makePing, rowsOf, vendoredDefinitions } from '../helpers/pings';
import { loadGolden } from '../helpers/reference-buckets';

const golden = loadGolden();
const { histograms: catalog } = await vendoredDefinitions();

function layoutOf(name: string): HistogramLayout {
  const definition: HistogramDefinition | undefined = catalog.lookup(name);
  if (definition === undefined) throw new Error(`no definition for ${name}`);
  return new HistogramLayout(definition);
}

/** A sparse `values` dict laid over the layout, key by key, as the aggregator adds it. */
function denseFromSparse(layout: HistogramLayout, values: Record<string, number>): number[] {
  const dense = new Array<number>(layout.width).fill(0);
  for (const [key, count] of Object.entries(values)) {
    const index = layout.indexOfKey(key);
    if (index >= 0) dense[index] = (dense[index] as number) + count;
  }
  return dense;
}

describe('HistogramLayout', () => {
  it('maps non-categorical keys to the index of the equal lower bound', () => {
    const gcMs = layoutOf('GC_MS');
    expect(gcMs.width).toBe(50);
    expect([0, 268, 10000].map((bucket) => gcMs.indexOfBucket(bucket))).toEqual([0, 28, 49]);
    expect([9, -1, 10001].map((bucket) => gcMs.indexOfBucket(bucket))).toEqual([DROPPED_KEY, DROPPED_KEY, DROPPED_KEY]);
    expect(gcMs.table[268]).toBe(28);
    expect(gcMs.table[9]).toBe(DROPPED_KEY);
  });

  it('handles bounds too large for its lookup table', () => {
    const definition = catalog.lookup('CHECKERBOARD_SEVERITY') as HistogramDefinition;
    const layout = new HistogramLayout(definition);
    definition.ranges.forEach((bound, index) => {
      expect(layout.indexOfBucket(bound)).toBe(index);
      expect(layout.indexOfKey(String(bound))).toBe(index);
    });
    expect(layout.indexOfBucket(1073741823)).toBe(DROPPED_KEY);
    expect(layout.indexOfBucket(4)).toBe(DROPPED_KEY);
  });

  it('maps categorical keys 0..labels.length (spill) and drops the rest', () => {
    const layout = layoutOf('FX_TAB_SWITCH_SPINNER_TYPE');
    expect(layout.width).toBe(4);
    expect([0, 1, 2, 3, 4, 49, 50, -1].map((bucket) => layout.indexOfBucket(bucket))).toEqual([0, 1, 2, 3, -1, -1, -1, -1]);
  });

  it('lays count, flag and boolean histograms over [0, 1, 2]', () => {
    for (const name of ['CREATE_EVENT_EVENT', 'A11Y_INSTANTIATED_FLAG', 'GC_IS_COMPARTMENTAL']) {
      const layout = layoutOf(name);
      expect(layout.width).toBe(3);
      expect([0, 1, 2, 3].map((bucket) => layout.indexOfBucket(bucket))).toEqual([0, 1, 2, -1]);
    }
  });

  it('reads key strings as Python int() does, and tells keys that are not ints apart', () => {
    const layout = layoutOf('GC_IS_COMPARTMENTAL');
    expect(['0', ' 1 ', '+0', '0_1', '7'].map((key) => layout.indexOfKey(key))).toEqual([0, 1, 0, 1, DROPPED_KEY]);
    expect(['x', '1.0', '', '0x1'].map((key) => layout.indexOfKey(key))).toEqual([
      NON_INTEGER_KEY,
      NON_INTEGER_KEY,
      NON_INTEGER_KEY,
      NON_INTEGER_KEY,
    ]);
    // Remembered keys answer the same the second time.
    expect(layout.indexOfKey(' 1 ')).toBe(1);
    expect(layout.indexOfKey('x')).toBe(NON_INTEGER_KEY);
  });
});

describe('fill examples of golden-buckets.json (sparse values → dense histogram)', () => {
  for (const example of golden.fill_examples) {
    it(`${example.name}: the layout`, () => {
      expect(denseFromSparse(layoutOf(example.name), example.ping_histogram.values)).toEqual(example.dense_values);
    });

    it(`${example.name}: the stored row the aggregator makes of it`, async () => {
      const ping = makePing({ histograms: { [example.name]: histogram(example.ping_histogram.values, 0) } });
      const [row, ...others] = rowsOf((await aggregate([ping])).output, 'build_id', example.name);
      expect(others).toHaveLength(0);
      expect(row?.histogram).toEqual(example.dense_values);
    });
  }
});

describe('stored row widths of golden-buckets.json', () => {
  it('are the width of every golden histogram’s stored rows ([[COUNT]]_NAME for count histograms)', async () => {
    const histograms: Record<string, unknown> = {};
    const keyedHistograms: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(golden.histograms)) {
      const stored = entry.kind === 'count' ? histogram({}, 1, 4) : histogram({ '0': 1 }, 0);
      if (entry.keyed) keyedHistograms[name] = { key: stored };
      else histograms[name] = stored;
    }
    const { output } = await aggregate([makePing({ histograms, keyedHistograms })]);
    for (const [name, entry] of Object.entries(golden.histograms)) {
      const rows = rowsOf(output, 'build_id', entry.kind === 'count' ? countHistogramMetric(name) : name);
      expect([name, rows.map((row) => row.histogram.length)]).toEqual([name, [entry.stored_histogram_length]]);
    }
  });
});
