/**
 * A malformed index object in R2 makes the request that needs it fail as an internal error (500,
 * nothing leaked), and the log names the object's key and what is wrong with it; the other
 * routes keep answering.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelsKey, datesKey, filtersKey, manifestKey, metricsKey } from '../../worker/src/core/storage-keys';
import { get, MapSource, makeApp } from './helpers';

afterEach(() => vi.restoreAllMocks());

const DATA_PATH = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=GC_MAX_PAUSE_MS';

const CASES: [object: string, key: string, text: string, path: string, problem: string][] = [
  ['channels', channelsKey('build_id'), '{"nightly":true}', '/aggregates_by/build_id/channels/', 'is not a list'],
  [
    'dates',
    datesKey('build_id', 'nightly'),
    '[{"date":"20170130"}]',
    '/aggregates_by/build_id/channels/nightly/dates/',
    '[0].version: is missing',
  ],
  ['filters', filtersKey('nightly', '54'), '{"os":"Windows_NT,10.0"}', '/filters/?channel=nightly&version=54', 'os: is not a list'],
  [
    'manifest',
    manifestKey('build_id', 'nightly', '54'),
    '{"metrics":{"GC_MAX_PAUSE_MS":{"201701":7}}}',
    DATA_PATH,
    'metrics.GC_MAX_PAUSE_MS.201701: Invalid type',
  ],
  [
    'metrics',
    metricsKey('nightly', '54'),
    '{"metrics":{"GC_MAX_PAUSE_MS":{"kind":"linear","description":"","buckets":{"linear":[1,2]}}}}',
    DATA_PATH,
    'metrics.GC_MAX_PAUSE_MS.buckets: is not',
  ],
  ['channels (not JSON)', channelsKey('build_id'), '["nightly"', '/aggregates_by/build_id/channels/', 'not JSON'],
];

describe('a malformed index object', () => {
  it.each(CASES)('%s: 500, and the log names the key and the problem', async (_, key, text, path, problem) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const source = new MapSource();
    source.map.set(key, new TextEncoder().encode(text));
    const app = makeApp({ source: () => source });
    const response = await get(app, path);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal error.' });
    const errors = logged.mock.calls.flat().filter((arg): arg is Error => arg instanceof Error);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining(`${key}: ${problem}`)]);
    expect(errors[0]?.name).toBe('StorageFormatError');
    // other objects still serve
    expect((await get(app, '/aggregates_by/submission_date/channels/')).status).toBe(200);
  });
});
