/**
 * How compact a shard is next to the JSON the API answers for the same rows (pure).
 *
 * Every stored row is unique by its dimensions (date, application, architecture, os, osVersion,
 * e10sEnabled, child, label). Grouping a shard's rows by the six dimensions that are data filters
 * (all but date and label), one request per group (its dates, every filter pinned to the group's
 * values, no label filter) answers exactly the group's rows, one `data` entry each: these answers
 * together carry exactly the shard's data. `answerJsonBytes` is their JSON as the worker renders
 * it (envelope included: "buckets", "kind", "description"); `entryJsonBytes` counts the `data`
 * entries alone, a lower bound however the rows were asked for. HTTP headers are not counted.
 * (A row whose e10sEnabled is empty, a ping without the setting, cannot be pinned: no filter value
 * selects ''; such groups are counted as if it could.)
 */
import type { ExactInt } from '../src/core/exact-int';
import { isZero, stringifyWithBigInts } from '../src/core/exact-int';
import type { DIMENSIONS } from '../src/core/shard';
import type { ShardColumns } from '../src/core/shard-codec';
import { decodeShard } from '../src/core/shard-codec';
import type { DataDefinition } from '../src/export/data-output';
import { renderDataBody } from '../src/export/data-output';
import type { DataRow } from '../src/query/aggregate';

/** The dimensions a data request can pin with a filter, besides the label. */
export const PINNABLE_DIMENSIONS = [
  'application',
  'architecture',
  'os',
  'osVersion',
  'e10sEnabled',
  'child',
] as const satisfies readonly (typeof DIMENSIONS)[number][];

export interface ShardCompactness {
  shardBytes: number;
  rows: number;
  /** Stored (non-zero) histogram cells. */
  nonZeroBuckets: number;
  /** Cells of the dense histograms the API answers (zeros included). */
  denseBuckets: number;
  /** Requests whose answers cover exactly the shard's rows. */
  answers: number;
  answerJsonBytes: number;
  entryJsonBytes: number;
}

const encoder = new TextEncoder();
const byteLength = (text: string): number => encoder.encode(text).byteLength;

function text(shard: ShardColumns, dimension: (typeof DIMENSIONS)[number], r: number): string {
  return shard.strings[shard.dimensions[dimension][r] as number] as string;
}

/** The API's data entry for row `r` of a decoded shard. */
export function apiEntryOfRow(shard: ShardColumns, r: number): DataRow {
  const histogram = new Array<ExactInt>(shard.width[r] as number).fill(0);
  for (let c = shard.cellStart[r] as number; c < (shard.cellStart[r + 1] as number); c++) {
    histogram[shard.cellIndex[c] as number] = shard.cellValue[c] as ExactInt;
  }
  return {
    date: text(shard, 'date', r),
    label: text(shard, 'label', r),
    histogram,
    count: shard.count[r] as ExactInt,
    sum: shard.sum[r] as ExactInt,
  };
}

/** The shard's rows grouped by their pinnable dimensions: one request (and answer) per group. */
export function answerGroups(shard: ShardColumns): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let r = 0; r < shard.rowCount; r++) {
    const key = JSON.stringify(PINNABLE_DIMENSIONS.map((dimension) => text(shard, dimension, r)));
    const rows = groups.get(key);
    if (rows) rows.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `definition`: the metric's kind, bucket labels and description as the API answers them
 * (from the metrics index); undefined counts an empty envelope.
 */
export function measureShard(bytes: Uint8Array, definition: DataDefinition | undefined): ShardCompactness {
  const shard = decodeShard(bytes);
  const envelope: DataDefinition = definition ?? { kind: '', buckets: [], description: '' };
  let nonZeroBuckets = 0;
  let denseBuckets = 0;
  let entryJsonBytes = 0;
  let answerJsonBytes = 0;
  const groups = answerGroups(shard);
  for (const rows of groups.values()) {
    // The API's order: dates as requested (ascending here), labels sorted within a date.
    const entries = rows.map((r) => apiEntryOfRow(shard, r)).sort((a, b) => compare(a.date, b.date) || compare(a.label, b.label));
    for (const entry of entries) {
      nonZeroBuckets += entry.histogram.filter((value) => !isZero(value)).length;
      denseBuckets += entry.histogram.length;
      entryJsonBytes += byteLength(stringifyWithBigInts(entry));
    }
    const dates = [...new Set(entries.map((entry) => entry.date))];
    answerJsonBytes += byteLength(renderDataBody({ version: shard.version, dates, metric: shard.metric, filter: {} }, envelope, entries));
  }
  return {
    shardBytes: bytes.byteLength,
    rows: shard.rowCount,
    nonZeroBuckets,
    denseBuckets,
    answers: groups.size,
    answerJsonBytes,
    entryJsonBytes,
  };
}

export interface CompactnessSummary {
  shards: number;
  rows: number;
  answers: number;
  shardBytes: number;
  nonZeroBuckets: number;
  denseBuckets: number;
  answerJsonBytes: number;
  entryJsonBytes: number;
  bytesPerNonZeroBucket: number;
  /** answerJsonBytes / shardBytes over all shards, and the same per shard (smallest, 10th percentile, median). */
  ratio: number;
  perShardRatio: { min: number; p10: number; median: number };
  /** entryJsonBytes / shardBytes over all shards. */
  entriesRatio: number;
}

export function summarizeCompactness(measures: readonly ShardCompactness[]): CompactnessSummary {
  const total = (pick: (m: ShardCompactness) => number): number => measures.reduce((sum, m) => sum + pick(m), 0);
  const ratios = measures.map((m) => m.answerJsonBytes / m.shardBytes).sort((a, b) => a - b);
  const at = (q: number): number =>
    ratios.length === 0 ? Number.NaN : (ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number);
  const shardBytes = total((m) => m.shardBytes);
  const nonZeroBuckets = total((m) => m.nonZeroBuckets);
  const answerJsonBytes = total((m) => m.answerJsonBytes);
  const entryJsonBytes = total((m) => m.entryJsonBytes);
  return {
    shards: measures.length,
    rows: total((m) => m.rows),
    answers: total((m) => m.answers),
    shardBytes,
    nonZeroBuckets,
    denseBuckets: total((m) => m.denseBuckets),
    answerJsonBytes,
    entryJsonBytes,
    bytesPerNonZeroBucket: shardBytes / nonZeroBuckets,
    ratio: answerJsonBytes / shardBytes,
    perShardRatio: { min: at(0), p10: at(0.1), median: at(0.5) },
    entriesRatio: entryJsonBytes / shardBytes,
  };
}
