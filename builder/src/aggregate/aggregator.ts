/**
 * The aggregation state: per ping dimensions, per (metric, label, process), a dense histogram,
 * a sum and a count — the original's build-id aggregates. Pure: no I/O.
 *
 * Histograms are laid out densely as they arrive (using their definition), which gives the same
 * stored rows as the original's sparse accumulation followed by its dense fill.
 *
 * The hot path is built for pings with hundreds of histograms: each (metric, label, process) has
 * a series number (series-index.ts) and each dimension group an array of accumulators indexed by
 * it; a histogram's definition, dense width and bucket-key indexes are resolved once per name and
 * definitions file (histogram-layout.ts); which definitions file a group uses, once per group
 * (its channel and version); bucket counts are added into a Float64Array (metric-accumulator.ts)
 * with an exact fallback.
 */
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addExact } from '../../../worker/src/core/exact-int';
import { isRecord } from '../../../worker/src/core/is-record';
import type { ProcessType } from '../../../worker/src/core/metric-names';
import { HistogramCatalog } from '../definitions/histogram-catalog';
import type { FallbackReason, ScanResult } from '../scan/ping-scanner';
import { PingScanner } from '../scan/ping-scanner';
import { ScannedBuckets } from '../scan/scanned-buckets';
import type { HistogramValues, MetricSink } from './extract-metrics';
import { extractMetrics } from './extract-metrics';
import { HistogramLayout, NON_INTEGER_KEY } from './histogram-layout';
import { CellArena, MAX_SAFE, MetricAccumulator } from './metric-accumulator';
import type { PingDimensions, PingSelection } from './ping-dimensions';
import { readPingDimensions } from './ping-dimensions';
import type { MetricEntry } from './series-index';
import { processIndex, SeriesIndex } from './series-index';
import type { MetricSkipReason, PingSkipReason } from './skip-reasons';
import { bucketIndexForValue } from './value-buckets';

export { MetricAccumulator } from './metric-accumulator';

export interface DimensionGroup {
  readonly dimensions: PingDimensions;
  /** Every accumulator of the group (one per metric, label and process it has data for). */
  readonly accumulators: readonly MetricAccumulator[];
}

/** Every accumulator of a group. */
export function accumulatorsOf(group: DimensionGroup): Iterable<MetricAccumulator> {
  return group.accumulators;
}

export interface AggregationStats {
  linesRead: number;
  pingsAccepted: number;
  pingsSkipped: Partial<Record<PingSkipReason, number>>;
  metricsSkipped: Partial<Record<MetricSkipReason, number>>;
  /** Histogram names seen without a definition, with how often. */
  undefinedHistograms: Map<string, number>;
}

/** How the lines were parsed (kept apart from AggregationStats, which partial aggregate files hold: a merge parses no line). */
export interface ParsingStats {
  /** Lines the byte scanner read. */
  scanned: number;
  /** Lines JSON.parse read: every line with --parser json, the fallback's lines with the scanner. */
  jsonParsed: number;
  /** Why the scanner handed lines to JSON.parse. */
  fallbackReasons: Partial<Record<FallbackReason, number>>;
}

export function emptyParsingStats(): ParsingStats {
  return { scanned: 0, jsonParsed: 0, fallbackReasons: {} };
}

/** A histogram name without a definition. */
const NO_LAYOUT = null;
type LayoutSlot = HistogramLayout | typeof NO_LAYOUT;

/** Which Histograms.json the pings of a (channel, major version) are aggregated with. */
export interface HistogramsByVersion {
  /** The same catalog for every (channel, version) that uses the same file. */
  histogramsFor(channel: string, version: string): HistogramCatalog;
}

/** Not resolved yet: a group's definitions are looked up when its first ping arrives. */
const UNRESOLVED = -1;

/** A dimension group as the aggregator keeps it: its accumulators, also indexed by series number. */
class GroupState implements DimensionGroup {
  readonly accumulators: MetricAccumulator[] = [];
  /** Series number -> accumulator; undefined where the group has none. */
  readonly bySeries: (MetricAccumulator | undefined)[] = [];
  /** The cells of every accumulator of the group. */
  readonly arena = new CellArena(1024);
  /** Index of the group's histogram catalog in Aggregator.catalogs (layouts are kept per catalog). */
  catalog = UNRESOLVED;

  constructor(readonly dimensions: PingDimensions) {}

  accumulator(series: number, metric: string, label: string, process: ProcessType, width: number): MetricAccumulator {
    const bySeries = this.bySeries;
    if (series < bySeries.length) {
      const found = bySeries[series];
      if (found !== undefined) return found;
    } else {
      while (bySeries.length <= series) bySeries.push(undefined);
    }
    const created = new MetricAccumulator(metric, label, process, width, this.arena);
    bySeries[series] = created;
    this.accumulators.push(created);
    return created;
  }
}

