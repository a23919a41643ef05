/** Pure parts of the bench scripts' request mixes (worker/bench/request-mix.ts) and measures. */
import { describe, expect, it } from 'vitest';
import { percentile, serverTimingMs } from '../../worker/bench/measure';
import type { BenchDataset } from '../../worker/bench/request-mix';
import { loadMix, monthsCovered, serveScenarios, weightedSequence } from '../../worker/bench/request-mix';

const dataset: BenchDataset = {
  channel: 'nightly',
  version: '54',
  buildIds: ['20161230', '20161231', '20170101', '20170201'],
  submissionDates: ['20170101', '20170102'],
  metric: 'GC_MS',
  oneFilter: 'child=parent',
  threeFilters: 'child=parent&os=Linux&architecture=x86',
  keyedMetric: 'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
  keyedLabel: 'a key',
  otherMetrics: ['GC_MAX_PAUSE_MS'],
};

describe('weightedSequence', () => {
  it('holds each request as often as its weight, spread out', () => {
    const mix = [
      { name: 'a', weight: 5 },
      { name: 'b', weight: 2 },
      { name: 'c', weight: 1 },
    ];
    const sequence = weightedSequence(mix).map((item) => item.name);
    expect(sequence).toHaveLength(8);
    expect(sequence.filter((name) => name === 'a')).toHaveLength(5);
    expect(sequence.filter((name) => name === 'b')).toHaveLength(2);
    expect(sequence.filter((name) => name === 'c')).toHaveLength(1);
    // Never three heavy ones in a row when lighter ones are waiting.
    expect(sequence.join('')).not.toMatch(/aaa/);
  });

  it('covers the whole load mix with its weights', () => {
    const mix = loadMix(dataset);
    const sequence = weightedSequence(mix);
    expect(sequence).toHaveLength(mix.reduce((sum, request) => sum + request.weight, 0));
    for (const request of mix) expect(sequence.filter((item) => item === request)).toHaveLength(request.weight);
  });
});

describe('the scenarios', () => {
  it('ask for every build id of the version, with 0, 1 and 3 filters', () => {
    const [none, one, three] = serveScenarios(dataset).map((scenario) => new URL(scenario.path, 'http://x').searchParams);
    expect(none?.get('dates')?.split(',')).toEqual(dataset.buildIds);
    expect([...(none?.keys() ?? [])].sort()).toEqual(['dates', 'metric', 'version']);
    expect(one?.get('child')).toBe('parent');
    expect([three?.get('child'), three?.get('os'), three?.get('architecture')]).toEqual(['parent', 'Linux', 'x86']);
  });

  it('count the months their dates cover', () => {
    expect(monthsCovered(serveScenarios(dataset)[0]?.path as string)).toBe(3);
    expect(monthsCovered('/filters/?channel=nightly&version=54')).toBe(0);
  });

  it('encode metric names and labels', () => {
    const keyed = loadMix(dataset).find((request) => request.path.includes('label='));
    expect(new URL(keyed?.path as string, 'http://x').searchParams.get('label')).toBe('a key');
  });
});

describe('measures', () => {
  it('percentile by nearest rank, and Server-Timing durations', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([10, 20], 99)).toBe(20);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(serverTimingMs('worker;dur=3.25')).toBe(3.25);
    expect(serverTimingMs('worker;dur=3.25, r2;dur=1.5', 'r2')).toBe(1.5);
    expect(serverTimingMs('worker;dur=3.25', 'r2')).toBeUndefined();
    expect(serverTimingMs(undefined)).toBeUndefined();
  });
});
