/** The pure request pipeline: query parsing, metric resolution, shard planning, summing, use counters. */
import { describe, expect, it } from 'vitest';
import type { ExactInt } from '../../../worker/src/core/exact-int';
import type { MetricsIndex } from '../../../worker/src/core/index-objects';
import type { ShardRow } from '../../../worker/src/core/shard';
import { decodeShard, encodeShard } from '../../../worker/src/core/shard-codec';
import type { SumsByDate } from '../../../worker/src/query/aggregate';
import { accumulateShard, toDataRows } from '../../../worker/src/query/aggregate';
import { resolveMetric } from '../../../worker/src/query/metric-definition';
import { MAX_PARAMETER_BYTES, parseDataQuery, tooLong } from '../../../worker/src/query/params';

// The original service's messages, word for word.
const MISSING_PARAMETERS_MESSAGE = 'Missing date or version or metric. All three are required.';
const SCALAR_NOT_FOUND_MESSAGE = 'Cannot find this scalar definition.';
const HISTOGRAM_NOT_FOUND_MESSAGE = 'Cannot find this histogram definition.';

import { datesByPeriod, planShardReads } from '../../../worker/src/query/plan';
import { readAheadMetrics } from '../../../worker/src/query/read-ahead';
import { joinUseCounter } from '../../../worker/src/query/use-counter';

const PATH = '/aggregates_by/build_id/channels/nightly/';

describe('parseDataQuery', () => {
  it('reads version, dates (raw commas or %2C, duplicates dropped) and metric', () => {
    for (const search of [
      'version=54&dates=20170130,20170131,20170130&metric=GC_MS',
      'version=54&dates=20170130%2C20170131&metric=GC_MS',
    ]) {
      const result = parseDataQuery(PATH, new URLSearchParams(search));
      expect(result).toEqual({ ok: true, query: { version: '54', dates: ['20170130', '20170131'], metric: 'GC_MS', filter: {} } });
    }
  });

  it('maps child content/parent/gpu and the legacy true/false, and keeps the other filters verbatim', () => {
    const parse = (child: string) => {
      const result = parseDataQuery(
        PATH,
        new URLSearchParams(
          `version=54&dates=20170130&metric=M&child=${child}&os=Windows_NT&osVersion=6.1&label=a%20b&e10sEnabled=true&application=Firefox&architecture=x86`,
        ),
      );
      if (!result.ok) throw new Error('not ok');
      return result.query.filter;
    };
    expect(parse('true').child).toBe('content');
    expect(parse('false').child).toBe('parent');
    expect(parse('gpu').child).toBe('gpu');
    expect(parse('content')).toEqual({
      application: 'Firefox',
      architecture: 'x86',
      os: 'Windows_NT',
      osVersion: '6.1',
      e10sEnabled: 'true',
      child: 'content',
      label: 'a b',
    });
  });

  it('uses the first value of a repeated key', () => {
    const result = parseDataQuery(PATH, new URLSearchParams('version=54&version=55&dates=20170130&metric=A&metric=B&os=Linux&os=Darwin'));
    expect(result).toMatchObject({ ok: true, query: { version: '54', metric: 'A', filter: { os: 'Linux' } } });
  });

  it('answers 404 when version, dates or metric is missing or empty', () => {
    for (const search of [
      'dates=20170130&metric=M',
      'version=54&metric=M',
      'version=54&dates=20170130',
      'version=54&dates=&metric=M',
      'version=&dates=1&metric=M',
      'version=54&dates=,&metric=M',
    ]) {
      expect(parseDataQuery(PATH, new URLSearchParams(search))).toEqual({ ok: false, status: 404, message: MISSING_PARAMETERS_MESSAGE });
    }
  });

  it('answers 404 at once for a metric, filter value, version or date longer than 256 UTF-8 bytes, as for an unknown one', () => {
    const parse = (search: Record<string, string>) =>
      parseDataQuery(PATH, new URLSearchParams({ version: '54', dates: '20170130', metric: 'GC_MS', ...search }));
    const longest = `H${'X'.repeat(MAX_PARAMETER_BYTES - 1)}`;
    expect(MAX_PARAMETER_BYTES).toBe(256);
    expect(parse({ metric: longest })).toMatchObject({ ok: true, query: { metric: longest } });
    expect(parse({ metric: `${longest}X` })).toEqual({ ok: false, status: 404, message: HISTOGRAM_NOT_FOUND_MESSAGE });
    expect(parse({ metric: `SCALARS_${longest}` })).toEqual({ ok: false, status: 404, message: SCALAR_NOT_FOUND_MESSAGE });
    expect(parse({ metric: `SIMPLE_MEASURES_${'Y'.repeat(16_000)}` })).toEqual({
      ok: false,
      status: 404,
      message: SCALAR_NOT_FOUND_MESSAGE,
    });
    // Bytes, not characters: 86 three-byte characters are 258 bytes.
    expect(parse({ metric: '€'.repeat(85) })).toMatchObject({ ok: true });
    expect(parse({ metric: '€'.repeat(86) })).toEqual({ ok: false, status: 404, message: HISTOGRAM_NOT_FOUND_MESSAGE });
    const noData = { ok: false, status: 404, message: 'No data found for this metric.' };
    for (const key of ['label', 'os', 'osVersion', 'application', 'architecture', 'child', 'e10sEnabled', 'version']) {
      expect(parse({ [key]: longest }), key).toMatchObject({ ok: true });
      expect(parse({ [key]: `${longest}X` }), key).toEqual(noData);
    }
    expect(parse({ dates: `20170130,${'1'.repeat(257)}` })).toEqual(noData);
    // Many dates are fine: the limit is per value.
    expect(parse({ dates: Array.from({ length: 400 }, (_, i) => String(20160101 + i)).join(',') })).toMatchObject({ ok: true });
  });

  it('tooLong counts UTF-8 bytes', () => {
    expect(tooLong('')).toBe(false);
    expect(tooLong('a'.repeat(256))).toBe(false);
    expect(tooLong('a'.repeat(257))).toBe(true);
    expect(tooLong('é'.repeat(128))).toBe(false);
    expect(tooLong('é'.repeat(129))).toBe(true);
    expect(tooLong('😀'.repeat(64))).toBe(false);
    expect(tooLong('😀'.repeat(65))).toBe(true);
  });

  it('answers 405 for unknown keys, with the URL minus those keys as Allow', () => {
    const result = parseDataQuery(PATH, new URLSearchParams('version=54&foo=bar&dates=20170130,20170131&metric=M&os=Linux&bar=1&foo=baz'));
    expect(result).toEqual({
      ok: false,
      status: 405,
      unknownKeys: ['foo', 'bar'],
      allow: `${PATH}?version=54&dates=20170130%2C20170131&metric=M&os=Linux`,
    });
  });
});

