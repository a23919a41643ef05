/**
 * Walks one ping's payload the way the original aggregator did and reports every histogram and
 * every bucketed value (count histograms, numeric scalars, simple measurements) to a sink.
 */
import {
  COUNT_HISTOGRAM_LABELS,
  NUMERIC_SCALARS_LABELS,
  SIMPLE_MEASURES_LABELS,
} from '../../../worker/src/core/buckets';
import type { ProcessType } from '../../../worker/src/core/metric-names';
import {
  countHistogramMetric,
  EXCLUDED_KEYED_HISTOGRAMS,
  PROCESS_TYPES,
  scalarMetric,
  simpleMeasureMetric,
  SKIPPED_SCALAR_PREFIX,
} from '../../../worker/src/core/metric-names';
import { isRecord, pythonNumber } from './ping-dimensions';
import type { MetricSkipReason } from './skip-reasons';

export interface MetricSink {
  /** A valid histogram (not a count histogram): its sparse values and its sum. */
  histogram(name: string, label: string, process: ProcessType, values: Record<string, unknown>, sum: number): void;
  /** One value to count in the largest label not above it. */
  value(metric: string, label: string, process: ProcessType, value: number, labels: readonly number[]): void;
  skipped(reason: MetricSkipReason): void;
}

/** Stored names derived from ping keys, remembered: the same few thousand names recur in every ping. */
const countNames = new Map<string, string>();
const scalarNames = new Map<string, string>();
const simpleNames = new Map<string, string>();
const labelNames = new Map<string, string>();

function remembered(cache: Map<string, string>, key: string, derive: () => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = derive();
    if (cache.size < 100_000) cache.set(key, value);
  }
  return value;
}

/** payload must already be known to be an object (the ping filter checks it). */
export function extractMetrics(payload: Record<string, unknown>, sink: MetricSink): void {
  const processes = isRecord(payload.processes) ? payload.processes : {};
  extractScalars(processes, sink);
  extractHistograms(payload, 'parent', sink);
  extractSimpleMeasures(payload.simpleMeasurements, 'parent', sink);
  if (Array.isArray(payload.childPayloads)) {
    for (const child of payload.childPayloads) {
      if (!isRecord(child)) continue;
      extractHistograms(child, 'content', sink);
      extractSimpleMeasures(child.simpleMeasurements, 'content', sink);
    }
  }
  if (isRecord(processes.content)) extractHistograms(processes.content, 'content', sink);
  if (isRecord(processes.gpu)) extractHistograms(processes.gpu, 'gpu', sink);
}

function extractHistograms(payload: Record<string, unknown>, process: ProcessType, sink: MetricSink): void {
  const histograms = payload.histograms;
  if (isRecord(histograms)) {
    for (const name in histograms) extractHistogram(histograms[name], name, '', process, sink);
  }
  const keyed = payload.keyedHistograms;
  if (!isRecord(keyed)) return;
  for (const name in keyed) {
    if (EXCLUDED_KEYED_HISTOGRAMS.has(name)) continue;
    const byKey = keyed[name];
    if (!isRecord(byKey)) continue;
    for (const key in byKey) extractHistogram(byKey[key], name, key, process, sink);
  }
}

function extractHistogram(histogram: unknown, name: string, label: string, process: ProcessType, sink: MetricSink): void {
  if (!isRecord(histogram)) return sink.skipped('invalid-histogram');
  const values = histogram.values;
  const sum = pythonInteger(histogram.sum);
  const type = pythonInteger(histogram.histogram_type);
  if (!isRecord(values) || sum === undefined || sum < 0 || type === undefined) return sink.skipped('invalid-histogram');
  if (type === 4) return sink.value(remembered(countNames, name, () => countHistogramMetric(name)), label, process, sum, COUNT_HISTOGRAM_LABELS);
  sink.histogram(name, label, process, values, sum);
}

function extractSimpleMeasures(simple: unknown, process: ProcessType, sink: MetricSink): void {
  if (!isRecord(simple)) return;
  for (const name in simple) {
    const value = simple[name];
    if (isRecord(value)) {
      for (const subName in value) {
        const subValue = pythonNumber(value[subName]);
        if (subValue === undefined) continue;
        const metric = remembered(simpleNames, `${name}\u0000${subName}`, () => simpleMeasureMetric(name, subName));
        sink.value(metric, '', process, subValue, SIMPLE_MEASURES_LABELS);
      }
    } else {
      const number = pythonNumber(value);
      if (number !== undefined) sink.value(remembered(simpleNames, name, () => simpleMeasureMetric(name)), '', process, number, SIMPLE_MEASURES_LABELS);
    }
  }
}

function extractScalars(processes: Record<string, unknown>, sink: MetricSink): void {
  for (const process of PROCESS_TYPES) {
    const payload = processes[process];
    if (!isRecord(payload)) continue;
    const scalars = payload.scalars;
    if (isRecord(scalars)) {
      for (const name in scalars) {
        const value = pythonNumber(scalars[name]);
        if (value === undefined) {
          sink.skipped('non-numeric-value');
          continue;
        }
        if (name.startsWith(SKIPPED_SCALAR_PREFIX)) continue;
        sink.value(remembered(scalarNames, name, () => scalarMetric(name)), '', process, value, NUMERIC_SCALARS_LABELS);
      }
    }
    const keyedScalars = payload.keyedScalars;
    if (!isRecord(keyedScalars)) continue;
    for (const name in keyedScalars) {
      const byKey = keyedScalars[name];
      if (!isRecord(byKey) || name.startsWith(SKIPPED_SCALAR_PREFIX)) continue;
      const metric = remembered(scalarNames, name, () => scalarMetric(name));
      for (const key in byKey) {
        const value = pythonNumber(byKey[key]);
        if (value === undefined) {
          sink.skipped('non-numeric-value');
          continue;
        }
        sink.value(metric, remembered(labelNames, key, () => key.toUpperCase()), process, value, NUMERIC_SCALARS_LABELS);
      }
    }
  }
}

/** Python's isinstance(x, int): integers and booleans. */
function pythonInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}
