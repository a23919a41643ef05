/**
 * Walks one ping's payload the way the original aggregator did and reports every histogram and
 * every bucketed value (count histograms, numeric scalars, simple measurements) to a sink.
 */
import { isRecord } from '../../../worker/src/core/is-record';
import type { ProcessType } from '../../../worker/src/core/metric-names';
import { countHistogramMetric, PROCESS_TYPES, scalarMetric, simpleMeasureMetric } from '../../../worker/src/core/metric-names';
import type { ScannedBuckets } from '../scan/scanned-buckets';
import { forEachMember } from '../scan/scanned-members';
import { pythonNumber } from './ping-dimensions';
import type { MetricSkipReason } from './skip-reasons';
import { COUNT_HISTOGRAM_LABELS, NUMERIC_SCALARS_LABELS, SIMPLE_MEASURES_LABELS } from './value-buckets';

/** Keyed histograms the original never aggregated (bugs 1275010 and 1275019). */
const EXCLUDED_KEYED_HISTOGRAMS: ReadonlySet<string> = new Set([
  'MESSAGE_MANAGER_MESSAGE_SIZE',
  'VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION',
]);

/** Scalars whose name starts with this were never aggregated. */
const SKIPPED_SCALAR_PREFIX = 'browser.engagement.navigation';

/**
 * A histogram's sparse values: the JSON object (bucket key -> count), or the byte scanner's
 * reading of one (ScannedBuckets, an object too: isRecord holds for it).
 */
export type HistogramValues = Record<string, unknown> | ScannedBuckets;

export interface MetricSink {
  /** A valid histogram (not a count histogram): its sparse values and its sum. */
  histogram(name: string, label: string, process: ProcessType, values: HistogramValues, sum: number): void;
  /** One value to count in the largest label not above it. */
  value(metric: string, label: string, process: ProcessType, value: number, labels: readonly number[]): void;
  skipped(reason: MetricSkipReason): void;
}

/** Stored names derived from ping keys, remembered: the same few thousand names recur in every ping. */
const countNames = new Map<string, string>();
const scalarNames = new Map<string, string>();
const simpleNames = new Map<string, string>();
const simpleSubNames = new Map<string, Map<string, string>>();
const labelNames = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 100_000;

function remembered(cache: Map<string, string>, key: string, derive: (key: string) => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = derive(key);
    if (cache.size < MAX_REMEMBERED_NAMES) cache.set(key, value);
  }
  return value;
}

function simpleSubMetric(name: string, subName: string): string {
  let byName = simpleSubNames.get(name);
  if (byName === undefined) {
    byName = new Map();
    if (simpleSubNames.size < MAX_REMEMBERED_NAMES) simpleSubNames.set(name, byName);
  }
  let value = byName.get(subName);
  if (value === undefined) {
    value = simpleMeasureMetric(name, subName);
    if (byName.size < MAX_REMEMBERED_NAMES) byName.set(subName, value);
  }
  return value;
}

const upperCase = (key: string): string => key.toUpperCase();
const simpleMetric = (name: string): string => simpleMeasureMetric(name);

/**
 * The object at container[field], or undefined when it is absent or not an object; a present
 * field that is not an object is counted (its contents are ignored, as the original ignored them).
 */
function containerAt(container: Record<string, unknown>, field: string, sink: MetricSink): Record<string, unknown> | undefined {
  return containerOf(container[field], sink);
}

/** The value if it is an object, else undefined (counted when present). */
function containerOf(value: unknown, sink: MetricSink): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (value !== undefined) sink.skipped('invalid-container');
  return undefined;
}

/** payload must already be known to be an object (the ping filter checks it). */
export function extractMetrics(payload: Record<string, unknown>, sink: MetricSink): void {
  const processes = containerAt(payload, 'processes', sink);
  if (processes) extractScalars(processes, sink);
  extractHistograms(payload, 'parent', sink);
  extractSimpleMeasures(payload, 'parent', sink);
  if (Array.isArray(payload.childPayloads)) {
    for (const child of payload.childPayloads) {
      if (!isRecord(child)) continue;
      extractHistograms(child, 'content', sink);
      extractSimpleMeasures(child, 'content', sink);
    }
  }
  if (!processes) return;
  const content = containerAt(processes, 'content', sink);
  if (content) extractHistograms(content, 'content', sink);
  const gpu = containerAt(processes, 'gpu', sink);
  if (gpu) extractHistograms(gpu, 'gpu', sink);
}