describe('resolveMetric', () => {
  const metrics: MetricsIndex = {
    metrics: {
      GC_MS: { kind: 'exponential', description: 'GC time', buckets: { exponential: [1, 10000, 50] } },
      CREATE_EVENT_EVENTS: { kind: 'count', description: 'events', buckets: { exponential: [1, 10000, 100] } },
      A11Y_INSTANTIATED_FLAG: { kind: 'flag', description: 'flag', buckets: { list: [0, 1] } },
      FX_PREFERENCES_CATEGORY_OPENED: { kind: 'categorical', description: 'c', buckets: { list: ['general', 'search', 'spill'] } },
      USE_COUNTER2_KNOWN_PAGE: { kind: 'boolean', description: 'known', buckets: { list: [0, 1, 2] } },
      'SCALARS_BROWSER.ENGAGEMENT.TAB_OPEN_EVENT_COUNT': {
        kind: 'exponential',
        description: 'tabs',
        buckets: { exponential: [1, 10000, 100] },
      },
    },
  };

  it('reads count histograms under [[COUNT]]_ and expands buckets', () => {
    const result = resolveMetric('CREATE_EVENT_EVENTS', metrics);
    expect(result).toMatchObject({
      ok: true,
      definition: { storedName: '[[COUNT]]_CREATE_EVENT_EVENTS', kind: 'count', description: 'events' },
    });
    if (result.ok) expect(result.definition.buckets).toHaveLength(100);
    expect(resolveMetric('GC_MS', metrics)).toMatchObject({ ok: true, definition: { storedName: 'GC_MS', kind: 'exponential' } });
    expect(resolveMetric('A11Y_INSTANTIATED_FLAG', metrics)).toMatchObject({ ok: true, definition: { buckets: [0, 1], kind: 'flag' } });
    expect(resolveMetric('FX_PREFERENCES_CATEGORY_OPENED', metrics)).toMatchObject({
      ok: true,
      definition: { buckets: ['general', 'search', 'spill'] },
    });
  });

  it('resolves use counters, known or not, with their denominator', () => {
    expect(resolveMetric('USE_COUNTER2_KNOWN_PAGE', metrics)).toMatchObject({
      ok: true,
      definition: {
        storedName: 'USE_COUNTER2_KNOWN_PAGE',
        description: 'known',
        denominator: '[[COUNT]]_TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED',
      },
    });
    expect(resolveMetric('USE_COUNTER2_SIR_NOT_APPEARING_IN_THIS_DOCUMENT', metrics)).toEqual({
      ok: true,
      definition: {
        name: 'USE_COUNTER2_SIR_NOT_APPEARING_IN_THIS_DOCUMENT',
        storedName: 'USE_COUNTER2_SIR_NOT_APPEARING_IN_THIS_DOCUMENT',
        kind: 'boolean',
        buckets: [0, 1, 2],
        description: '',
        denominator: '[[COUNT]]_CONTENT_DOCUMENTS_DESTROYED',
      },
    });
  });

  it('answers the original messages for unknown definitions', () => {
    expect(resolveMetric('SCALARS_NONEXISTENT', metrics)).toEqual({ ok: false, message: SCALAR_NOT_FOUND_MESSAGE });
    expect(resolveMetric('SIMPLE_MEASURES_NONEXISTENT', metrics)).toEqual({ ok: false, message: SCALAR_NOT_FOUND_MESSAGE });
    expect(resolveMetric('NONEXISTENT', metrics)).toEqual({ ok: false, message: HISTOGRAM_NOT_FOUND_MESSAGE });
    expect(resolveMetric('constructor', metrics)).toEqual({ ok: false, message: HISTOGRAM_NOT_FOUND_MESSAGE });
  });
});

