/**
 * The rows of one shard, from the accumulators that feed it. Pure: no I/O.
 *
 * A build_id row is one accumulator (unique per group, metric, label and process within a
 * submission date); a submission_date row adds up the accumulators of groups that differ only by
 * build id. A row whose sum exceeds int64 is not stored (as the original dropped it); a bucket
 * count beyond int64 is stored as the largest int64 (as the original's merges clamped counts).
 */
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addExact, clampInt64, exceedsInt64, truncateExact } from '../../../worker/src/core/exact-int';
import type { ShardRow } from '../../../worker/src/core/shard';
import { compareRows } from '../../../worker/src/core/shard';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import type { DimensionGroup, MetricAccumulator } from '../aggregate/aggregator';
import type { PingDimensions } from '../aggregate/ping-dimensions';

export interface ShardIdentity {
  prefix: Prefix;
  channel: string;
  version: string;
  period: string;
  metric: string;
}

/** The rows one submission date adds to one shard. */
export interface ShardContribution extends ShardIdentity {
  submissionDate: string;
  rows: ShardRow[];
}

/** The (dimension group, accumulator) pairs that feed one shard: accumulator i belongs to group i. */
export interface ShardSources {
  identity: ShardIdentity;
  groups: DimensionGroup[];
  accumulators: MetricAccumulator[];
}

/** Submission date -> the rows of that date, each as the indexes (into the sources) of the accumulators it adds up. */
export type RowMembers = Map<string, number[][]>;

export function rowMembers(sources: ShardSources): RowMembers {
  const bySubmission = new Map<string, Map<string, number[]>>();
  const byBuildId = sources.identity.prefix === 'build_id';
  sources.accumulators.forEach((accumulator, i) => {
    const d = (sources.groups[i] as DimensionGroup).dimensions;
    let rows = bySubmission.get(d.submissionDate);
    if (!rows) bySubmission.set(d.submissionDate, (rows = new Map()));
    const rowId = byBuildId
      ? String(i)
      : `${d.application}\u0000${d.architecture}\u0000${d.os}\u0000${d.osVersion}\u0000${d.e10sEnabled}\u0000${accumulator.label}\u0000${accumulator.process}`;
    const members = rows.get(rowId);
    if (members) members.push(i);
    else rows.set(rowId, [i]);
  });
  return new Map([...bySubmission].map(([date, rows]) => [date, [...rows.values()]]));
}

/** A row's date: the build id in build_id shards, the submission date in submission_date shards. */
export function rowDate(prefix: Prefix, d: PingDimensions): string {
  return prefix === 'build_id' ? d.buildId : d.submissionDate;
}

/** The sum of the row these accumulators add up (before any int64 check). */
export function rowSum(sources: ShardSources, members: readonly number[]): ExactInt {
  const [first, ...rest] = members.map((i) => sources.accumulators[i] as MetricAccumulator);
  let sum = (first as MetricAccumulator).sum;
  for (const accumulator of rest) sum = addExact(sum, accumulator.sum);
  return sum;
}

/** Rows of at most this many accumulators whose cells are all safe integers have no cell beyond int64: 1024 × (2^53 − 1) < 2^63. */
const ROWS_SAFE_UP_TO = 1024;

/** Could a bucket count of the row these accumulators add up exceed int64? False for every row of ordinary input. */
function mayExceedInt64(sources: ShardSources, members: readonly number[]): boolean {
  return members.length > ROWS_SAFE_UP_TO || members.some((i) => (sources.accumulators[i] as MetricAccumulator).exactCells !== undefined);
}

/** Does a bucket count of the row these accumulators add up exceed int64 (so that it is stored clamped)? Renders no row. */
export function rowCountsExceedInt64(sources: ShardSources, members: readonly number[]): boolean {
  if (!mayExceedInt64(sources, members)) return false;
  const cells: ExactInt[] = [];
  for (const i of members) {
    const view = (sources.accumulators[i] as MetricAccumulator).cellView();
    for (let cell = 0; cell < view.length; cell++) cells[cell] = addExact(cells[cell] ?? 0, view[cell] as ExactInt);
  }
  return cells.some(exceedsInt64);
}

/** Clamps every bucket count beyond int64, in place. */
function clampCounts(cells: ExactInt[]): void {
  for (let i = 0; i < cells.length; i++) if (exceedsInt64(cells[i] as ExactInt)) cells[i] = clampInt64(cells[i] as ExactInt);
}

/** The shard's contributions, sorted by submission date, rows sorted; overflowing rows and empty dates left out, counts clamped. */
export function renderContributions(sources: ShardSources): ShardContribution[] {
  const { identity } = sources;
  const byDate = rowMembers(sources);
  const contributions: ShardContribution[] = [];
  for (const submissionDate of [...byDate.keys()].sort()) {
    const rows: ShardRow[] = [];
    for (const members of byDate.get(submissionDate) as number[][]) {
      const row = renderRow(sources, members);
      if (exceedsInt64(row.sum)) continue;
      row.sum = truncateExact(row.sum);
      if (mayExceedInt64(sources, members)) clampCounts(row.histogram);
      rows.push(row);
    }
    if (rows.length === 0) continue;
    rows.sort(compareRows);
    contributions.push({ ...identity, submissionDate, rows });
  }
  return contributions;
}

function renderRow(sources: ShardSources, members: readonly number[]): ShardRow {
  const [first, ...rest] = members;
  const d = (sources.groups[first as number] as DimensionGroup).dimensions;
  const accumulator = sources.accumulators[first as number] as MetricAccumulator;
  const row: ShardRow = {
    date: rowDate(sources.identity.prefix, d),
    application: d.application,
    architecture: d.architecture,
    os: d.os,
    osVersion: d.osVersion,
    e10sEnabled: d.e10sEnabled,
    child: accumulator.process,
    label: accumulator.label,
    histogram: cellsOf(accumulator),
    sum: accumulator.sum,
    count: accumulator.count,
  };
  for (const i of rest) addUnbounded(row, sources.accumulators[i] as MetricAccumulator);
  return row;
}

/** A copy of the accumulator's cells, by index: Array.from on a typed array goes through its iterator, several times slower. */
function cellsOf(accumulator: MetricAccumulator): ExactInt[] {
  const view = accumulator.cellView();
  const cells: ExactInt[] = [];
  for (let i = 0; i < view.length; i++) cells.push(view[i] as ExactInt);
  return cells;
}

function addUnbounded(target: ShardRow, source: MetricAccumulator): void {
  const cells = target.histogram;
  const view = source.cellView();
  for (let i = 0; i < view.length; i++) {
    const value = view[i] as ExactInt;
    if (value !== 0) cells[i] = addExact((cells[i] ?? 0) as ExactInt, value);
    else if (i >= cells.length) cells[i] = 0;
  }
  target.sum = addExact(target.sum, source.sum);
  target.count = addExact(target.count, source.count);
}
