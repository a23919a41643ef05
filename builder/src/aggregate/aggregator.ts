/**
 * The aggregation state: per ping dimensions, per (metric, label, process), a dense histogram,
 * a sum and a count — the original's build-id aggregates. Pure: no I/O.
 *
 * Histograms are laid out densely as they arrive (using their definition), which gives the same
 * stored rows as the original's sparse accumulation followed by its dense fill.
 */
import { bucketIndexForValue } from '../../../worker/src/core/buckets';
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addExact } from '../../../worker/src/core/exact-int';
import type { HistogramCatalog, HistogramDefinition } from '../../../worker/src/core/histogram-definitions';
import { denseIndexer, denseLength, parsePythonInt } from '../../../worker/src/core/histogram-definitions';
import type { ProcessType } from '../../../worker/src/core/metric-names';
import { extractMetrics } from './extract-metrics';
import type { MetricSink } from './extract-metrics';
import type { PingDimensions, PingSelection } from './ping-dimensions';
import { isRecord, readPingDimensions } from './ping-dimensions';
import type { MetricSkipReason, PingSkipReason } from './skip-reasons';

export interface MetricAccumulator {
  metric: string;
  label: string;
  process: ProcessType;
  sum: ExactInt;
  count: number;
  cells: ExactInt[];
}

export interface DimensionGroup {
  dimensions: PingDimensions;
  /** metric -> label -> one accumulator per process (index into PROCESS_TYPES). */
  metrics: Map<string, Map<string, (MetricAccumulator | undefined)[]>>;
}

const PROCESS_INDEX: Record<ProcessType, number> = { parent: 0, content: 1, gpu: 2 };

/** Every accumulator of a group. */
export function* accumulatorsOf(group: DimensionGroup): Generator<MetricAccumulator> {
  for (const byLabel of group.metrics.values()) {
    for (const byProcess of byLabel.values()) {
      for (const accumulator of byProcess) if (accumulator) yield accumulator;
    }
  }
}

export interface AggregationStats {
  linesRead: number;
  pingsAccepted: number;
  pingsSkipped: Partial<Record<PingSkipReason, number>>;
  metricsSkipped: Partial<Record<MetricSkipReason, number>>;
  /** Histogram names seen without a definition, with how often. */
  undefinedHistograms: Map<string, number>;
}

/** Dense index of a bucket key that is an integer but not a bucket lower bound: dropped. */
const DROPPED_KEY = -1;
/** Dense index of a bucket key that is not an integer: skipped and counted. */
const NON_INTEGER_KEY = -2;
/** Remembered key strings per histogram; bounded so hostile pings cannot grow it without end. */
const MAX_REMEMBERED_KEYS = 4096;

interface HistogramLayout {
  width: number;
  /** Bucket key string -> dense index (or DROPPED_KEY / NON_INTEGER_KEY), learned as keys are seen. */
  keyIndex: Map<string, number>;
  resolveKey: (key: string) => number;
}

function histogramLayout(definition: HistogramDefinition): HistogramLayout {
  const indexOf = denseIndexer(definition);
  const keyIndex = new Map<string, number>();
  return {
    width: denseLength(definition),
    keyIndex,
    resolveKey(key) {
      const bucket = parsePythonInt(key);
      const index = bucket === undefined ? NON_INTEGER_KEY : indexOf(bucket) < 0 ? DROPPED_KEY : indexOf(bucket);
      if (keyIndex.size < MAX_REMEMBERED_KEYS) keyIndex.set(key, index);
      return index;
    },
  };
}

/**
 * Turns one input line into a ping (a JSON value); throws on a line that is not one. Behind this
 * interface so that a byte scanner can replace JSON.parse without touching the aggregation.
 */
export interface PingParser {
  parse(line: string): unknown;
}

export const jsonPingParser: PingParser = { parse: (line) => JSON.parse(line) as unknown };

export class Aggregator {
  readonly groups = new Map<string, DimensionGroup>();
  readonly stats: AggregationStats = {
    linesRead: 0,
    pingsAccepted: 0,
    pingsSkipped: {},
    metricsSkipped: {},
    undefinedHistograms: new Map(),
  };
  private readonly layouts = new Map<string, HistogramLayout | null>();
  private current: DimensionGroup | undefined;
  private readonly sink: MetricSink = {
    histogram: (name, label, process, values, sum) => this.addHistogram(name, label, process, values, sum),
    value: (metric, label, process, value, labels) => this.addValue(metric, label, process, value, labels),
    skipped: (reason) => this.skipMetric(reason),
  };

  constructor(
    private readonly histograms: HistogramCatalog,
    private readonly selection: PingSelection = { sampleIdBelow: 100 },
    private readonly parser: PingParser = jsonPingParser,
  ) {}