describe('readAheadMetrics', () => {
  const kinds = new Map([
    ['GC_MS', 'exponential'],
    ['CREATE_EVENT_EVENTS', 'count'],
    ['SCALARS_A.COUNT', 'count'],
    ['USE_COUNTER2_KNOWN_PAGE', 'boolean'],
    ['USE_COUNTER2_KNOWN_DOCUMENT', 'boolean'],
    ['TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED', 'count'],
  ]);

  it('names only listed metrics, under their stored names', () => {
    expect(readAheadMetrics('GC_MS', kinds)).toEqual(['GC_MS']);
    expect(readAheadMetrics('CREATE_EVENT_EVENTS', kinds)).toEqual(['[[COUNT]]_CREATE_EVENT_EVENTS']);
    expect(readAheadMetrics('SCALARS_A.COUNT', kinds)).toEqual(['SCALARS_A.COUNT']);
    for (const name of ['NO_SUCH_METRIC', 'constructor', '__proto__', 'gc_ms', '[[COUNT]]_CREATE_EVENT_EVENTS']) {
      expect(readAheadMetrics(name, kinds), name).toEqual([]);
    }
  });

  it('names a use counter with its denominator when both are listed, and nothing for an unlisted one', () => {
    expect(readAheadMetrics('USE_COUNTER2_KNOWN_PAGE', kinds)).toEqual([
      'USE_COUNTER2_KNOWN_PAGE',
      '[[COUNT]]_TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED',
    ]);
    // CONTENT_DOCUMENTS_DESTROYED is not listed here.
    expect(readAheadMetrics('USE_COUNTER2_KNOWN_DOCUMENT', kinds)).toEqual(['USE_COUNTER2_KNOWN_DOCUMENT']);
    expect(readAheadMetrics('USE_COUNTER2_UNLISTED_PAGE', kinds)).toEqual([]);
  });
});

describe('planShardReads', () => {
  const manifest = { metrics: { GC_MS: { '201612': 'r12', '201701': 'r01' } } };
  const scope = { prefix: 'build_id' as const, channel: 'nightly', version: '54' };

  it('reads one shard per month the manifest lists, whatever the number of dates', () => {
    const dates = ['20170105', '20161231', '20170106', '20170201', '20161201', 'bogus', '2017010'];
    expect(datesByPeriod(dates)).toEqual(
      new Map([
        ['201701', ['20170105', '20170106']],
        ['201612', ['20161231', '20161201']],
        ['201702', ['20170201']],
      ]),
    );
    expect(planShardReads(scope, 'GC_MS', dates, manifest)).toEqual([
      { key: 'v1/build_id/nightly/54/201701/GC_MS', revision: 'r01', metric: 'GC_MS', period: '201701', dates: ['20170105', '20170106'] },
      { key: 'v1/build_id/nightly/54/201612/GC_MS', revision: 'r12', metric: 'GC_MS', period: '201612', dates: ['20161231', '20161201'] },
    ]);
    expect(planShardReads(scope, 'OTHER', dates, manifest)).toEqual([]);
    expect(planShardReads(scope, 'toString', dates, manifest)).toEqual([]);
  });
});

