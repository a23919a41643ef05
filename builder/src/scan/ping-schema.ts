/**
 * What the aggregation reads of a ping (ping-dimensions.ts, aggregator.ts and extract-metrics.ts),
 * as a tree: the byte scanner keeps these parts and skips everything else unmaterialised. A part
 * the aggregation reads that is not listed here changes a result, and the differential test
 * (test/builder/scanner-differential.test.ts) fails: list it here.
 *
 * - record: an object of which only the listed members are read, by name;
 * - map: an object whose every member is read (iterated): each value is read as `entries`;
 * - list: an array whose every element is read as `items`;
 * - histogram: the record of one histogram (values, sum, histogram_type), which the scanner also
 *   reads by a fast path when its members are written as Firefox writes them;
 * - buckets: a histogram's `values` (bucket -> count);
 * - value: read whole (numbers, strings and literals as JSON.parse gives them, and so are objects
 *   and arrays there).
 * A value whose JSON type is not the one its node expects (a list where a record is read, a number
 * where a map is) is read whole too: the aggregation sees exactly what JSON.parse gives. Pure.
 */

export const VALUE = 0;
export const RECORD = 1;
export const MAP = 2;
export const LIST = 3;
export const BUCKETS = 4;
export const HISTOGRAM = 5;

export interface SchemaField {
  name: string;
  /** The name's bytes (every field name here is ASCII). */
  bytes: Uint8Array;
  node: SchemaNode;
}

export interface RecordNode {
  readonly kind: typeof RECORD;
  readonly fields: readonly SchemaField[];
  /**
   * Every field, undefined: a record starts as a copy of it, so all records of a node share one
   * shape (an absent member reads as undefined, as on JSON.parse's object).
   */
  readonly template: Readonly<Record<string, undefined>>;
  /** The fields by the length of their name (most keys are told apart by length alone). */
  readonly byLength: readonly (readonly SchemaField[] | undefined)[];
}

export interface HistogramNode {
  readonly kind: typeof HISTOGRAM;
  /** What is read of a histogram (the fast path reads the same). */
  readonly record: RecordNode;
}

export type SchemaNode =
  | { readonly kind: typeof VALUE }
  | { readonly kind: typeof BUCKETS }
  | RecordNode
  | HistogramNode
  | { readonly kind: typeof MAP; readonly entries: SchemaNode }
  | { readonly kind: typeof LIST; readonly items: SchemaNode };

const value: SchemaNode = { kind: VALUE };
const buckets: SchemaNode = { kind: BUCKETS };
const map = (entries: SchemaNode): SchemaNode => ({ kind: MAP, entries });
const list = (items: SchemaNode): SchemaNode => ({ kind: LIST, items });
function record(members: Record<string, SchemaNode>): RecordNode {
  const fields = Object.entries(members).map(([name, node]) => ({ name, bytes: new TextEncoder().encode(name), node }));
  const byLength: SchemaField[][] = [];
  for (const field of fields) (byLength[field.bytes.length] ??= []).push(field);
  return { kind: RECORD, fields, template: Object.fromEntries(fields.map((field) => [field.name, undefined])), byLength };
}

const HISTOGRAM_NODE: HistogramNode = { kind: HISTOGRAM, record: record({ values: buckets, sum: value, histogram_type: value }) };
const HISTOGRAMS = map(HISTOGRAM_NODE);
const KEYED_HISTOGRAMS = map(map(HISTOGRAM_NODE));
const SCALARS = map(value);
const KEYED_SCALARS = map(map(value));
/** A simple measurement is a number or an object of numbers (a map read whole where it is not an object). */
const SIMPLE_MEASUREMENTS = map(map(value));

/** extractScalars reads every process's scalars; extractHistograms reads content's and gpu's histograms (the parent's are the payload's). */
const PARENT_PROCESS = record({ scalars: SCALARS, keyedScalars: KEYED_SCALARS });
const OTHER_PROCESS = record({ scalars: SCALARS, keyedScalars: KEYED_SCALARS, histograms: HISTOGRAMS, keyedHistograms: KEYED_HISTOGRAMS });
const CHILD_PAYLOAD = record({ histograms: HISTOGRAMS, keyedHistograms: KEYED_HISTOGRAMS, simpleMeasurements: SIMPLE_MEASUREMENTS });

const PAYLOAD = record({
  processes: record({ parent: PARENT_PROCESS, content: OTHER_PROCESS, gpu: OTHER_PROCESS }),
  histograms: HISTOGRAMS,
  keyedHistograms: KEYED_HISTOGRAMS,
  simpleMeasurements: SIMPLE_MEASUREMENTS,
  childPayloads: list(CHILD_PAYLOAD),
});

/** A "main" ping: its dimensions (readPingDimensions) and its payload. */
export const PING_SCHEMA: RecordNode = record({
  meta: record({ sampleId: value, submissionDate: value }),
  application: record({ channel: value, version: value, buildId: value, name: value, architecture: value }),
  environment: record({
    system: record({ os: record({ name: value, version: value }) }),
    settings: record({ e10sEnabled: value }),
  }),
  payload: PAYLOAD,
});
