/** Statistics of merged histograms (worker/src/stats), against values computed by hand. */
import { describe, expect, it } from 'vitest';
import { withStats } from '../../../worker/src/stats/data-rows';
import { bucketBounds, entryStats, percentile, sampleCount } from '../../../worker/src/stats/histogram-stats';
import { DEFAULT_STATS, parseStatNames, STATS_USAGE } from '../../../worker/src/stats/stat-names';

const ALL = DEFAULT_STATS;

describe('parseStatNames', () => {
  it('accepts mean and percentiles 0..100 with up to two decimals, in request order, once each', () => {
    expect(parseStatNames('mean,p5,p25,p50,p75,p95')).toEqual({ ok: true, names: ['mean', 'p5', 'p25', 'p50', 'p75', 'p95'] });
    expect(parseStatNames(' p99.9 ,p0,p100,mean,p0,')).toEqual({ ok: true, names: ['p99.9', 'p0', 'p100', 'mean'] });
  });

  it('rejects anything else, and an empty list', () => {
    for (const bad of ['p101', 'p100.5', 'p-1', 'median', 'p', 'p1.234', 'MEAN', 'p50,max']) {
      const result = parseStatNames(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.message).toContain('Unknown statistic');
    }
    expect(parseStatNames('')).toEqual({ ok: false, message: STATS_USAGE });
    expect(parseStatNames(',')).toEqual({ ok: false, message: STATS_USAGE });
    expect(parseStatNames(Array.from({ length: 21 }, (_, i) => `p${i}`).join(','))).toEqual({ ok: false, message: STATS_USAGE });
  });
});