/**
 * Reads one input line's bytes into a ping, as far as the aggregation reads it (scan/ping-scanner.ts),
 * or says the line must take the JSON.parse path.
 */
export interface PingReader {
  scan(bytes: Uint8Array, start: number, end: number): ScanResult;
}

/** What absorb() takes: another aggregation's groups and stats (a partial aggregate). */
export interface AggregationState {
  groups: Iterable<DimensionGroup>;
  stats: AggregationStats;
}

export class Aggregator {
  private readonly groupStates = new Map<string, GroupState>();
  readonly stats: AggregationStats = {
    linesRead: 0,
    pingsAccepted: 0,
    pingsSkipped: {},
    metricsSkipped: {},
    undefinedHistograms: new Map(),
  };
  readonly parsing: ParsingStats = emptyParsingStats();
  private readonly series = new SeriesIndex<LayoutSlot>();
  /** Every histogram catalog a group uses; a metric's layouts are indexed like this. */
  private readonly catalogs: HistogramCatalog[] = [];
  private readonly histograms: HistogramsByVersion;
  private current: GroupState | undefined;
  private readonly sink: MetricSink = {
    histogram: (name, label, process, values, sum) => this.addHistogram(name, label, process, values, sum),
    value: (metric, label, process, value, labels) => this.addValue(metric, label, process, value, labels),
    skipped: (reason) => this.skipMetric(reason),
  };

  /** `histograms`: one catalog for every ping, or one per (channel, version). */
  constructor(
    histograms: HistogramCatalog | HistogramsByVersion,
    private readonly selection: PingSelection = { sampleIdBelow: 100 },
    private readonly reader: PingReader = new PingScanner(),
  ) {
    this.histograms = histograms instanceof HistogramCatalog ? { histogramsFor: () => histograms } : histograms;
  }

  /** The dimension groups, by dimensionKey. */
  get groups(): ReadonlyMap<string, DimensionGroup> {
    return this.groupStates;
  }

  /** One line of NDJSON input, parsed by JSON.parse (the reference path, `--parser json`). */
  addLine(line: string): void {
    if (isBlank(line)) return;
    this.parseLine(line);
  }

