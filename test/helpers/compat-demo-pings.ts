/**
 * Demo-like input for the client-compatibility test: a few hundred pings from the builder's demo
 * generator (builder/src/demo/generate-demo-pings.ts: four channels, two versions each, several
 * platforms, deterministic), varying the real fixture pings cut down to a dozen metrics of every
 * family so that the build stays small. 40 submission days over three months.
 */
import { fileURLToPath } from 'node:url';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';

type Json = Record<string, unknown>;

export const PING_COUNT = 480;
export const DEMO_SEED = 1; // with 480 pings: nightly 54 has all 40 submission dates
export const START_DATE = '20170125'; // 40 submission days: 20170125..20170305, three months
export const DAYS = 40;

/** Metrics kept in the demo pings (a cut of the real pings, to keep the build small). */
export const KEPT_HISTOGRAMS = new Set([
  'GC_MS',
  'GC_MAX_PAUSE_MS',
  'A11Y_INSTANTIATED_FLAG',
  'GC_IS_COMPARTMENTAL',
  'FX_PREFERENCES_CATEGORY_OPENED',
  'CREATE_EVENT_EVENT',
  'TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED', // the denominator of *_PAGE use counters
  'USE_COUNTER2_PROPERTY_FILL_PAGE',
  'CONTENT_LARGE_PAINT_PHASE_WEIGHT',
  'STARTUP_CRASH_DETECTED', // the client hides STARTUP_* from its metric list
]);
const KEPT_SIMPLE_MEASURES = new Set(['uptime', 'firstPaint']);
const KEPT_SCALARS = new Set(['browser.engagement.max_concurrent_tab_count', 'telemetry.test.keyed_unsigned_int']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keep(record: unknown, names: ReadonlySet<string>): Json {
  return isObject(record) ? Object.fromEntries(Object.entries(record).filter(([name]) => names.has(name))) : {};
}

/** A real ping cut down to the kept metrics. */
function trim(ping: unknown): Json {
  const copy = structuredClone(ping) as Json;
  const payload = copy.payload as Json;
  const trimMeasurements = (container: Json): Json => ({
    ...(container.histograms ? { histograms: keep(container.histograms, KEPT_HISTOGRAMS) } : {}),
    ...(container.keyedHistograms ? { keyedHistograms: keep(container.keyedHistograms, KEPT_HISTOGRAMS) } : {}),
    ...(container.simpleMeasurements ? { simpleMeasurements: keep(container.simpleMeasurements, KEPT_SIMPLE_MEASURES) } : {}),
    ...(container.scalars ? { scalars: keep(container.scalars, KEPT_SCALARS) } : {}),
    ...(container.keyedScalars ? { keyedScalars: keep(container.keyedScalars, KEPT_SCALARS) } : {}),
  });
  const trimmed: Json = trimMeasurements(payload);
  if (Array.isArray(payload.childPayloads))
    trimmed.childPayloads = payload.childPayloads.map((child) => (isObject(child) ? trimMeasurements(child) : child));
  if (isObject(payload.processes)) {
    trimmed.processes = Object.fromEntries(
      Object.entries(payload.processes).map(([name, process]) => [name, isObject(process) ? trimMeasurements(process) : process]),
    );
  }
  copy.payload = trimmed;
  return copy;
}

/** The demo pings (the same every time). */
export function compatDemoPings(options: { count?: number; seed?: number } = {}): Json[] {
  const bases = loadBasePings(fileURLToPath(new URL('../fixtures/pings/', import.meta.url))).map(trim);
  return [
    ...generateDemoPings({
      count: options.count ?? PING_COUNT,
      seed: options.seed ?? DEMO_SEED,
      basePings: bases,
      startDate: START_DATE,
      days: DAYS,
    }),
  ];
}