describe('bucketBounds', () => {
  it('extends the labels by one bucket as telemetry.js lastBucketUpper does', () => {
    expect(bucketBounds([0, 10, 20, 30], 'linear', 4)).toEqual([0, 10, 20, 30, 40]);
    expect(bucketBounds([0, 1, 2, 4, 8], 'exponential', 5)).toEqual([0, 1, 2, 4, 8, 16]);
    expect(bucketBounds([0, 1, 2], 'enumerated', 3)).toEqual([0, 1, 2, 3]);
    expect(bucketBounds([5], 'linear', 1)).toEqual([5, 6]);
  });

  it('keeps going past the labels when a histogram is longer, and stops short when it is shorter', () => {
    expect(bucketBounds([0, 10, 20], 'linear', 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(bucketBounds([0, 1, 2, 4, 8], 'exponential', 2)).toEqual([0, 1, 2]);
  });

  it('falls back to a linear step when the ratio cannot be taken (labels [0, x])', () => {
    expect(bucketBounds([0, 3], 'exponential', 2)).toEqual([0, 3, 6]);
  });

  it('is null for category labels', () => {
    expect(bucketBounds(['general', 'spill'], 'linear', 2)).toBeNull();
    expect(bucketBounds([], 'linear', 0)).toBeNull();
  });
});

describe('percentiles and mean by hand', () => {
  // Linear buckets [0,10) [10,20) [20,30) [30,40): 10 samples, sum 150.
  const linear = { kind: 'linear', buckets: [0, 10, 20, 30] };
  const entry = { histogram: [2, 4, 2, 2], sum: 150 };

  it('interpolates linearly inside the bucket that holds the percentile', () => {
    // p5: 0.5 of 10 samples -> bucket 0 (2 samples), 0.5/2 of the way: 0 + 10 * 0.25
    // p25: 2.5 -> bucket 1 (after 2), 0.5/4 of the way: 10 + 10 * 0.125
    // p50: 5 -> bucket 1, 3/4 of the way: 17.5
    // p75: 7.5 -> bucket 2 (after 6), 1.5/2: 27.5
    // p95: 9.5 -> bucket 3 (after 8), 1.5/2 of [30, 40): 37.5
    expect(entryStats(entry, linear, ALL)).toEqual({ mean: 15, p5: 2.5, p25: 11.25, p50: 17.5, p75: 27.5, p95: 37.5 });
  });

  it('p0 is the lower bound of the first non-empty bucket, p100 the upper bound of the last', () => {
    expect(entryStats({ histogram: [0, 3, 1, 0], sum: 50 }, linear, ['p0', 'p100'])).toEqual({ p0: 10, p100: 30 });
  });

  it("a percentile that ends a bucket exactly is that bucket's upper bound (empty buckets skipped)", () => {
    expect(percentile([1, 0, 1], [0, 1, 2, 3], 50)).toBe(1);
    expect(percentile([1, 0, 1], [0, 1, 2, 3], 51)).toBeCloseTo(2.02, 12);
  });

  it('everything in the first bucket', () => {
    const stats = entryStats({ histogram: [6, 0, 0, 0, 0], sum: 0 }, { kind: 'exponential', buckets: [0, 1, 2, 4, 8] }, ALL);
    expect(stats).toEqual({ mean: 0, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95 });
  });

  it('everything in the overflow bucket: [8, 16) for exponential labels ending 4, 8', () => {
    const stats = entryStats({ histogram: [0, 0, 0, 0, 6], sum: 60 }, { kind: 'exponential', buckets: [0, 1, 2, 4, 8] }, ALL);
    expect(stats.mean).toBe(10);
    expect(stats.p5).toBeCloseTo(8.4, 12);
    expect(stats.p25).toBe(10);
    expect(stats.p50).toBe(12);
    expect(stats.p75).toBe(14);
    expect(stats.p95).toBeCloseTo(15.6, 12);
  });

  it('everything in the overflow bucket of linear labels: one more step of the last width', () => {
    expect(entryStats({ histogram: [0, 0, 0, 4], sum: 130 }, linear, ['p50', 'mean'])).toEqual({ p50: 35, mean: 32.5 });
  });

  it('an empty histogram gives nulls', () => {
    expect(entryStats({ histogram: [0, 0, 0, 0], sum: 0 }, linear, ALL)).toEqual({
      mean: null,
      p5: null,
      p25: null,
      p50: null,
      p75: null,
      p95: null,
    });
    expect(entryStats({ histogram: [], sum: 0 }, linear, ['p50'])).toEqual({ p50: null });
  });

  it('the mean is sum / samples even when the samples are not at bucket centres', () => {
    expect(entryStats({ histogram: [0, 3, 0, 0], sum: 31 }, linear, ['mean']).mean).toBe(10.3333333333);
  });

  it('percentiles are null (the mean is not) for numeric kinds with non-numeric labels', () => {
    expect(entryStats({ histogram: [1, 1], sum: 4 }, { kind: 'linear', buckets: ['a', 'b'] }, ['mean', 'p50'])).toEqual({
      mean: 2,
      p50: null,
    });
  });
});

describe('kinds with proportions only', () => {
  it('categorical: requested statistics are null, proportions are count / samples', () => {
    const stats = entryStats({ histogram: [3, 1, 0], sum: 1 }, { kind: 'categorical', buckets: ['general', 'search', 'spill'] }, [
      'mean',
      'p50',
    ]);
    expect(stats).toEqual({ mean: null, p50: null, proportions: [0.75, 0.25, 0] });
  });

  it('flag: three cells for two labels, all three get a proportion', () => {
    expect(entryStats({ histogram: [2, 6, 0], sum: 6 }, { kind: 'flag', buckets: [0, 1] }, ['p50'])).toEqual({
      p50: null,
      proportions: [0.25, 0.75, 0],
    });
  });

  it('boolean (use counters): empty gives proportions null', () => {
    expect(entryStats({ histogram: [0, 0, 0], sum: 0 }, { kind: 'boolean', buckets: [0, 1, 2] }, ['mean'])).toEqual({
      mean: null,
      proportions: null,
    });
    expect(entryStats({ histogram: [9, 1, 0], sum: 1 }, { kind: 'boolean', buckets: [0, 1, 2] }, ['mean'])).toEqual({
      mean: null,
      proportions: [0.9, 0.1, 0],
    });
  });
});

describe('samples and rows', () => {
  it('counts samples exactly, past 2^53', () => {
    expect(sampleCount([2n ** 60n, 1, 2])).toBe(2n ** 60n + 3n);
    expect(sampleCount([1, 2, 3])).toBe(6);
  });

  it('puts samples beside count and stats last', () => {
    const rows = withStats(
      [{ date: '20170120', label: '', histogram: [2, 4, 2, 2], count: 3, sum: 150 }],
      { kind: 'linear', buckets: [0, 10, 20, 30] },
      ['p50'],
    );
    expect(JSON.stringify(rows)).toBe(
      '[{"date":"20170120","label":"","histogram":[2,4,2,2],"count":3,"samples":10,"sum":150,"stats":{"p50":17.5}}]',
    );
  });
});
