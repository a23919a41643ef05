/** The dashboard's pure parts: URL state, what the charts plot, units, locales (worker/src/dashboard/client). */
import { describe, expect, it } from 'vitest';
import { FALLBACK_LOCALE, validLocale } from '../../worker/src/dashboard/client/locale';
import type { ApiData } from '../../worker/src/dashboard/client/series';
import {
  bucketName,
  displayDate,
  distribution,
  everyNth,
  evolution,
  formatNumber,
  labelsOf,
  merge,
} from '../../worker/src/dashboard/client/series';
import { dataQuery, emptyState, parseState, reloadStepOf, Step, stateToSearch } from '../../worker/src/dashboard/client/state';
import { unitOf, withUnit } from '../../worker/src/dashboard/client/units';

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

  it('knows which load step going from one state to another needs (Back and Forward)', () => {
    const base = parseState('?prefix=build_id&channel=nightly&version=54&metric=GC_MS&os=Linux&date=20170120');
    const stepTo = (search: string) => reloadStepOf(base, parseState(`?prefix=build_id&channel=nightly&version=54&${search}`));
    expect(stepTo('metric=GC_MS&os=Linux&date=20170120')).toBeNull();
    expect(stepTo('metric=GC_MS&os=Linux&date=20170121')).toBe('render');
    expect(stepTo('metric=GC_MS&os=Linux&date=20170120&label=a')).toBe('render');
    expect(stepTo('metric=GC_MS&date=20170120')).toBe(Step.Data);
    expect(stepTo('metric=GC_OTHER&os=Linux&date=20170120')).toBe(Step.Data);
    expect(reloadStepOf(base, { ...base, version: '55' })).toBe(Step.Versions);
    expect(reloadStepOf(base, { ...base, channel: 'beta', version: '55' })).toBe(Step.Versions);
    expect(reloadStepOf(base, { ...base, prefix: 'submission_date', channel: 'beta' })).toBe(Step.Channels);
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
    expect(shown).toMatchObject({
      axis: 'bucket (lower bound)',
      labels: ['0', '10', '20', '30'],
      percents: [20, 40, 20, 20],
      samples: 10,
      submissions: 3,
    });
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
      { bucket: 'true', values: [75] },
      { bucket: 'false', values: [25] },
    ]);
  });

  it('names boolean and flag buckets false and true, leaving out their empty overflow cell', () => {
    const row = (histogram: number[]) => ({ date: '20170120', label: '', histogram, count: 1, sum: 0 });
    const flag: ApiData = { buckets: [0, 1], kind: 'flag', description: '', data: [row([1, 3, 0])] };
    const boolean: ApiData = { buckets: [0, 1, 2], kind: 'boolean', description: '', data: [row([2, 2, 0])] };
    expect(distribution(flag, '', '')).toMatchObject({ axis: 'bucket', labels: ['false', 'true'], percents: [25, 75] });
    expect(distribution(boolean, '', '')).toMatchObject({ labels: ['false', 'true'], percents: [50, 50] });
    // Samples in the overflow cell are never hidden.
    expect(distribution({ ...boolean, data: [row([1, 2, 1])] }, '', '').labels).toEqual(['false', 'true', '#2']);
    const enumerated: ApiData = { buckets: [0, 1, 2], kind: 'enumerated', description: '', data: [row([1, 0, 1, 0])] };
    expect(distribution(enumerated, '', '').labels).toEqual(['0', '1', '2']);
    expect([0, 1, 2].map((i) => bucketName(enumerated, i))).toEqual(['0', '1', '2']);
    const categorical: ApiData = { buckets: ['a', 'b'], kind: 'categorical', description: '', data: [row([1, 1])] };
    expect(bucketName(categorical, 1)).toBe('b');
    expect(bucketName(categorical, 2)).toBe('#2');
  });

  it('writes dates one way: 2017-01-20', () => {
    expect(displayDate('20170120')).toBe('2017-01-20');
    expect(displayDate('')).toBe('');
    expect(displayDate('2017')).toBe('2017');
  });

  it('labels every nth bar, from the first', () => {
    expect(everyNth(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(everyNth(50, 12)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45]);
    expect(everyNth(3, 1)).toEqual([0]);
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

describe('units', () => {
  const cases: [why: string, metric: string, kind: string, description: string, unit: string][] = [
    ['name suffix', 'GC_MAX_PAUSE_MS', 'linear', 'Longest GC slice in a GC', 'ms'],
    ['name suffix', 'SOME_TIME_US', 'exponential', '', 'µs'],
    ['name suffix', 'UPDATE_CHECK_SECONDS', 'exponential', '', 's'],
    ['name suffix', 'DOWNLOAD_BYTES', 'exponential', '', 'bytes'],
    ['name suffix', 'MEMORY_KB', 'exponential', '', 'KB'],
    ['name suffix', 'SCALARS_A.B_MB', 'exponential', '', 'MB'],
    ['description', 'CYCLE_COLLECTOR', 'exponential', 'Time spent on one cycle collection (ms)', 'ms'],
    ['description', 'X', 'exponential', 'Time needed (in ms) for a failed send', 'ms'],
    ['description', 'X', 'exponential', 'Time(msec) spent on reading', 'ms'],
    ['description', 'COMPOSITE_TIME', 'exponential', 'Composite times in milliseconds', 'ms'],
    ['description', 'X', 'exponential', 'ms of SSL wait time', 'ms'],
    ['description', 'X', 'exponential', 'Gradient generation time (us)', 'µs'],
    ['description', 'X', 'linear', 'Time between collections (seconds)', 's'],
    ['description', 'X', 'linear', 'Size (in MB) of a cache', 'MB'],
    ['description', 'X', 'linear', 'Resident memory size (KB)', 'KB'],
    ['description', 'X', 'linear', 'Cache overhead (Bytes)', 'bytes'],
    ['never guessed', 'IPC_MESSAGE_SIZE', 'exponential', 'Measures the size of IPC messages by message name', ''],
    ['never guessed', 'DISPLAY_SCALING_MSWIN', 'linear', 'Scaling percentage (MS Windows only)', ''],
    ['never guessed', 'X', 'linear', 'Loss on inbound video (permille)', ''],
    ['measurements only', 'CREATE_EVENT_EVENTS_MS', 'count', 'called (ms)', ''],
    ['measurements only', 'A_FLAG_MS', 'flag', '', ''],
    ['measurements only', 'A_BOOL_MS', 'boolean', '', ''],
    ['measurements only', 'E_MS', 'enumerated', '', ''],
    ['measurements only', 'C_MS', 'categorical', '', ''],
  ];

  it.each(cases)('%s: %s (%s, "%s") is in "%s"', (_why, metric, kind, description, unit) => {
    expect(unitOf(metric, kind, description)).toBe(unit);
  });

  it('follow a value, but not a missing one', () => {
    expect(withUnit('35', 'ms')).toBe('35 ms');
    expect(withUnit('35', '')).toBe('35');
    expect(withUnit('–', 'ms')).toBe('–');
  });
});

describe('locales', () => {
  it('keeps valid language tags', () => {
    expect(validLocale('de-DE')).toBe('de-DE');
    expect(validLocale('en-us')).toBe('en-US');
  });

  it('turns POSIX locales into one Intl accepts (headless Chromium under LANG=C.UTF-8 says en-US@posix)', () => {
    expect(() => new Intl.NumberFormat('en-US@posix')).toThrow(RangeError);
    expect(validLocale('en-US@posix')).toBe('en-US');
    expect(validLocale('de_DE.UTF-8@euro')).toBe('de-DE');
    expect(() => new Intl.NumberFormat(validLocale('en-US@posix'))).not.toThrow();
  });

  it('falls back when nothing usable is left', () => {
    for (const tag of ['C', 'POSIX', '', '@@', 'not a locale', undefined, null])
      expect(validLocale(tag), String(tag)).toBe(FALLBACK_LOCALE);
    expect(validLocale('C.UTF-8', 'fr-FR')).toBe('fr-FR');
  });
});
