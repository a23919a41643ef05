import { describe, expect, it } from 'vitest';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import { periodOf } from '../../worker/src/core/calendar-date';
import { emptyFilters, mergeChannels, mergeDates, mergeFilters, mergeManifests, mergeMetrics } from '../../worker/src/core/index-objects';
import { channelsKey, datesKey, filtersKey, manifestKey, metricsKey, shardKey } from '../../worker/src/core/storage-keys';
import { loadGolden } from '../helpers/reference-buckets';

describe('index objects', () => {
  it('merges channels and dates as sorted unions, newest date first', () => {
    expect(mergeChannels(['nightly'], ['beta', 'nightly'])).toEqual(['beta', 'nightly']);
    const dates = mergeDates(
      [
        { date: '20170101', version: '53' },
        { date: '20170103', version: '54' },
      ],
      [
        { date: '20170103', version: '54' },
        { date: '20170103', version: '9' },
        { date: '20170102', version: '54' },
      ],
    );
    expect(dates).toEqual([
      { date: '20170103', version: '54' },
      { date: '20170103', version: '9' },
      { date: '20170102', version: '54' },
      { date: '20170101', version: '53' },
    ]);
  });

  it('merges manifests per metric and period, the newer revision winning', () => {
    const merged = mergeManifests(
      { metrics: { A: { '201701': 'r1' }, B: { '201612': 'x' } } },
      { metrics: { A: { '201701': 'r2', '201702': 'r3' } } },
    );
    expect(merged).toEqual({ metrics: { A: { '201701': 'r2', '201702': 'r3' }, B: { '201612': 'x' } } });
  });

  it('merges filter options and metric metadata', () => {
    const a = { ...emptyFilters(), application: ['Firefox'], os: ['Linux,4.4'] };
    const b = { ...emptyFilters(), application: ['Fennec', 'Firefox'], e10sEnabled: ['true'] };
    expect(mergeFilters(a, b)).toMatchObject({ application: ['Fennec', 'Firefox'], os: ['Linux,4.4'], e10sEnabled: ['true'] });
    const info = { kind: 'linear', description: 'new', buckets: { list: [0, 1] } };
    expect(mergeMetrics({ metrics: { A: { ...info, description: 'old' } } }, { metrics: { A: info } }).metrics.A?.description).toBe('new');
  });

  it('lists the definition files of both metrics indexes once each, sorted; adds none to an index without them', () => {
    const source = (file: string, sha256 = 'aa') => ({ file, sha256 });
    const older = { metrics: {}, definitions: { histograms: [source('b'), source('a')], scalars: [source('s')] } };
    const newer = { metrics: {}, definitions: { histograms: [source('a'), source('a', 'bb')], scalars: [source('s')] } };
    expect(mergeMetrics(older, newer).definitions).toEqual({
      histograms: [source('a'), source('a', 'bb'), source('b')],
      scalars: [source('s')],
    });
    expect(mergeMetrics({ metrics: {} }, newer).definitions).toEqual({
      histograms: [source('a'), source('a', 'bb')],
      scalars: [source('s')],
    });
    expect(mergeMetrics(older, { metrics: {} }).definitions).toEqual({ histograms: [source('a'), source('b')], scalars: [source('s')] });
    expect('definitions' in mergeMetrics({ metrics: {} }, { metrics: {} })).toBe(false);
  });

  it('expands compact bucket specs', () => {
    expect(expandBuckets({ exponential: [1, 10000, 100] })).toEqual(loadGolden().count_histogram_labels);
    expect(expandBuckets({ exponential: [1, 30000, 50] })).toEqual(loadGolden().simple_measures_labels);
    expect(expandBuckets({ linear: [1, 100, 10] })).toEqual([0, 1, 13, 26, 38, 51, 63, 75, 88, 100]);
    expect(expandBuckets({ list: ['a', 'spill'] })).toEqual(['a', 'spill']);
  });

  it('lays keys out as prefix / channel / version / period / metric under v1', () => {
    expect(shardKey('build_id', 'nightly', '54', periodOf('20170130'), 'GC_MS')).toBe('v1/build_id/nightly/54/201701/GC_MS');
    expect(channelsKey('submission_date')).toBe('v1/submission_date/channels.json');
    expect(datesKey('build_id', 'beta')).toBe('v1/build_id/beta/dates.json');
    expect(manifestKey('build_id', 'beta', '52')).toBe('v1/build_id/beta/52/manifest.json');
    expect(filtersKey('beta', '52')).toBe('v1/meta/beta/52/filters.json');
    expect(metricsKey('beta', '52')).toBe('v1/meta/beta/52/metrics.json');
  });
});
