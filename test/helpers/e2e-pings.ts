/**
 * Input of the end-to-end test: the two real Firefox 54 "main" pings (the only fixtures carrying
 * the pipeline's `meta`) exactly as they are, plus deterministic variations of them:
 * - hand-made copies, cut down to a few metrics of every family, with other submission dates
 *   (two months), build ids, platforms, applications, e10s states, channels and versions, and
 *   keyed scalars added (the real pings have none);
 * - a few pings from the demo generator (builder/src/demo/generate-demo-pings.ts) varying the
 *   same cut-down pings, and pings the service must drop (Fennec, sampleId out of range).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import type { Variant } from '../worker/fixtures/derive-pings';
import { applyVariant, isObject, keepOnly } from '../worker/fixtures/derive-pings';

type Json = Record<string, unknown>;

const PINGS_DIR = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));

export function readRealPings(): [Json, Json] {
  const read = (name: string) => JSON.parse(readFileSync(`${PINGS_DIR}${name}`, 'utf8')) as Json;
  return [read('main-ff54-nightly-win-a.json'), read('main-ff54-nightly-win-b.json')];
}

/** Histograms kept in the variations (every kind; all are in golden-buckets.json or are count histograms). */
export const KEPT_HISTOGRAMS = [
  'GC_MS', // exponential, parent + content
  'CYCLE_COLLECTOR', // exponential
  'COMPOSITE_TIME', // exponential, gpu only
  'CONTENT_PROCESS_LAUNCH_TIME_MS', // exponential, 100 buckets
  'GC_MAX_PAUSE_MS', // linear
  'GC_BUDGET_MS', // linear
  'NETWORK_PROBE_MAXCOUNT', // linear, low 50
  'AUDIOSTREAM_BACKEND_USED', // enumerated (ping a, content)
  'GC_IS_COMPARTMENTAL', // boolean
  'A11Y_INSTANTIATED_FLAG', // flag, in all three processes
  'CYCLE_COLLECTOR_OOM', // flag
  'FX_PREFERENCES_CATEGORY_OPENED', // categorical (ping b, sent as type 1)
  'CREATE_EVENT_EVENT', // count
  'CONTENT_DOCUMENTS_DESTROYED', // count, use-counter denominator (*_DOCUMENT)
  'TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED', // count, use-counter denominator (*_PAGE)
  'USE_COUNTER2_PROPERTY_FILL_DOCUMENT',
  'USE_COUNTER2_PROPERTY_FILL_PAGE',
];
export const KEPT_KEYED_HISTOGRAMS = [
  'URLCLASSIFIER_CL_KEYED_UPDATE_TIME', // keyed exponential (ping a, parent)
  'CONTENT_LARGE_PAINT_PHASE_WEIGHT', // keyed linear, content; keys contain commas
  'D3D11_COMPOSITING_FAILURE_ID', // keyed count, gpu
];
export const KEPT_SIMPLE_MEASURES = ['uptime', 'firstLoadURI', 'js', 'main'];

/** Added keyed scalars: mixed-case keys (labels are upper-cased), a value above the last label, and skipped/hidden names. */
const ADDED_KEYED_SCALARS: Json = {
  'telemetry.test.keyed_unsigned_int': { first: 3, Second_Key: 7, 'mixed.Case-key': 12_000 },
  'browser.engagement.navigation.urlbar': { search_enter: 4 }, // never aggregated
  'browser.search.with_ads': { google: 1 }, // blacklisted
  'telemetry.event_counts': { 'navigation#search#urlbar': 2 }, // authed-only
};
const ADDED_CONTENT_SCALARS: Json = {
  scalars: { 'browser.engagement.max_concurrent_tab_count': 2 },
  keyedScalars: { 'telemetry.test.keyed_unsigned_int': { first: 1 } },
};

