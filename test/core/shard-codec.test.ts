import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';
import { decodeShard, decodeShardContent, encodeShard, ShardFormatError } from '../../worker/src/core/shard-codec';

function row(overrides: Partial<ShardRow>): ShardRow {
  return {
    date: '20170130',
    application: 'Firefox',
    architecture: 'x86-64',
    os: 'Windows_NT',
    osVersion: '10.0',
    e10sEnabled: 'true',
    child: 'parent',
    label: '',
    histogram: [0, 3, 0, 0, 7],
    sum: 40,
    count: 10,
    ...overrides,
  };
}

function shard(rows: ShardRow[]): ShardContent {
  return { prefix: 'build_id', channel: 'nightly', version: '54', period: '201701', metric: 'GC_MS', submissions: ['20170130'], rows };
}

describe('shard codec', () => {
  it('round-trips rows, dimensions and header exactly', () => {
    const rows = [
      row({}),
      row({ child: 'content', label: 'key with spaces', histogram: [1, 0, 0, 0, 0, 0, 2], e10sEnabled: '' }),
      row({ date: '20170101', os: 'Linux', osVersion: '4.4', histogram: [0, 0, 0], sum: 0, count: 1 }),
    ];
    const decoded = decodeShardContent(encodeShard(shard(rows)));
    expect(decoded.metric).toBe('GC_MS');
    expect(decoded.submissions).toEqual(['20170130']);
    // rows come back sorted by their dimensions
    expect(decoded.rows).toEqual([rows[2], rows[1], rows[0]]);
  });

  it('keeps totals above 2^53 exact', () => {
    const big = 2n ** 62n + 1n;
    const decoded = decodeShardContent(encodeShard(shard([row({ sum: big, count: 2 ** 40, histogram: [big, 0, 1] })])));
    expect(decoded.rows[0]?.sum).toBe(big);
    expect(decoded.rows[0]?.count).toBe(2 ** 40);
    expect(decoded.rows[0]?.histogram).toEqual([big, 0, 1]);
  });

  it('is deterministic: row order in does not change the bytes', () => {
    const a = row({ label: 'a' });
    const b = row({ label: 'b', histogram: [9] });
    expect(encodeShard(shard([a, b]))).toEqual(encodeShard(shard([b, a])));
  });

  it('stores zero-heavy rows compactly (sparse cells, dictionary strings)', () => {
    const wide = new Array(100).fill(0);
    wide[40] = 5;
    const rows = Array.from({ length: 200 }, (_, i) =>
      row({ label: `k${i % 20}`, date: `201701${String((i % 28) + 1).padStart(2, '0')}`, histogram: wide }),
    );
    const bytes = encodeShard(shard(rows));
    const asJson = JSON.stringify(rows).length;
    expect(bytes.byteLength * 10).toBeLessThan(asJson);
    const columns = decodeShard(bytes);
    expect(columns.rowCount).toBe(rows.length);
    expect(columns.cellIndex.length).toBe(rows.length);
  });

  it('returns a plain Uint8Array (Miniflare R2 rejects Buffers)', () => {
    expect(encodeShard(shard([row({})])).constructor).toBe(Uint8Array);
  });

  it('rejects bytes that are not a shard with a ShardFormatError', () => {
    const packr = new Packr({ useRecords: false });
    expect(() => decodeShard(new Uint8Array([0xc1]))).toThrow(ShardFormatError);
    expect(() => decodeShard(packr.pack({ format: 'other' }))).toThrow(ShardFormatError);
    const good = packr.unpack(encodeShard(shard([row({})]))) as Record<string, unknown>;
    expect(() => decodeShard(packr.pack({ ...good, sum: [] }))).toThrow(/inconsistent/);
    expect(() => decodeShard(packr.pack({ ...good, formatVersion: 99 }))).toThrow(/version/);
    expect(() => decodeShard(packr.pack({ ...good, strings: [] }))).toThrow(/dictionary/);
  });
});
