/**
 * The msgpack shard format (see docs/shard-format.md).
 *
 * Column-oriented: dimension values are indexes into one sorted string dictionary, and each
 * row's histogram is stored sparsely as (gap, value) pairs of its non-zero cells, so zero-heavy
 * rows cost a byte or two. Decoding never compiles code (no eval), so it runs under workerd.
 */
import { Packr } from 'msgpackr';
import type { ExactInt } from './exact-int';
import { isZero } from './exact-int';
import type { ShardContent, ShardHeader, ShardRow } from './shard';
import { compareRows, DIMENSIONS } from './shard';
import { isPrefix } from './storage-keys';

export const SHARD_FORMAT = 'telemetry-aggregates-shard';
export const SHARD_FORMAT_VERSION = 1;

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  // Totals above 2^53 arrive as bigint, everything else as number.
  int64AsType: 'auto' as 'bigint',
});

export class ShardFormatError extends Error {
  override name = 'ShardFormatError';
}

interface EncodedShard {
  format: string;
  formatVersion: number;
  prefix: string;
  channel: string;
  version: string;
  period: string;
  metric: string;
  submissions: string[];
  strings: string[];
  /** One column of dictionary indexes per entry of DIMENSIONS. */
  dimensions: number[][];
  sum: ExactInt[];
  count: ExactInt[];
  /** Dense histogram length of each row. */
  width: number[];
  /** Number of non-zero cells of each row. */
  nonZero: number[];
  /** For each non-zero cell: distance from the previous non-zero cell of its row (first: its index). */
  cellGap: number[];
  cellValue: ExactInt[];
}

/** Decoded shard, kept column-oriented so queries filter and sum without building row objects. */
export interface ShardColumns extends ShardHeader {
  strings: string[];
  rowCount: number;
  dimensions: Record<(typeof DIMENSIONS)[number], Uint32Array>;
  sum: ExactInt[];
  count: ExactInt[];
  width: Uint32Array;
  /** Row r's cells are cellIndex/cellValue[cellStart[r] .. cellStart[r+1]). */
  cellStart: Uint32Array;
  cellIndex: Uint32Array;
  cellValue: ExactInt[];
}

export function encodeShard(shard: ShardContent): Uint8Array {
  const rows = [...shard.rows].sort(compareRows);
  const strings = [...new Set(rows.flatMap((row) => DIMENSIONS.map((d) => row[d])))].sort();
  const stringIndex = new Map(strings.map((s, i) => [s, i]));
  const encoded: EncodedShard = {
    format: SHARD_FORMAT,
    formatVersion: SHARD_FORMAT_VERSION,
    prefix: shard.prefix,
    channel: shard.channel,
    version: shard.version,
    period: shard.period,
    metric: shard.metric,
    submissions: [...new Set(shard.submissions)].sort(),
    strings,
    dimensions: DIMENSIONS.map((d) => rows.map((row) => stringIndex.get(row[d]) as number)),
    sum: rows.map((row) => row.sum),
    count: rows.map((row) => row.count),
    width: rows.map((row) => row.histogram.length),
    nonZero: [],
    cellGap: [],
    cellValue: [],
  };
  for (const row of rows) {
    let previous = -1;
    let nonZero = 0;
    row.histogram.forEach((value, index) => {
      if (isZero(value)) return;
      encoded.cellGap.push(previous < 0 ? index : index - previous);
      encoded.cellValue.push(value);
      previous = index;
      nonZero += 1;
    });
    encoded.nonZero.push(nonZero);
  }
  return toPlainBytes(packr.pack(encoded));
}

