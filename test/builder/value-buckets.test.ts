/** The fixed label lists of count histograms, numeric scalars and simple measures, and which label a value counts in. */
import { describe, expect, it } from 'vitest';
import {
  bucketIndexForValue,
  COUNT_HISTOGRAM_LABELS,
  COUNT_LABELS_SPEC,
  NUMERIC_SCALARS_LABELS,
  SIMPLE_MEASURES_LABELS,
  SIMPLE_MEASURES_SPEC,
} from '../../builder/src/aggregate/value-buckets';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import { loadGolden } from '../helpers/reference-buckets';

const golden = loadGolden();

describe('fixed label lists', () => {
  it('match the labels of the original aggregator', () => {
    expect(COUNT_HISTOGRAM_LABELS).toEqual(golden.count_histogram_labels);
    expect(NUMERIC_SCALARS_LABELS).toEqual(golden.numeric_scalars_labels);
    expect(SIMPLE_MEASURES_LABELS).toEqual(golden.simple_measures_labels);
    expect(COUNT_HISTOGRAM_LABELS).toHaveLength(100);
    expect(SIMPLE_MEASURES_LABELS).toHaveLength(50);
  });

  it('are what the worker expands the published bucket specs to', () => {
    expect(expandBuckets(COUNT_LABELS_SPEC)).toEqual(golden.count_histogram_labels);
    expect(expandBuckets(SIMPLE_MEASURES_SPEC)).toEqual(golden.simple_measures_labels);
  });

  it('are frozen', () => {
    expect(Object.isFrozen(COUNT_HISTOGRAM_LABELS)).toBe(true);
    expect(Object.isFrozen(SIMPLE_MEASURES_LABELS)).toBe(true);
  });
});

describe('bucketIndexForValue', () => {
  const labels = [5, 10, 20, 40];

  it('finds the largest label <= value', () => {
    expect(bucketIndexForValue(labels, 5)).toBe(0);
    expect(bucketIndexForValue(labels, 9.99)).toBe(0);
    expect(bucketIndexForValue(labels, 10)).toBe(1);
    expect(bucketIndexForValue(labels, 39)).toBe(2);
    expect(bucketIndexForValue(labels, 40)).toBe(3);
    expect(bucketIndexForValue(labels, 1e12)).toBe(3);
    expect(bucketIndexForValue(labels, Infinity)).toBe(3);
  });

  it('uses the first label when the value is below every label or NaN', () => {
    expect(bucketIndexForValue(labels, 4)).toBe(0);
    expect(bucketIndexForValue(labels, -1)).toBe(0);
    expect(bucketIndexForValue(labels, -Infinity)).toBe(0);
    expect(bucketIndexForValue(labels, NaN)).toBe(0);
  });

  it('handles tiny and repeated label lists', () => {
    expect(bucketIndexForValue([], 3)).toBe(-1);
    expect(bucketIndexForValue([0], 3)).toBe(0);
    expect(bucketIndexForValue([0, 1, 1, 2], 1)).toBe(2);
  });

  it('agrees with a linear scan over the count labels', () => {
    const linearScan = (value: number): number => {
      for (let i = COUNT_HISTOGRAM_LABELS.length - 1; i >= 0; i--) {
        if (value >= (COUNT_HISTOGRAM_LABELS[i] as number)) return i;
      }
      return 0;
    };
    for (let value = -2; value <= 10_050; value += 0.5) {
      expect(bucketIndexForValue(COUNT_HISTOGRAM_LABELS, value)).toBe(linearScan(value));
    }
    expect(bucketIndexForValue(SIMPLE_MEASURES_LABELS, 24592)).toBe(47);
    expect(bucketIndexForValue(SIMPLE_MEASURES_LABELS, 24593)).toBe(48);
  });
});