export function trimPing(ping: Json): Json {
  const copy = structuredClone(ping);
  const payload = copy.payload as Json;
  const trimProcess = (process: Json) => {
    process.histograms = keepOnly(process.histograms, KEPT_HISTOGRAMS);
    process.keyedHistograms = keepOnly(process.keyedHistograms, KEPT_KEYED_HISTOGRAMS);
  };
  trimProcess(payload);
  payload.simpleMeasurements = keepOnly(payload.simpleMeasurements, KEPT_SIMPLE_MEASURES);
  if (Array.isArray(payload.childPayloads)) {
    payload.childPayloads = payload.childPayloads.map((child: unknown) =>
      isObject(child) ? { simpleMeasurements: keepOnly(child.simpleMeasurements, KEPT_SIMPLE_MEASURES) } : child,
    );
  }
  const processes = payload.processes as Json;
  for (const name of ['content', 'gpu']) if (isObject(processes[name])) trimProcess(processes[name]);
  const parent = processes.parent as Json;
  parent.keyedScalars = { ...(isObject(parent.keyedScalars) ? parent.keyedScalars : {}), ...structuredClone(ADDED_KEYED_SCALARS) };
  delete parent.events;
  Object.assign(processes.content as Json, structuredClone(ADDED_CONTENT_SCALARS));
  for (const key of Object.keys(payload)) {
    if (!['histograms', 'keyedHistograms', 'simpleMeasurements', 'childPayloads', 'processes', 'info', 'ver'].includes(key))
      delete payload[key];
  }
  return copy;
}

/**
 * Categorical values (ping b sends this one empty): label indexes, the spill bucket (13) and a key
 * beyond it (dropped); plus keys that are no bucket lower bound (dropped), not integers (ignored),
 * a count that is not an integer (counted as 0), and a use counter's overflow bucket.
 */
function editValues(payload: Json): void {
  const histograms = payload.histograms as Json;
  histograms.FX_PREFERENCES_CATEGORY_OPENED = {
    bucket_count: 51,
    histogram_type: 5,
    range: [1, 50],
    sum: 44,
    values: { '0': 1, '1': 3, '4': 2, '12': 1, '13': 2, '20': 1 },
  };
  const gcMs = histograms.GC_MS as { values: Json };
  gcMs.values = { ...gcMs.values, '9': 4, abc: 1, '10': 1.5 };
  // a use counter with its (never used) overflow bucket set: the false bucket subtracts it too
  const content = (payload.processes as Json).content as { histograms: Json };
  content.histograms.USE_COUNTER2_PROPERTY_FILL_PAGE = {
    bucket_count: 3,
    histogram_type: 2,
    range: [1, 2],
    sum: 4,
    values: { '0': 0, '1': 2, '2': 1 },
  };
}

/** nightly 54 spans submission dates 20170130..20170202 and build dates 20170126..20170202 (two months each). */
const VARIANTS: readonly Variant[] = [
  { base: 1, submissionDate: '20170131', buildId: '20170130030205', edit: editValues },
  {
    base: 0,
    submissionDate: '20170131',
    buildId: '20170131030205',
    os: { name: 'Windows_NT', version: '6.1' },
    architecture: 'x86',
    e10sEnabled: false,
  },
  {
    base: 1,
    submissionDate: '20170201',
    buildId: '20170201030205',
    os: { name: 'Darwin', version: '16.4.0' },
    e10sEnabled: null,
    edit: editValues,
  },
  { base: 0, submissionDate: '20170201', buildId: '20170131030205', application: 'Thunderbird' },
  {
    base: 0,
    submissionDate: '20170202',
    buildId: '20170202030205',
    os: { name: 'Linux', version: '4.4.0-59-generic' },
    architecture: 'x86',
  },
  {
    base: 1,
    submissionDate: '20170130',
    buildId: '20170126030205',
    os: { name: 'Linux', version: '4.8.0-22-generic' },
    e10sEnabled: false,
  },
  // the same dates on another version and another channel: must never leak into nightly 54
  { base: 1, submissionDate: '20170130', buildId: '20170130030205', version: '55.0a1' },
  { base: 0, submissionDate: '20170131', buildId: '20170125030205', channel: 'beta', version: '54.0' },
  // dropped by the service: Fennec, and a sampleId that is not below 100
  { base: 0, submissionDate: '20170131', buildId: '20170131030205', application: 'Fennec' },
  { base: 1, submissionDate: '20170131', buildId: '20170131030205', sampleId: 100 },
];

export const GENERATED_COUNT = 10;
export const HAND_MADE_COUNT = VARIANTS.length;

/** Every ping the end-to-end build reads: real, hand-varied, generated. */
export function endToEndPings(): Json[] {
  const real = readRealPings();
  const trimmed = real.map(trimPing) as [Json, Json];
  const varied = VARIANTS.map((variant) => applyVariant(trimmed[variant.base], variant));
  const generated = [...generateDemoPings({ count: GENERATED_COUNT, seed: 54, basePings: trimmed, startDate: '20170130', days: 4 })];
  return [...real.map((ping) => structuredClone(ping)), ...varied, ...generated];
}