export function decodeShard(bytes: Uint8Array): ShardColumns {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new ShardFormatError(`shard is not valid msgpack: ${(error as Error).message}`);
  }
  const shard = checkEncoded(raw);
  const rowCount = shard.sum.length;
  const cellStart = new Uint32Array(rowCount + 1);
  const cellIndex = new Uint32Array(shard.cellGap.length);
  let cell = 0;
  for (let row = 0; row < rowCount; row++) {
    cellStart[row] = cell;
    let index = -1;
    const nonZero = shard.nonZero[row] as number;
    for (let k = 0; k < nonZero; k++, cell++) {
      const gap = shard.cellGap[cell] as number;
      index = index < 0 ? gap : index + gap;
      cellIndex[cell] = index;
    }
  }
  cellStart[rowCount] = cell;
  if (cell !== shard.cellGap.length) throw new ShardFormatError('shard cell counts do not add up');
  const dimensions = {} as ShardColumns['dimensions'];
  DIMENSIONS.forEach((d, i) => {
    dimensions[d] = Uint32Array.from(shard.dimensions[i] as number[]);
  });
  return {
    prefix: shard.prefix as ShardHeader['prefix'],
    channel: shard.channel,
    version: shard.version,
    period: shard.period,
    metric: shard.metric,
    submissions: shard.submissions,
    strings: shard.strings,
    rowCount,
    dimensions,
    sum: shard.sum,
    count: shard.count,
    width: Uint32Array.from(shard.width),
    cellStart,
    cellIndex,
    cellValue: shard.cellValue,
  };
}

/** Row objects back from the columns (the builder's merge works on these). */
function shardRows(columns: ShardColumns): ShardRow[] {
  const rows: ShardRow[] = [];
  for (let r = 0; r < columns.rowCount; r++) {
    const histogram: ExactInt[] = new Array<ExactInt>(columns.width[r] as number).fill(0);
    for (let c = columns.cellStart[r] as number; c < (columns.cellStart[r + 1] as number); c++) {
      histogram[columns.cellIndex[c] as number] = columns.cellValue[c] as ExactInt;
    }
    const row = { histogram, sum: columns.sum[r] as ExactInt, count: columns.count[r] as ExactInt } as ShardRow;
    for (const d of DIMENSIONS) row[d] = columns.strings[columns.dimensions[d][r] as number] as string;
    rows.push(row);
  }
  return rows;
}

export function decodeShardContent(bytes: Uint8Array): ShardContent {
  const columns = decodeShard(bytes);
  return {
    prefix: columns.prefix,
    channel: columns.channel,
    version: columns.version,
    period: columns.period,
    metric: columns.metric,
    submissions: columns.submissions,
    rows: shardRows(columns),
  };
}

function checkEncoded(raw: unknown): EncodedShard {
  if (typeof raw !== 'object' || raw === null) throw new ShardFormatError('shard is not a map');
  const shard = raw as Partial<EncodedShard>;
  if (shard.format !== SHARD_FORMAT) throw new ShardFormatError('not a telemetry aggregates shard');
  if (shard.formatVersion !== SHARD_FORMAT_VERSION) {
    throw new ShardFormatError(`unsupported shard format version ${String(shard.formatVersion)}`);
  }
  if (typeof shard.prefix !== 'string' || !isPrefix(shard.prefix)) throw new ShardFormatError('bad shard prefix');
  for (const field of ['channel', 'version', 'period', 'metric'] as const) {
    if (typeof shard[field] !== 'string') throw new ShardFormatError(`bad shard field ${field}`);
  }
  const arrays = ['submissions', 'strings', 'dimensions', 'sum', 'count', 'width', 'nonZero', 'cellGap', 'cellValue'] as const;
  for (const field of arrays) {
    if (!Array.isArray(shard[field])) throw new ShardFormatError(`bad shard field ${field}`);
  }
  const full = shard as EncodedShard;
  const rowCount = full.sum.length;
  const sameLength = [full.count, full.width, full.nonZero, ...full.dimensions].every((a) => Array.isArray(a) && a.length === rowCount);
  if (full.dimensions.length !== DIMENSIONS.length || !sameLength || full.cellGap.length !== full.cellValue.length) {
    throw new ShardFormatError('shard columns have inconsistent lengths');
  }
  for (const column of full.dimensions) {
    for (const index of column) {
      if (!(index < full.strings.length)) throw new ShardFormatError('shard dictionary index out of range');
    }
  }
  return full;
}

/** msgpackr may hand back a Node Buffer; R2 in Miniflare wants a plain Uint8Array. */
function toPlainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
