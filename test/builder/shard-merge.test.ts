import { describe, expect, it } from 'vitest';
import { mergeRowLists, mergeShards } from '../../builder/src/publish/shard-merge';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';

const INT64_MAX = 2n ** 63n - 1n;
const mergeRows = (a: ShardRow[], b: ShardRow[]): ShardRow[] => mergeRowLists([a, b]);

function row(label: string, histogram: (number | bigint)[], sum: number | bigint, count: number): ShardRow {
  return {
    date: '20170130',
    application: 'Firefox',
    architecture: 'x86',
    os: 'Darwin',
    osVersion: '16.4.0',
    e10sEnabled: 'false',
    child: 'parent',
    label,
    histogram,
    sum,
    count,
  };
}

function shard(submissions: string[], rows: ShardRow[]): ShardContent {
  return { prefix: 'submission_date', channel: 'beta', version: '52', period: '201701', metric: 'M', submissions, rows };
}

describe('merging stored rows', () => {
  it('sums histograms element-wise, padding the shorter one (a definition that gained buckets)', () => {
    const histogramOf = (a: number[], b: number[]) => mergeRows([row('', a, 0, 1)], [row('', b, 0, 1)])[0]?.histogram;
    expect(histogramOf([1, 2, 3], [10, 20, 30, 40, 50])).toEqual([11, 22, 33, 40, 50]);
    expect(histogramOf([10, 20, 30, 40, 50], [1, 2, 3])).toEqual([11, 22, 33, 40, 50]);
  });

  it('never mixes sum and count into bucket cells', () => {
    const [merged] = mergeRows([row('', [1, 2], 5, 1)], [row('', [0, 0, 7], 100, 3)]);
    expect(merged?.histogram).toEqual([1, 2, 7]);
    expect(merged?.sum).toBe(105);
    expect(merged?.count).toBe(4);
  });

  it('keeps rows that exist on one side only', () => {
    const merged = mergeRows([row('a', [1], 1, 1)], [row('b', [2], 2, 1)]);
    expect(merged.map((r) => r.label)).toEqual(['a', 'b']);
  });

  it('is associative and commutative', () => {
    const a = [row('x', [1, 2], 3, 1), row('y', [5], 5, 1)];
    const b = [row('x', [0, 0, 9], 9, 2)];
    const c = [row('y', [1, 1], 2, 1), row('z', [4], 4, 4)];
    const left = mergeRows(mergeRows(a, b), c);
    const right = mergeRows(a, mergeRows(c, b));
    expect(left).toEqual(right);
  });

  it('does not mutate its inputs', () => {
    const a = [row('x', [1, 2], 3, 1)];
    mergeRows(a, [row('x', [1, 1], 1, 1)]);
    expect(a[0]?.histogram).toEqual([1, 2]);
  });

  it('clamps totals to int64 like the original Postgres merge', () => {
    const [merged] = mergeRows([row('', [INT64_MAX], INT64_MAX, 1)], [row('', [1], 1, 1)]);
    expect(merged?.sum).toBe(INT64_MAX);
    expect(merged?.histogram[0]).toBe(INT64_MAX);
  });

  it('merges any number of lists in one pass, sorted canonically', () => {
    const merged = mergeRowLists([[row('b', [1], 1, 1)], [row('a', [2], 2, 1)], [row('b', [0, 3], 3, 2)]]);
    expect(merged.map((r) => [r.label, r.histogram, r.sum, r.count])).toEqual([
      ['a', [2], 2, 1],
      ['b', [1, 3], 4, 3],
    ]);
  });

  it('unites the submission dates of merged shards', () => {
    const merged = mergeShards(shard(['20170130'], [row('', [1], 1, 1)]), shard(['20170129', '20170130'], []));
    expect(merged.submissions).toEqual(['20170129', '20170130']);
    expect(() => mergeShards(shard([], []), { ...shard([], []), metric: 'OTHER' })).toThrow(/different identity/);
  });
});
