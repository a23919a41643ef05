/**
 * The index entries a build's rows imply: per prefix and channel the (date, version) pairs, per
 * channel/version the filter options and the metric metadata. Pure: no I/O.
 */
import type { DateEntry, FilterName, FiltersIndex, MetricsIndex } from '../../../worker/src/core/index-objects';
import { compareDateEntries, FILTER_NAMES } from '../../../worker/src/core/index-objects';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import type { Definitions } from '../definitions/load-definitions';
import { metricInfoFor } from './metric-info';

export interface IndexUpdates {
  /** prefix -> channel -> dates */
  dates: Map<Prefix, Map<string, DateEntry[]>>;
  /** "channel/version" -> filter options */
  filters: Map<string, FiltersIndex>;
  /** "channel/version" -> metric metadata */
  metrics: Map<string, MetricsIndex>;
}

/** What one stored row contributes to the indexes. */
export interface IndexedRow {
  prefix: Prefix;
  channel: string;
  version: string;
  metric: string;
  /** The row's date: its build id (build_id shards) or its submission date. */
  date: string;
  application: string;
  architecture: string;
  os: string;
  osVersion: string;
  e10sEnabled: string;
  child: string;
}

/** Gathers the index entries of rows, one row at a time. */
export class IndexCollector {
  private readonly metricNames = new Map<string, Set<string>>();
  private readonly dateSets = new Map<Prefix, Map<string, Map<string, DateEntry>>>();
  private readonly filterSets = new Map<string, Record<FilterName, Set<string>>>();

  note(row: IndexedRow): void {
    const { prefix, channel, version } = row;
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
    names.add(row.metric);
    options.metric.add(row.metric);
    dates.set(`${row.date}/${version}`, { date: row.date, version });
    options.application.add(row.application);
    options.architecture.add(row.architecture);
    options.os.add(`${row.os},${row.osVersion}`);
    options.child.add(row.child);
    if (row.e10sEnabled !== '') options.e10sEnabled.add(row.e10sEnabled);
  }

  /**
   * The index entries of every row noted, sorted; metric metadata from the definitions of each
   * channel and version, and which files those were.
   */
  updates(definitions: Pick<Definitions, 'forVersion'>): IndexUpdates {
    const dates: IndexUpdates['dates'] = new Map();
    for (const [prefix, byChannel] of this.dateSets) {
      dates.set(prefix, new Map([...byChannel].map(([channel, entries]) => [channel, [...entries.values()].sort(compareDateEntries)])));
    }
    const filters: IndexUpdates['filters'] = new Map();
    for (const [channelVersion, sets] of this.filterSets) {
      filters.set(channelVersion, Object.fromEntries(FILTER_NAMES.map((name) => [name, [...sets[name]].sort()])) as FiltersIndex);
    }
    const metrics: IndexUpdates['metrics'] = new Map();
    for (const [channelVersion, names] of this.metricNames) {
      const [channel, version] = channelVersion.split('/') as [string, string];
      const set = definitions.forVersion(channel, version);
      const index: MetricsIndex = {
        metrics: {},
        definitions: { histograms: [{ ...set.sources.histograms }], scalars: [{ ...set.sources.scalars }] },
      };
      for (const stored of [...names].sort()) {
        const info = metricInfoFor(stored, set);
        if (info) index.metrics[info.publicName] = info.info;
      }
      metrics.set(channelVersion, index);
    }
    return { dates, filters, metrics };
  }
}
