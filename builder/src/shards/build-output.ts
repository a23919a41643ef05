/**
 * Turns the aggregation state into what gets published, one shard at a time so memory holds
 * the aggregate plus the shards being written, never a second copy of everything.
 *
 * A shard plan lists the (dimension group, accumulator) pairs that feed one shard; its
 * contributions (the rows each submission date adds) are built only when the shard is
 * published, and the index entries (dates, filter options, metric names) are noted from the
 * rows actually produced. Pure: no I/O.
 */

import { periodOf } from '../../../worker/src/core/calendar-date';
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addExact, exceedsInt64, truncateExact } from '../../../worker/src/core/exact-int';
import type { DateEntry, FilterName, FiltersIndex, MetricsIndex } from '../../../worker/src/core/index-objects';
import { compareDateEntries, FILTER_NAMES } from '../../../worker/src/core/index-objects';
import { isPrintableMetricName } from '../../../worker/src/core/metric-names';
import type { ShardRow } from '../../../worker/src/core/shard';
import { compareRows } from '../../../worker/src/core/shard';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import type { Aggregator, DimensionGroup, MetricAccumulator } from '../aggregate/aggregator';
import { accumulatorsOf } from '../aggregate/aggregator';
import type { PingDimensions } from '../aggregate/ping-dimensions';
import type { Definitions } from '../definitions/load-definitions';
import { metricInfoFor } from './metric-info';

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

export interface ShardPlan {
  identity: ShardIdentity;
  /** Parallel lists: accumulator i of group i feeds this shard. */
  groups: DimensionGroup[];
  accumulators: MetricAccumulator[];
}

export interface IndexUpdates {
  /** prefix -> channel -> dates */
  dates: Map<Prefix, Map<string, DateEntry[]>>;
  /** "channel/version" -> filter options */
  filters: Map<string, FiltersIndex>;
  /** "channel/version" -> metric metadata */
  metrics: Map<string, MetricsIndex>;
}

export interface RowsDropped {
  nonPrintableName: number;
  nulInLabel: number;
  sumOverflow: number;
}

export function identityKey(identity: ShardIdentity): string {
  return `${identity.prefix}/${identity.channel}/${identity.version}/${identity.period}/${identity.metric}`;
}

export class BuildOutput {
  readonly plans: ShardPlan[];
  readonly rowsDropped: RowsDropped = { nonPrintableName: 0, nulInLabel: 0, sumOverflow: 0 };
  private readonly collector = new IndexCollector();

  constructor(
    aggregator: Aggregator,
    private readonly definitions: Definitions,
  ) {
    this.plans = this.plan(aggregator);
  }

  /** Builds one shard's contributions (sorted by submission date) and notes its index entries. */
  contributions(plan: ShardPlan): ShardContribution[] {
    const { identity } = plan;
    const bySubmission = new Map<string, Map<string, ShardRow>>();
    plan.accumulators.forEach((accumulator, i) => {
      const d = (plan.groups[i] as DimensionGroup).dimensions;
      let rows = bySubmission.get(d.submissionDate);
      if (!rows) bySubmission.set(d.submissionDate, (rows = new Map()));
      if (identity.prefix === 'build_id') {
        // unique per (group, metric, label, process) within a submission date
        rows.set(String(i), rowFrom(d.buildId, d, accumulator, accumulator.histogram()));
        return;
      }
      // submission-date rows of groups that differ only by build id add up
      const rowId = `${d.application}\u0000${d.architecture}\u0000${d.os}\u0000${d.osVersion}\u0000${d.e10sEnabled}\u0000${accumulator.label}\u0000${accumulator.process}`;
      const existing = rows.get(rowId);
      if (existing) addUnbounded(existing, accumulator);
      else rows.set(rowId, rowFrom(d.submissionDate, d, accumulator, accumulator.histogram()));
    });
    const contributions: ShardContribution[] = [];
    for (const submissionDate of [...bySubmission.keys()].sort()) {
      const rows: ShardRow[] = [];
      for (const row of (bySubmission.get(submissionDate) as Map<string, ShardRow>).values()) {
        if (exceedsInt64(row.sum)) {
          this.rowsDropped.sumOverflow += 1;
          continue;
        }
        rows.push({ ...row, sum: truncateExact(row.sum) });
      }
      if (rows.length === 0) continue;
      rows.sort(compareRows);
      const contribution = { ...identity, submissionDate, rows };
      this.collector.note(contribution);
      contributions.push(contribution);
    }
    return contributions;
  }

  /** The index entries of every contribution built so far (call after publishing all plans). */
  indexUpdates(): IndexUpdates {
    const metrics = new Map<string, MetricsIndex>();
    for (const [channelVersion, names] of this.collector.metricNames) {
      const index: MetricsIndex = { metrics: {} };
      for (const stored of [...names].sort()) {
        const info = metricInfoFor(stored, this.definitions);
        if (info) index.metrics[info.publicName] = info.info;
      }
      metrics.set(channelVersion, index);
    }
    return { dates: this.collector.dates(), filters: this.collector.filters(), metrics };
  }