  /**
   * One line of NDJSON input as the bytes [start, end) of `bytes` (without its newline), read by
   * the byte scanner; a line it cannot read is decoded (UTF-8 with replacement characters, as the
   * line reader decodes for addLine) and parsed by JSON.parse, with the same result.
   */
  addLineBytes(bytes: Uint8Array, start: number, end: number): void {
    const result = this.reader.scan(bytes, start, end);
    if (result.kind === 'ping') {
      this.stats.linesRead += 1;
      this.parsing.scanned += 1;
      this.addParsedPing(result.ping);
      return;
    }
    if (result.kind === 'blank') return;
    const line = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start, end);
    if (isBlank(line)) return;
    const reasons = this.parsing.fallbackReasons;
    reasons[result.reason] = (reasons[result.reason] ?? 0) + 1;
    this.parseLine(line);
  }

  private parseLine(line: string): void {
    this.stats.linesRead += 1;
    this.parsing.jsonParsed += 1;
    let ping: unknown;
    try {
      ping = JSON.parse(line);
    } catch {
      this.skipPing('invalid-json');
      return;
    }
    this.addParsedPing(ping);
  }

  /** A ping already parsed (counted as read). */
  addPing(ping: unknown): void {
    this.stats.linesRead += 1;
    this.addParsedPing(ping);
  }

  /** A ping JSON.parse read (of a JSON document input), counted as such: as the scanner's fallback when `fallback` says why. */
  addJsonParsedPing(ping: unknown, fallback?: FallbackReason): void {
    this.parsing.jsonParsed += 1;
    if (fallback !== undefined) this.parsing.fallbackReasons[fallback] = (this.parsing.fallbackReasons[fallback] ?? 0) + 1;
    this.addPing(ping);
  }

  private addParsedPing(ping: unknown): void {
    const result = readPingDimensions(ping, this.selection);
    if (!result.ok) {
      this.skipPing(result.reason);
      return;
    }
    const payload = (ping as Record<string, unknown>).payload;
    if (!isRecord(payload) || !validChildPayloads(payload.childPayloads)) {
      this.skipPing('invalid-payload');
      return;
    }
    this.stats.pingsAccepted += 1;
    const group = this.groupFor(result.dimensions);
    if (group.catalog === UNRESOLVED) group.catalog = this.catalogIndex(result.dimensions);
    this.current = group;
    extractMetrics(payload, this.sink);
    this.current = undefined;
  }

  private groupFor(dimensions: PingDimensions): GroupState {
    const key = dimensionKey(dimensions);
    let group = this.groupStates.get(key);
    if (!group) {
      group = new GroupState(dimensions);
      this.groupStates.set(key, group);
    }
    return group;
  }

  /**
   * Adds another aggregation's state (a partial aggregate of other input) into this one. The
   * sum of partials equals the aggregation of all their input: every total is a plain sum.
   */
  absorb(other: AggregationState): void {
    for (const group of other.groups) {
      const target = this.groupFor(group.dimensions);
      for (const source of group.accumulators) {
        const cells = source.cellView();
        this.accumulatorIn(target, source.metric, source.label, source.process, cells.length).addTotals(source.sum, source.count, cells);
      }
    }
    this.absorbStats(other.stats);
  }

  /**
   * The group with these dimensions (created if new), to add totals accumulated elsewhere (a
   * partial aggregate in another form, see threads/compact-partial.ts) to its accumulators, exactly. A
   * caller adding many accumulators of one group looks the group up once.
   */
  groupHandle(dimensions: PingDimensions): {
    add(metric: string, label: string, process: ProcessType, sum: ExactInt, count: number, cells: ArrayLike<ExactInt>): void;
  } {
    const target = this.groupFor(dimensions);
    return {
      add: (metric, label, process, sum, count, cells) =>
        this.accumulatorIn(target, metric, label, process, cells.length).addTotals(sum, count, cells),
    };
  }

  absorbStats(other: AggregationStats): void {
    const stats = this.stats;
    stats.linesRead += other.linesRead;
    stats.pingsAccepted += other.pingsAccepted;
    addCounts(stats.pingsSkipped, other.pingsSkipped);
    addCounts(stats.metricsSkipped, other.metricsSkipped);
    for (const [name, n] of other.undefinedHistograms) stats.undefinedHistograms.set(name, (stats.undefinedHistograms.get(name) ?? 0) + n);
  }

  absorbParsing(other: ParsingStats): void {
    this.parsing.scanned += other.scanned;
    this.parsing.jsonParsed += other.jsonParsed;
    addCounts(this.parsing.fallbackReasons, other.fallbackReasons);
  }

  private accumulatorIn(group: GroupState, metric: string, label: string, process: ProcessType, width: number): MetricAccumulator {
    const id = this.series.series(this.series.entry(metric), label, processIndex(process));
    return group.accumulator(id, metric, label, process, width);
  }

  private addHistogram(name: string, label: string, process: ProcessType, values: HistogramValues, sum: number): void {
    const entry = this.series.entry(name);
    const catalog = (this.current as GroupState).catalog;
    let layout = entry.layouts[catalog];
    if (layout === undefined) entry.layouts[catalog] = layout = this.layoutFor(name, catalog);
    if (layout === NO_LAYOUT) {
      this.skipMetric('no-definition');
      this.stats.undefinedHistograms.set(name, (this.stats.undefinedHistograms.get(name) ?? 0) + 1);
      return;
    }
    const accumulator = this.accumulatorOf(entry, label, process, layout.width);
    accumulator.sum = addExact(accumulator.sum, sum);
    accumulator.count += 1;
    if (values instanceof ScannedBuckets) this.addScannedBuckets(layout, accumulator, values);
    else this.addBucketObject(layout, accumulator, values);
  }

  /**
   * The byte scanner's pairs: plain bucket numbers, ascending, counts as numbers (NaN: not a
   * number). Ascending buckets meet ascending bounds in one walk along both: each bucket's cell is
   * the first bound equal to it (as in the layout's table), or none.
   */
  private addScannedBuckets(layout: HistogramLayout, accumulator: MetricAccumulator, values: ScannedBuckets): void {
    const pairs = values.pairs;
    const bounds = layout.ascendingBounds;
    if (bounds === undefined) {
      const table = layout.table;
      for (let i = values.start; i < values.end; i += 2) {
        const bucket = pairs[i] as number;
        const index = bucket < table.length ? (table[bucket] as number) : layout.indexOfBucket(bucket);
        if (index >= 0) this.addCount(accumulator, index, pairs[i + 1] as number);
      }
      return;
    }
    let index = 0;
    for (let i = values.start; i < values.end; i += 2) {
      const bucket = pairs[i] as number;
      while (index < bounds.length && (bounds[index] as number) < bucket) index++;
      if (index === bounds.length) return;
      if (bounds[index] === bucket) this.addCount(accumulator, index, pairs[i + 1] as number);
    }
  }

  /** A JSON object of bucket key -> count, in Object.keys order. */
  private addBucketObject(layout: HistogramLayout, accumulator: MetricAccumulator, values: Record<string, unknown>): void {
    const table = layout.table;
    // Object.keys and a digit loop: cheaper than for-in and a string-keyed map for the index-like
    // keys of `values` (measured); anything but a short digit string takes indexOfKey.
    const keys = Object.keys(values);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      const length = key.length;
      let index: number;
      let bucket = 0;
      let digits = 0;
      if (length <= 9) {
        for (; digits < length; digits++) {
          const digit = key.charCodeAt(digits) - 48;
          if (digit < 0 || digit > 9) break;
          bucket = bucket * 10 + digit;
        }
      }
      if (digits === length && length > 0) index = bucket < table.length ? (table[bucket] as number) : layout.indexOfBucket(bucket);
      else index = layout.indexOfKey(key);
      if (index < 0) {
        if (index === NON_INTEGER_KEY) this.skipMetric('non-integer-bucket-key');
        continue;
      }
      this.addCount(accumulator, index, values[key]);
    }
  }

  /** Adds one bucket's count (Python's int or bool; anything else is skipped and counted) to cell `index`. */
  private addCount(accumulator: MetricAccumulator, index: number, count: unknown): void {
    let increment: number;
    if (typeof count === 'number') {
      if (count === 0) return;
      if (!Number.isInteger(count)) {
        this.skipMetric('non-integer-bucket-count');
        return;
      }
      increment = count;
    } else if (typeof count === 'boolean') {
      if (!count) return;
      increment = 1;
    } else {
      this.skipMetric('non-integer-bucket-count');
      return;
    }
    if (accumulator.exactCells === undefined) {
      const cells = (this.current as GroupState).arena.cells;
      const at = accumulator.offset + index;
      const next = (cells[at] as number) + increment;
      if (next <= MAX_SAFE && next >= -MAX_SAFE) {
        cells[at] = next;
        return;
      }
    }
    accumulator.addToCell(index, increment);
  }

  private addValue(metric: string, label: string, process: ProcessType, value: number, labels: readonly number[]): void {
    if (value < 0) {
      this.skipMetric('negative-value');
      return;
    }
    const accumulator = this.accumulatorOf(this.series.entry(metric), label, process, labels.length);
    accumulator.sum = addExact(accumulator.sum, value);
    accumulator.count += 1;
    accumulator.addToCell(bucketIndexForValue(labels, value), 1);
  }

  private accumulatorOf(entry: MetricEntry<LayoutSlot>, label: string, process: ProcessType, width: number): MetricAccumulator {
    const id = this.series.series(entry, label, processIndex(process));
    return (this.current as GroupState).accumulator(id, entry.metric, label, process, width);
  }

  private layoutFor(name: string, catalog: number): LayoutSlot {
    const definition = (this.catalogs[catalog] as HistogramCatalog).lookup(name);
    return definition ? new HistogramLayout(definition) : NO_LAYOUT;
  }

  /** The index of the catalog of these dimensions' channel and version (added when new). */
  private catalogIndex(dimensions: PingDimensions): number {
    const catalog = this.histograms.histogramsFor(dimensions.channel, dimensions.version);
    const index = this.catalogs.indexOf(catalog);
    return index >= 0 ? index : this.catalogs.push(catalog) - 1;
  }

  private skipPing(reason: PingSkipReason): void {
    this.stats.pingsSkipped[reason] = (this.stats.pingsSkipped[reason] ?? 0) + 1;
  }

  skipMetric(reason: MetricSkipReason, times = 1): void {
    this.stats.metricsSkipped[reason] = (this.stats.metricsSkipped[reason] ?? 0) + times;
  }
}

