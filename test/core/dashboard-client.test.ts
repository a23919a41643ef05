/** The dashboard's pure parts: URL state and what the charts plot (worker/src/dashboard/client). */
import { describe, expect, it } from 'vitest';
import type { ApiData } from '../../worker/src/dashboard/client/series';
import { distribution, evolution, formatNumber, labelsOf, merge } from '../../worker/src/dashboard/client/series';
import { dataQuery, emptyState, parseState, stateToSearch } from '../../worker/src/dashboard/client/state';

describe('URL state', () => {
  it('round-trips every field, in a fixed order, leaving empty ones out', () => {
    const search =
      'prefix=submission_date&channel=beta&version=54&metric=GC_MS&os=Windows_NT&osVersion=10.0&child=content&label=a+b&date=20170120';
    const state = parseState(`?${search}`);
    expect(state).toEqual({
      prefix: 'submission_date',
      channel: 'beta',
      version: '54',
      metric: 'GC_MS',
      filters: { os: 'Windows_NT', osVersion: '10.0', child: 'content' },
      label: 'a b',
      date: '20170120',
    });
    expect(stateToSearch(state)).toBe(search);
    expect(parseState(`?${stateToSearch(state)}`)).toEqual(state);
  });

  it('ignores unknown keys and a bad prefix; the token is never part of it', () => {
    expect(parseState('?prefix=nope&token=secret&foo=1')).toEqual(emptyState());
    expect(stateToSearch(emptyState())).toBe('prefix=build_id');
  });

  it('builds the data query (label only when asked)', () => {
    const state = parseState('?metric=GC_MS&version=54&child=content&label=X');
    expect(dataQuery(state, ['20170120', '20170121'])).toBe('version=54&dates=20170120%2C20170121&metric=GC_MS&child=content');
    expect(dataQuery(state, ['20170120'], { format: 'csv' }, true)).toBe(
      'version=54&dates=20170120&metric=GC_MS&child=content&label=X&format=csv',
    );
  });
});

const linear: ApiData = {
  buckets: [0, 10, 20, 30],
  kind: 'linear',
  description: 'd',
  data: [
    { date: '20170121', label: 'a', histogram: [2, 4, 2, 2], count: 3, sum: 150 },
    { date: '20170120', label: 'a', histogram: [1, 0, 0, 0], count: 1, sum: 1 },
    { date: '20170120', label: 'b', histogram: [0, 0, 0, 1], count: 1, sum: 35 },
  ],
};

describe('series', () => {
  it('merges labels and dates', () => {
    expect(labelsOf(linear)).toEqual(['a', 'b']);
    expect(merge(linear, '')).toEqual({ histogram: [3, 4, 2, 3], count: 5, sum: 186 });
    expect(merge(linear, 'a', '20170120')).toEqual({ histogram: [1, 0, 0, 0], count: 1, sum: 1 });
  });

  it("the distribution is each bucket's share of the samples, with the median", () => {
    const shown = distribution(linear, 'a', '20170121');
    expect(shown).toMatchObject({ labels: ['0', '10', '20', '30'], percents: [20, 40, 20, 20], samples: 10, submissions: 3 });
    expect(shown.stats).toEqual({ mean: 15, p50: 17.5 });
  });

  it('the evolution has one point per date, oldest first', () => {
    const evolved = evolution(linear, '');
    expect(evolved.dates).toEqual(['20170120', '20170121']);
    expect(evolved.times).toEqual([Date.UTC(2017, 0, 20) / 1000, Date.UTC(2017, 0, 21) / 1000]);
    expect(evolved.submissions).toEqual([2, 3]);
    expect(evolved.samples).toEqual([2, 10]);
    expect(evolved.stats.p50).toEqual([10, 17.5]);
    expect(evolved.shares).toEqual([]);
  });

  it('proportion kinds get the shares of their most common buckets instead', () => {
    const flags: ApiData = {
      buckets: [0, 1],
      kind: 'flag',
      description: '',
      data: [{ date: '20170120', label: '', histogram: [1, 3, 0], count: 4, sum: 3 }],
    };
    const evolved = evolution(flags, '');
    expect(evolved.stats).toEqual({});
    expect(evolved.shares).toEqual([
      { bucket: '1', values: [75] },
      { bucket: '0', values: [25] },
    ]);
  });

  it('formats numbers briefly', () => {
    expect([formatNumber(1234567.8), formatNumber(0.123456), formatNumber(null), formatNumber(17.5)]).toEqual([
      '1,234,568',
      '0.123',
      '–',
      '17.5',
    ]);
  });
});
