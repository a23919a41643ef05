/**
 * What a build publishes, planned from the aggregation state in one pure step: the shards (each
 * renders its rows only when asked, so memory holds the aggregate plus the shards being written,
 * never every row at once), the index entries those rows imply, and the rows left out.
 *
 * The index is derived without rendering a row: a pass over each shard's accumulators computes
 * every row's (possibly summed) sum, which is all that decides whether the row is stored; a date,
 * filter option or metric enters the index only if some stored row carries it. Pure: no I/O.
 */

import { periodOf } from '../../../worker/src/core/calendar-date';
import { exceedsInt64 } from '../../../worker/src/core/exact-int';
import { fitsInUtf8Bytes, isPrintableMetricName, MAX_LABEL_BYTES, MAX_METRIC_NAME_BYTES } from '../../../worker/src/core/metric-names';
import type { Aggregator, DimensionGroup, MetricAccumulator } from '../aggregate/aggregator';
import { accumulatorsOf } from '../aggregate/aggregator';
import type { Definitions } from '../definitions/load-definitions';
import type { IndexUpdates } from './index-updates';
import { IndexCollector } from './index-updates';
import type { ShardContribution, ShardIdentity, ShardSources } from './shard-rows';
import { renderContributions, rowCountsExceedInt64, rowDate, rowMembers, rowSum } from './shard-rows';

export interface ShardPlan {
  identity: ShardIdentity;
  /** The submission dates of its contributions (those with at least one stored row), sorted: known without rendering a row. */
  submissionDates: string[];
  /** Renders the shard's contributions (by submission date, each date's rows sorted). Pure: each call builds them anew. */
  contributions(): ShardContribution[];
}

/** Aggregated rows that are not stored, by reason. */
export interface RowsDropped {
  nonPrintableName: number;
  /** Stored name longer than MAX_METRIC_NAME_BYTES. */
  nameTooLong: number;
  nulInLabel: number;
  /** Label longer than MAX_LABEL_BYTES. */
  labelTooLong: number;
  sumOverflow: number;
}

export function noRowsDropped(): RowsDropped {
  return { nonPrintableName: 0, nameTooLong: 0, nulInLabel: 0, labelTooLong: 0, sumOverflow: 0 };
}

export interface BuildPlan {
  /** Sorted by shard key. */
  shards: ShardPlan[];
  /** The index entries of every row the shards render. */
  indexes: IndexUpdates;
  rowsDropped: RowsDropped;
  /** Stored rows with a bucket count beyond int64, stored as the largest int64. */
  rowsClamped: number;
}

export function planBuild(aggregation: Pick<Aggregator, 'groups'>, definitions: Definitions): BuildPlan {
  const rowsDropped = noRowsDropped();
  const index = new IndexCollector();
  const counted = { rowsDropped, rowsClamped: 0 };
  const shards = shardSources(aggregation.groups.values(), rowsDropped).map((sources): ShardPlan => {
    const submissionDates = noteRows(sources, index, counted);
    return { identity: sources.identity, submissionDates, contributions: () => renderContributions(sources) };
  });
  return { shards, indexes: index.updates(definitions), rowsDropped, rowsClamped: counted.rowsClamped };
}

/** Why an accumulator's name or label cannot be stored, or undefined when both can. */
export function unstorableReason(
  metric: string,
  label: string,
): 'nonPrintableName' | 'nameTooLong' | 'nulInLabel' | 'labelTooLong' | undefined {
  if (!isPrintableMetricName(metric)) return 'nonPrintableName';
  if (!fitsInUtf8Bytes(metric, MAX_METRIC_NAME_BYTES)) return 'nameTooLong';
  if (label.includes('\u0000')) return 'nulInLabel';
  if (!fitsInUtf8Bytes(label, MAX_LABEL_BYTES)) return 'labelTooLong';
  return undefined;
}

/** Every accumulator with a storable name and label goes to its build_id shard and its submission_date shard. */
function shardSources(groups: Iterable<DimensionGroup>, rowsDropped: RowsDropped): ShardSources[] {
  const byKey = new Map<string, ShardSources>();
  const add = (identity: ShardIdentity, group: DimensionGroup, accumulator: MetricAccumulator): void => {
    const key = `${identity.prefix}/${identity.channel}/${identity.version}/${identity.period}/${identity.metric}`;
    let sources = byKey.get(key);
    if (!sources) byKey.set(key, (sources = { identity, groups: [], accumulators: [] }));
    sources.groups.push(group);
    sources.accumulators.push(accumulator);
  };
  for (const group of groups) {
    const { channel, version, submissionDate, buildId } = group.dimensions;
    for (const accumulator of accumulatorsOf(group)) {
      const unstorable = unstorableReason(accumulator.metric, accumulator.label);
      if (unstorable !== undefined) {
        rowsDropped[unstorable] += 1;
        continue;
      }
      const metric = accumulator.metric;
      add({ prefix: 'build_id', channel, version, period: periodOf(buildId), metric }, group, accumulator);
      add({ prefix: 'submission_date', channel, version, period: periodOf(submissionDate), metric }, group, accumulator);
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, sources]) => sources);
}

/**
 * Notes the index entries of the rows the shard will store, counts those it will not (their sum
 * exceeds int64) and those it will store with clamped bucket counts; answers the submission dates
 * left with a stored row.
 */
function noteRows(sources: ShardSources, index: IndexCollector, counted: { rowsDropped: RowsDropped; rowsClamped: number }): string[] {
  const { prefix, channel, version, metric } = sources.identity;
  const stored: string[] = [];
  for (const [submissionDate, rows] of rowMembers(sources)) {
    let storesARow = false;
    for (const members of rows) {
      if (exceedsInt64(rowSum(sources, members))) {
        counted.rowsDropped.sumOverflow += 1;
        continue;
      }
      if (rowCountsExceedInt64(sources, members)) counted.rowsClamped += 1;
      storesARow = true;
      // the members of a row share every dimension the index records
      const first = members[0] as number;
      const d = (sources.groups[first] as DimensionGroup).dimensions;
      index.note({
        prefix,
        channel,
        version,
        metric,
        date: rowDate(prefix, d),
        application: d.application,
        architecture: d.architecture,
        os: d.os,
        osVersion: d.osVersion,
        e10sEnabled: d.e10sEnabled,
        child: (sources.accumulators[first] as MetricAccumulator).process,
      });
    }
    if (storesARow) stored.push(submissionDate);
  }
  return stored.sort();
}
