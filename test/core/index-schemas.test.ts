/**
 * The index object schemas (worker/src/core/index-schemas.ts) as both sides use them: the worker's
 * validators (StorageFormatError) and the builder's reader (PublishedObjectError) accept and
 * reject the same objects, with a message naming the key, where and what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { PublishedObjectError, parseIndexObject } from '../../builder/src/publish/published-index';
import { FILTER_NAMES } from '../../worker/src/core/index-objects';
import type { IndexCheck } from '../../worker/src/core/index-schemas';
import {
  ChannelsSchema,
  checkIndexObject,
  DatesSchema,
  FiltersSchema,
  LedgerSchema,
  ManifestSchema,
  MetricsSchema,
} from '../../worker/src/core/index-schemas';
import {
  StorageFormatError,
  validateChannels,
  validateDates,
  validateFilters,
  validateManifest,
  validateMetrics,
} from '../../worker/src/storage/index-validation';

const SCHEMAS = {
  channels: ChannelsSchema,
  dates: DatesSchema,
  manifest: ManifestSchema,
  ledger: LedgerSchema,
  filters: FiltersSchema,
  metrics: MetricsSchema,
};
type Kind = keyof typeof SCHEMAS;

const WORKER: Partial<Record<Kind, (value: unknown, key: string) => unknown>> = {
  channels: validateChannels,
  dates: validateDates,
  manifest: validateManifest,
  filters: validateFilters,
  metrics: validateMetrics,
};

const info = { kind: 'exponential', description: 'd', buckets: { exponential: [1, 10000, 50] } };

const MALFORMED: [Kind, string, string][] = [
  ['channels', '{"nightly":1}', 'is not a list'],
  ['channels', '["nightly",5]', '[1]: Invalid type: Expected string but received 5'],
  ['dates', '{}', 'is not a list'],
  ['dates', '[{"date":"20170130","version":"54"},"x"]', '[1]: is not an object'],
  ['dates', '[{"date":"20170130","version":54}]', '[0].version: Invalid type: Expected string but received 54'],
  ['dates', '[{"version":"54"}]', '[0].date: is missing'],
  ['manifest', '[]', 'is not an object'],
  ['manifest', '{}', 'metrics: is missing'],
  ['manifest', '{"metrics":{"GC_MS":["9c1e4f2a7b3d5e60"]}}', 'metrics.GC_MS: is not an object'],
  ['manifest', '{"metrics":{"GC_MS":{"201701":null}}}', 'metrics.GC_MS.201701: Invalid type: Expected string but received null'],
  ['ledger', '{"shards":{"201701/GC_MS":"20170130"}}', 'shards.201701/GC_MS: is not a list'],
  ['ledger', '{"shards":[]}', 'shards: is not an object'],
  ['filters', '[]', 'is not an object'],
  ['filters', '{"metric":["GC_MS"],"child":"parent"}', 'child: is not a list'],
  ['filters', '{"os":[["Linux","4.4"]]}', 'os[0]: Invalid type: Expected string but received Array'],
  ['metrics', '{"metrics":[]}', 'metrics: is not an object'],
  ['metrics', '{"metrics":{"GC_MS":{"kind":"exponential","buckets":{"list":[0,1]}}}}', 'metrics.GC_MS.description: is missing'],
  [
    'metrics',
    '{"metrics":{"GC_MS":{"kind":"x","description":"","buckets":{"exponential":[1,2]}}}}',
    'metrics.GC_MS.buckets: is not {"exponential": [low, high, count]}, {"linear": [low, high, count]} or {"list": [labels]}',
  ],
  ['metrics', '{"metrics":{"GC_MS":{"kind":"x","description":"","buckets":{"list":[0,null]}}}}', 'metrics.GC_MS.buckets: is not'],
  ['metrics', '{"metrics":{"GC_MS":{"kind":"x","description":"","buckets":{"log":[1,2,3]}}}}', 'metrics.GC_MS.buckets: is not'],
];

describe('malformed index objects', () => {
  it.each(MALFORMED)('%s %s: %s', (kind, text, problem) => {
    const key = `v1/some/${kind}.json`;
    const checked = checkIndexObject(SCHEMAS[kind], JSON.parse(text)) as IndexCheck<unknown>;
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem.startsWith(problem), checked.problem).toBe(true);
    const worker = WORKER[kind];
    if (worker) {
      expect(() => worker(JSON.parse(text), key)).toThrow(StorageFormatError);
      expect(() => worker(JSON.parse(text), key)).toThrow(`${key}: ${problem}`);
    }
    const read = () => parseIndexObject(SCHEMAS[kind], key, new TextEncoder().encode(text));
    expect(read).toThrow(PublishedObjectError);
    expect(read).toThrow(`${key}: not a valid index object (${problem}`);
  });

  it('text that is not JSON is an error naming the key in the builder', () => {
    expect(() => parseIndexObject(ManifestSchema, 'v1/m.json', new TextEncoder().encode('{"metrics":'))).toThrow(
      /^v1\/m\.json: not JSON \(.+\); left as it is$/,
    );
  });
});

describe('well-formed index objects', () => {
  it('filters: a filter the object does not name has no options, each a list of its own', () => {
    const filters = validateFilters({ os: ['Linux,4.4'] }, 'k');
    expect(filters).toEqual({ metric: [], application: [], architecture: [], os: ['Linux,4.4'], child: [], e10sEnabled: [] });
    expect(Object.keys(filters)).toEqual([...FILTER_NAMES]);
    filters.metric.push('GC_MS');
    expect(validateFilters({}, 'k').metric).toEqual([]);
  });

  it('objects drop keys they do not define, keep theirs in schema order', () => {
    const metrics = validateMetrics(
      { metrics: { A: { buckets: { list: [0, 1] }, description: '', kind: 'flag', unit: 'ms' } }, v: 2 },
      'k',
    );
    expect(JSON.stringify(metrics)).toBe('{"metrics":{"A":{"kind":"flag","description":"","buckets":{"list":[0,1]}}}}');
    expect(validateDates([{ version: '54', date: '20170130', extra: 1 }], 'k')).toEqual([{ date: '20170130', version: '54' }]);
  });

  it('records keep every key in its order, also __proto__, constructor and prototype', () => {
    const text =
      '{"metrics":{"__proto__":{"201701":"a"},"constructor":{"201701":"b"},"prototype":{"201701":"c"},"B":{"201701":"d"},"A":{"201612":"e","201701":"f"}}}';
    const manifest = validateManifest(JSON.parse(text), 'k');
    expect(Object.keys(manifest.metrics)).toEqual(['__proto__', 'constructor', 'prototype', 'B', 'A']);
    expect(Object.hasOwn(manifest.metrics, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(manifest.metrics)).toBe(Object.prototype);
    expect(JSON.stringify(manifest)).toBe(text);
    const metrics = validateMetrics({ metrics: { constructor: info } }, 'k');
    expect(metrics.metrics.constructor).toEqual(info);
  });

  it('a bucket spec is read as the first of exponential, linear, list it holds', () => {
    const spec = (buckets: unknown) => validateMetrics({ metrics: { A: { ...info, buckets } } }, 'k').metrics.A?.buckets;
    expect(spec({ linear: [1, 100, 10], list: [0] })).toEqual({ linear: [1, 100, 10] });
    expect(spec({ list: ['a', 'spill', 3] })).toEqual({ list: ['a', 'spill', 3] });
  });
});