  private plan(aggregator: Aggregator): ShardPlan[] {
    const plans = new Map<string, ShardPlan>();
    const add = (identity: ShardIdentity, group: DimensionGroup, accumulator: MetricAccumulator): void => {
      const key = identityKey(identity);
      let plan = plans.get(key);
      if (!plan) plans.set(key, (plan = { identity, groups: [], accumulators: [] }));
      plan.groups.push(group);
      plan.accumulators.push(accumulator);
    };
    for (const group of aggregator.groups.values()) {
      const { channel, version, submissionDate, buildId } = group.dimensions;
      for (const accumulator of accumulatorsOf(group)) {
        if (!isPrintableMetricName(accumulator.metric)) {
          this.rowsDropped.nonPrintableName += 1;
          continue;
        }
        if (accumulator.label.includes('\u0000')) {
          this.rowsDropped.nulInLabel += 1;
          continue;
        }
        const metric = accumulator.metric;
        add({ prefix: 'build_id', channel, version, period: periodOf(buildId), metric }, group, accumulator);
        add({ prefix: 'submission_date', channel, version, period: periodOf(submissionDate), metric }, group, accumulator);
      }
    }
    return [...plans.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, plan]) => plan);
  }
}

/** Every contribution of a build at once (tests and small builds). */
export function allContributions(output: BuildOutput): ShardContribution[] {
  return output.plans.flatMap((plan) => output.contributions(plan));
}

function rowFrom(date: string, d: PingDimensions, accumulator: MetricAccumulator, histogram: ExactInt[]): ShardRow {
  return {
    date,
    application: d.application,
    architecture: d.architecture,
    os: d.os,
    osVersion: d.osVersion,
    e10sEnabled: d.e10sEnabled,
    child: accumulator.process,
    label: accumulator.label,
    histogram,
    sum: accumulator.sum,
    count: accumulator.count,
  };
}

function addUnbounded(target: ShardRow, source: MetricAccumulator): void {
  const cells = target.histogram;
  source.histogram().forEach((value, i) => {
    if (value !== 0) cells[i] = addExact((cells[i] ?? 0) as ExactInt, value);
    else if (i >= cells.length) cells[i] = 0;
  });
  target.sum = addExact(target.sum, source.sum);
  target.count = addExact(target.count, source.count);
}

/** Gathers the index entries (dates, filter options, metric names) the published rows imply. */
class IndexCollector {
  readonly metricNames = new Map<string, Set<string>>();
  private readonly dateSets = new Map<Prefix, Map<string, Map<string, DateEntry>>>();
  private readonly filterSets = new Map<string, Record<FilterName, Set<string>>>();

  note(contribution: ShardContribution): void {
    const { prefix, channel, version } = contribution;
    const channelVersion = `${channel}/${version}`;
    let byChannel = this.dateSets.get(prefix);
    if (!byChannel) this.dateSets.set(prefix, (byChannel = new Map()));
    let dates = byChannel.get(channel);
    if (!dates) byChannel.set(channel, (dates = new Map()));
    let options = this.filterSets.get(channelVersion);
    if (!options) {
      options = Object.fromEntries(FILTER_NAMES.map((name) => [name, new Set<string>()])) as Record<FilterName, Set<string>>;
      this.filterSets.set(channelVersion, options);
    }
    let names = this.metricNames.get(channelVersion);
    if (!names) this.metricNames.set(channelVersion, (names = new Set()));
    names.add(contribution.metric);
    options.metric.add(contribution.metric);
    for (const row of contribution.rows) {
      dates.set(`${row.date}/${version}`, { date: row.date, version });
      options.application.add(row.application);
      options.architecture.add(row.architecture);
      options.os.add(`${row.os},${row.osVersion}`);
      options.child.add(row.child);
      if (row.e10sEnabled !== '') options.e10sEnabled.add(row.e10sEnabled);
    }
  }

  dates(): IndexUpdates['dates'] {
    const out: IndexUpdates['dates'] = new Map();
    for (const [prefix, byChannel] of this.dateSets) {
      out.set(prefix, new Map([...byChannel].map(([channel, entries]) => [channel, [...entries.values()].sort(compareDateEntries)])));
    }
    return out;
  }

  filters(): IndexUpdates['filters'] {
    const out: IndexUpdates['filters'] = new Map();
    for (const [channelVersion, sets] of this.filterSets) {
      out.set(channelVersion, Object.fromEntries(FILTER_NAMES.map((name) => [name, [...sets[name]].sort()])) as FiltersIndex);
    }
    return out;
  }
}
