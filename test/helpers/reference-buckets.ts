/**
 * Test-side bucket math, written from builder/data/BUCKETS.md and independent of the builder's
 * and worker's own code, so tests can compute expected dense rows themselves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DATA = fileURLToPath(new URL('../../builder/data/', import.meta.url));

export interface GoldenHistogram {
  kind: string;
  keyed: boolean;
  low: number;
  high: number;
  n_buckets: number;
  ranges: number[];
  service_buckets: (number | string)[];
  stored_histogram_length: number;
  definition: { labels?: string[] };
}

/** A real ping histogram and the dense histogram python_moztelemetry made of it. */
export interface GoldenFillExample {
  name: string;
  /** The ping it comes from, relative to test/fixtures/. */
  ping: string;
  ping_histogram: { values: Record<string, number> };
  dense_values: number[];
  /** The dense histogram's index: bucket lower bounds, or categorical labels and "spill". */
  dense_index: string[];
}

export interface Golden {
  simple_measures_labels: number[];
  count_histogram_labels: number[];
  numeric_scalars_labels: number[];
  histograms: Record<string, GoldenHistogram>;
  fill_examples: GoldenFillExample[];
}

let golden: Golden | undefined;
export function loadGolden(): Golden {
  golden ??= JSON.parse(readFileSync(path.join(DATA, 'golden-buckets.json'), 'utf8')) as Golden;
  return golden;
}

export interface RawHistogramDefinition {
  kind: string;
  low?: number | string;
  high?: number | string;
  n_buckets?: number | string;
  n_values?: number | string;
  labels?: string[];
  keyed?: boolean | string;
  description?: string;
}

let rawDefinitions: Record<string, RawHistogramDefinition> | undefined;
/** The vendored Histograms.json, parsed as plain JSON (no builder code involved). */
export function rawHistogramDefinitions(): Record<string, RawHistogramDefinition> {
  rawDefinitions ??= JSON.parse(readFileSync(path.join(DATA, 'Histograms.json'), 'utf8')) as Record<string, RawHistogramDefinition>;
  return rawDefinitions;
}

/** BUCKETS.md §3: exponential(min, max, n). */
export function exponentialBuckets(min: number, max: number, n: number): number[] {
  const out = [0, min];
  let current = min;
  for (let i = 2; i < n; i++) {
    const next = Math.floor(Math.exp(Math.log(current) + (Math.log(max) - Math.log(current)) / (n - i)) + 0.5);
    current = next > current ? next : current + 1;
    out.push(current);
  }
  return out;
}

/** BUCKETS.md §3: linear(min, max, n), exact .5 rounding up. */
export function linearBuckets(min: number, max: number, n: number): number[] {
  const out = [0];
  for (let i = 1; i < n; i++) out.push(Math.floor((min * (n - 1 - i) + max * (i - 1)) / (n - 2) + 0.5));
  return out;
}

/** How a histogram's sparse values land in its dense row. */
export type Layout = { kind: 'ranges'; ranges: number[] } | { kind: 'categorical'; width: number };

/** Layout from a raw Histograms.json definition (BUCKETS.md §2-§4); undefined when there is none. */
export function layoutFor(name: string): Layout | undefined {
  if (name.startsWith('USE_COUNTER_') || name.startsWith('USE_COUNTER2_')) return { kind: 'ranges', ranges: [0, 1, 2] };
  const definitions = rawHistogramDefinitions();
  const definition = definitions[name] ?? (name.startsWith('STARTUP_') ? definitions[name.slice('STARTUP_'.length)] : undefined);
  if (!definition) return undefined;
  const low = Number(definition.low ?? 1);
  switch (definition.kind) {
    case 'boolean':
    case 'flag':
    case 'count':
      return { kind: 'ranges', ranges: [0, 1, 2] };
    case 'enumerated':
      return { kind: 'ranges', ranges: Array.from({ length: Number(definition.n_values) + 1 }, (_, i) => i) };
    case 'categorical':
      return { kind: 'categorical', width: (definition.labels ?? []).length + 1 };
    case 'linear':
      return { kind: 'ranges', ranges: linearBuckets(low, Number(definition.high), Number(definition.n_buckets)) };
    case 'exponential':
      return { kind: 'ranges', ranges: exponentialBuckets(low, Number(definition.high), Number(definition.n_buckets)) };
    default:
      throw new Error(`unexpected kind ${definition.kind} for ${name}`);
  }
}

/** Layout from a golden-buckets.json entry. */
export function goldenLayout(entry: GoldenHistogram): Layout {
  return entry.kind === 'categorical'
    ? { kind: 'categorical', width: entry.stored_histogram_length }
    : { kind: 'ranges', ranges: entry.ranges };
}

export function layoutWidth(layout: Layout): number {
  return layout.kind === 'ranges' ? layout.ranges.length : layout.width;
}

/** Adds `times` × a sparse `values` dict into a dense row (keys that are not bucket lower bounds are dropped). */
export function addSparse(row: number[], layout: Layout, values: Record<string, unknown>, times = 1): void {
  for (const [key, value] of Object.entries(values)) {
    if (!/^-?\d+$/.test(key.trim())) continue;
    const bucket = Number(key);
    const index = layout.kind === 'ranges' ? layout.ranges.indexOf(bucket) : bucket >= 0 && bucket < layout.width ? bucket : -1;
    if (index < 0) continue;
    const count = typeof value === 'boolean' ? Number(value) : typeof value === 'number' && Number.isInteger(value) ? value : 0;
    row[index] = (row[index] as number) + count * times;
  }
}

export function denseOf(layout: Layout, values: Record<string, unknown>, times = 1): number[] {
  const row: number[] = new Array<number>(layoutWidth(layout)).fill(0);
  addSparse(row, layout, values, times);
  return row;
}

/** Index of the largest label not above value. */
export function labelIndex(labels: readonly number[], value: number): number {
  let index = -1;
  labels.forEach((label, i) => {
    if (label <= value) index = i;
  });
  if (index < 0) throw new Error(`no label below ${value}`);
  return index;
}