function extractHistograms(payload: Record<string, unknown>, process: ProcessType, sink: MetricSink): void {
  const histograms = containerAt(payload, 'histograms', sink);
  if (histograms) forEachMember(histograms, (name, histogram) => extractHistogram(histogram, name, '', process, sink));
  const keyed = containerAt(payload, 'keyedHistograms', sink);
  if (!keyed) return;
  forEachMember(keyed, (name, value) => {
    if (EXCLUDED_KEYED_HISTOGRAMS.has(name)) return;
    const byKey = containerOf(value, sink);
    if (byKey) forEachMember(byKey, (key, histogram) => extractHistogram(histogram, name, key, process, sink));
  });
}

function extractHistogram(histogram: unknown, name: string, label: string, process: ProcessType, sink: MetricSink): void {
  if (!isRecord(histogram)) {
    sink.skipped('invalid-histogram');
    return;
  }
  const values = histogram.values;
  const sum = pythonInteger(histogram.sum);
  const type = pythonInteger(histogram.histogram_type);
  if (!isRecord(values) || sum === undefined || sum < 0 || type === undefined) {
    sink.skipped('invalid-histogram');
    return;
  }
  if (type === 4) {
    sink.value(remembered(countNames, name, countHistogramMetric), label, process, sum, COUNT_HISTOGRAM_LABELS);
    return;
  }
  sink.histogram(name, label, process, values, sum);
}

function extractSimpleMeasures(container: Record<string, unknown>, process: ProcessType, sink: MetricSink): void {
  const simple = containerAt(container, 'simpleMeasurements', sink);
  if (!simple) return;
  forEachMember(simple, (name, value) => {
    if (isRecord(value)) {
      forEachMember(value, (subName, subValue) => {
        const number = pythonNumber(subValue);
        if (number !== undefined) sink.value(simpleSubMetric(name, subName), '', process, number, SIMPLE_MEASURES_LABELS);
      });
    } else {
      const number = pythonNumber(value);
      if (number !== undefined) sink.value(remembered(simpleNames, name, simpleMetric), '', process, number, SIMPLE_MEASURES_LABELS);
    }
  });
}

function extractScalars(processes: Record<string, unknown>, sink: MetricSink): void {
  for (const process of PROCESS_TYPES) {
    const payload = processes[process];
    // a process entry of the wrong type is counted once, where its histograms are read (or here for the parent)
    if (!isRecord(payload)) {
      if (process === 'parent' && payload !== undefined) sink.skipped('invalid-container');
      continue;
    }
    const scalars = containerAt(payload, 'scalars', sink);
    if (scalars) {
      forEachMember(scalars, (name, scalar) => {
        const value = pythonNumber(scalar);
        if (value === undefined) sink.skipped('non-numeric-value');
        else if (!name.startsWith(SKIPPED_SCALAR_PREFIX))
          sink.value(remembered(scalarNames, name, scalarMetric), '', process, value, NUMERIC_SCALARS_LABELS);
      });
    }
    const keyedScalars = containerAt(payload, 'keyedScalars', sink);
    if (!keyedScalars) continue;
    forEachMember(keyedScalars, (name, keyed) => {
      if (name.startsWith(SKIPPED_SCALAR_PREFIX)) return;
      const byKey = containerOf(keyed, sink);
      if (!byKey) return;
      const metric = remembered(scalarNames, name, scalarMetric);
      forEachMember(byKey, (key, scalar) => {
        const value = pythonNumber(scalar);
        if (value === undefined) sink.skipped('non-numeric-value');
        else sink.value(metric, remembered(labelNames, key, upperCase), process, value, NUMERIC_SCALARS_LABELS);
      });
    });
  }
}

/** Python's isinstance(x, int): integers and booleans. */
function pythonInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}