  /** One line of NDJSON input. */
  addLine(line: string): void {
    if (line.trim() === '') return;
    this.stats.linesRead += 1;
    let ping: unknown;
    try {
      ping = this.parser.parse(line);
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

  private addParsedPing(ping: unknown): void {
    const result = readPingDimensions(ping, this.selection);
    if (!result.ok) return this.skipPing(result.reason);
    const payload = (ping as Record<string, unknown>).payload;
    if (!isRecord(payload) || !validChildPayloads(payload.childPayloads)) return this.skipPing('invalid-payload');
    this.stats.pingsAccepted += 1;
    this.current = this.groupFor(result.dimensions);
    extractMetrics(payload, this.sink);
    this.current = undefined;
  }

  private groupFor(dimensions: PingDimensions): DimensionGroup {
    const key = dimensionKey(dimensions);
    let group = this.groups.get(key);
    if (!group) {
      group = { dimensions, metrics: new Map() };
      this.groups.set(key, group);
    }
    return group;
  }

  /**
   * Adds another aggregation's state (a partial aggregate of other input) into this one. The
   * sum of partials equals the aggregation of all their input: every total is a plain sum.
   */
  absorb(other: { groups: Iterable<DimensionGroup>; stats: AggregationStats }): void {
    for (const group of other.groups) {
      this.current = this.groupFor(group.dimensions);
      for (const source of accumulatorsOf(group)) {
        const target = this.accumulator(source.metric, source.label, source.process, source.cells.length);
        target.sum = addExact(target.sum, source.sum);
        target.count += source.count;
        const cells = target.cells;
        source.cells.forEach((value, i) => {
          cells[i] = i < cells.length ? addExact(cells[i] as ExactInt, value) : value;
        });
      }
    }
    this.current = undefined;
    const stats = this.stats;
    stats.linesRead += other.stats.linesRead;
    stats.pingsAccepted += other.stats.pingsAccepted;
    addCounts(stats.pingsSkipped, other.stats.pingsSkipped);
    addCounts(stats.metricsSkipped, other.stats.metricsSkipped);
    for (const [name, n] of other.stats.undefinedHistograms) stats.undefinedHistograms.set(name, (stats.undefinedHistograms.get(name) ?? 0) + n);
  }

  private accumulator(metric: string, label: string, process: ProcessType, width: number): MetricAccumulator {
    const metrics = (this.current as DimensionGroup).metrics;
    let byLabel = metrics.get(metric);
    if (!byLabel) metrics.set(metric, (byLabel = new Map()));
    let byProcess = byLabel.get(label);
    if (!byProcess) byLabel.set(label, (byProcess = [undefined, undefined, undefined]));
    const index = PROCESS_INDEX[process];
    let accumulator = byProcess[index];
    if (!accumulator) {
      accumulator = { metric, label, process, sum: 0, count: 0, cells: new Array<ExactInt>(width).fill(0) };
      byProcess[index] = accumulator;
    }
    return accumulator;
  }

  private addHistogram(name: string, label: string, process: ProcessType, values: Record<string, unknown>, sum: number): void {
    const layout = this.layoutOf(name);
    if (!layout) {
      this.skipMetric('no-definition');
      this.stats.undefinedHistograms.set(name, (this.stats.undefinedHistograms.get(name) ?? 0) + 1);
      return;
    }
    const accumulator = this.accumulator(name, label, process, layout.width);
    accumulator.sum = addExact(accumulator.sum, sum);
    accumulator.count += 1;
    const cells = accumulator.cells;
    const keyIndex = layout.keyIndex;
    for (const key in values) {
      let index = keyIndex.get(key);
      if (index === undefined) index = layout.resolveKey(key);
      if (index < 0) {
        if (index === NON_INTEGER_KEY) this.skipMetric('non-integer-bucket-key');
        continue;
      }
      const count = values[key];
      if (count === 0) continue;
      const increment = typeof count === 'number' ? (Number.isInteger(count) ? count : 0) : typeof count === 'boolean' ? Number(count) : 0;
      if (increment !== 0) cells[index] = addExact(cells[index] as ExactInt, increment);
    }
  }

  private addValue(metric: string, label: string, process: ProcessType, value: number, labels: readonly number[]): void {
    if (value < 0) return this.skipMetric('negative-value');
    const accumulator = this.accumulator(metric, label, process, labels.length);
    accumulator.sum = addExact(accumulator.sum, value);
    accumulator.count += 1;
    const index = bucketIndexForValue(labels, value);
    accumulator.cells[index] = addExact(accumulator.cells[index] as ExactInt, 1);
  }

  private layoutOf(name: string): HistogramLayout | null {
    let layout = this.layouts.get(name);
    if (layout === undefined) {
      const definition = this.histograms.lookup(name);
      layout = definition ? histogramLayout(definition) : null;
      this.layouts.set(name, layout);
    }
    return layout;
  }

  private skipPing(reason: PingSkipReason): void {
    this.stats.pingsSkipped[reason] = (this.stats.pingsSkipped[reason] ?? 0) + 1;
  }

  skipMetric(reason: MetricSkipReason, times = 1): void {
    this.stats.metricsSkipped[reason] = (this.stats.metricsSkipped[reason] ?? 0) + times;
  }
}

function addCounts<K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>): void {
  for (const [reason, n] of Object.entries(from) as [K, number][]) into[reason] = (into[reason] ?? 0) + n;
}

export function dimensionKey(d: PingDimensions): string {
  return `${d.submissionDate}\u0000${d.channel}\u0000${d.version}\u0000${d.buildId}\u0000${d.application}\u0000${d.architecture}\u0000${d.os}\u0000${d.osVersion}\u0000${d.e10sEnabled}`;
}

/** The original dropped a ping whose childPayloads was present but not a list of objects. */
function validChildPayloads(childPayloads: unknown): boolean {
  if (childPayloads === undefined) return true;
  return Array.isArray(childPayloads) && childPayloads.every(isRecord);
}