/** Same as line.trim() === '' (JavaScript's whitespace), without allocating for a non-blank line. */
function isBlank(line: string): boolean {
  const first = line.charCodeAt(0);
  // '{' (every ping) and other printable ASCII: not blank
  if (first > 32 && first < 127) return false;
  return line.trim() === '';
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [reason, n] of Object.entries(from) as [K, number][]) into[reason] = (into[reason] ?? 0) + n;
}

function dimensionKey(d: PingDimensions): string {
  return `${d.submissionDate}\u0000${d.channel}\u0000${d.version}\u0000${d.buildId}\u0000${d.application}\u0000${d.architecture}\u0000${d.os}\u0000${d.osVersion}\u0000${d.e10sEnabled}`;
}

/**
 * Whether the original kept a ping for its childPayloads: it listed them with Python's iteration
 * (absent: an empty list) and dropped the ping when that failed or gave an item that is not an
 * object. So a list is kept when every item is an object; an object or a string yields its keys
 * or characters, so only an empty one is kept (with no child data); null, a number or a boolean
 * cannot be iterated.
 */
function validChildPayloads(childPayloads: unknown): boolean {
  if (childPayloads === undefined) return true;
  if (Array.isArray(childPayloads)) return childPayloads.every(isRecord);
  if (typeof childPayloads === 'string') return childPayloads === '';
  return isRecord(childPayloads) && Object.keys(childPayloads).length === 0;
}