function row(date: string, overrides: Partial<ShardRow>, histogram: ExactInt[], sum: ExactInt, count: ExactInt): ShardRow {
  return {
    date,
    application: 'Firefox',
    architecture: 'x86-64',
    os: 'Windows_NT',
    osVersion: '10.0',
    e10sEnabled: 'true',
    child: 'parent',
    label: '',
    histogram,
    sum,
    count,
    ...overrides,
  };
}

function shardOf(rows: ShardRow[]) {
  return decodeShard(
    encodeShard({ prefix: 'build_id', channel: 'nightly', version: '54', period: '201701', metric: 'M', submissions: ['20170105'], rows }),
  );
}

describe('accumulateShard', () => {
  const shard = shardOf([
    row('20170105', {}, [1, 0, 2], 10, 1),
    row('20170105', { child: 'content' }, [0, 3, 0, 4], 20, 2),
    row('20170105', { child: 'content', e10sEnabled: '' }, [5], 1, 1),
    row('20170105', { label: 'b' }, [1], 1, 1),
    row('20170105', { label: 'a', os: 'Linux', osVersion: '4.4' }, [0, 1], 2, 1),
    row('20170106', {}, [0, 0, 0, 7], 70, 3),
    row('20170107', { child: 'gpu' }, [9, 9], 18, 2),
  ]);

  function sums(dates: string[], filter = {}): SumsByDate {
    const into: SumsByDate = new Map();
    accumulateShard(shard, dates, filter, into);
    return into;
  }

  it('sums matching rows element-wise per (date, label), zero-padding shorter histograms', () => {
    expect(toDataRows(['20170106', '20170105'], sums(['20170105', '20170106']))).toEqual([
      { date: '20170106', label: '', histogram: [0, 0, 0, 7], sum: 70, count: 3 },
      { date: '20170105', label: '', histogram: [6, 3, 2, 4], sum: 31, count: 4 },
      { date: '20170105', label: 'a', histogram: [0, 1], sum: 2, count: 1 },
      { date: '20170105', label: 'b', histogram: [1], sum: 1, count: 1 },
    ]);
  });

  it('applies every filter; a value absent from the shard matches nothing; "" never matches e10sEnabled', () => {
    expect(toDataRows(['20170105'], sums(['20170105'], { child: 'content' }))).toEqual([
      { date: '20170105', label: '', histogram: [5, 3, 0, 4], sum: 21, count: 3 },
    ]);
    expect(toDataRows(['20170105'], sums(['20170105'], { child: 'content', e10sEnabled: 'true' }))).toEqual([
      { date: '20170105', label: '', histogram: [0, 3, 0, 4], sum: 20, count: 2 },
    ]);
    expect(toDataRows(['20170105'], sums(['20170105'], { os: 'Linux', label: 'a' }))).toEqual([
      { date: '20170105', label: 'a', histogram: [0, 1], sum: 2, count: 1 },
    ]);
    expect(sums(['20170105'], { e10sEnabled: '' }).size).toBe(0);
    expect(sums(['20170105'], { os: 'Darwin' }).size).toBe(0);
    expect(sums(['20170108', '20161231'], {}).size).toBe(0);
  });

  it('adds several shards into the same sums, exactly beyond 2^53', () => {
    const big = shardOf([row('20170105', {}, [2n ** 60n, 1], 2n ** 62n, 1)]);
    const into: SumsByDate = new Map();
    accumulateShard(big, ['20170105'], {}, into);
    accumulateShard(big, ['20170105'], {}, into);
    expect(toDataRows(['20170105'], into)).toEqual([
      { date: '20170105', label: '', histogram: [2n ** 61n, 2], sum: 2n ** 63n - 1n, count: 2 },
    ]);
  });
});

describe('joinUseCounter', () => {
  const counter: SumsByDate = new Map([
    ['20170105', new Map([['', { cells: [0, 4, 1], sum: 6, count: 5 }]])],
    ['20170107', new Map([['', { cells: [0, 2, 0], sum: 2, count: 2 }]])],
  ]);
  const denominator: SumsByDate = new Map([
    ['20170105', new Map([['', { cells: [3], sum: 100, count: 3 }]])],
    ['20170106', new Map([['', { cells: [2], sum: 40, count: 2 }]])],
  ]);

  it('synthesises the false bucket from the denominator, as batched_get_use_counter', () => {
    expect(joinUseCounter(['20170105', '20170106', '20170107', '20170108'], counter, denominator)).toEqual([
      { date: '20170105', label: '', histogram: [95, 4, 1], sum: 6, count: 5 },
      { date: '20170106', label: '', histogram: [40, 0, 0], sum: 0, count: 2 },
      { date: '20170107', label: '', histogram: [0, 2, 0], sum: 2, count: 2 },
    ]);
  });
});
