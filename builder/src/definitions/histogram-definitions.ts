/**
 * One entry of Histograms.json → its definition (kind, bucket parameters, bucket lower bounds,
 * labels), following builder/data/BUCKETS.md §2–§3, i.e. python_moztelemetry's non-strict
 * server-side parse. The whole file and the lookup rules are histogram-catalog.ts. Pure; no eval.
 *
 * Error model. The original parsed a definition only when it was looked up, and a
 * broken definition failed for that histogram alone, in one of two ways:
 *  - a KeyError (missing `kind`, `description`, `high`, `n_buckets`, `n_values`, or
 *    categorical `labels`): the lookup then retried without a leading `STARTUP_`;
 *  - any other error (ParserError for a bad type, unknown kind, bad categorical
 *    label, unknown releaseChannelCollection, a forbidden name; or an error while
 *    computing the buckets): no retry.
 * Here both end as "no definition" (`parseEntry` gives a problem); the first kind is
 * reported as 'missing-field' and still allows the STARTUP_ retry, the second as
 * 'invalid'. Parsing never throws for a single bad definition.
 */

import { exponentialBuckets, linearBuckets } from '../../../worker/src/core/buckets';
import { isRecord } from '../../../worker/src/core/is-record';
import { evaluateIntegerExpression } from './integer-expression';

export type HistogramKind = 'exponential' | 'linear' | 'boolean' | 'flag' | 'count' | 'enumerated' | 'categorical';

export interface HistogramDefinition {
  readonly name: string;
  readonly kind: HistogramKind;
  readonly keyed: boolean;
  readonly description: string;
  readonly low: number;
  readonly high: number;
  readonly nBuckets: number;
  /** Bucket lower bounds, length nBuckets. */
  readonly ranges: readonly number[];
  /** Categorical labels, [] otherwise. */
  readonly labels: readonly string[];
}

/** Why an entry of Histograms.json yields no definition. */
export interface DefinitionProblem {
  readonly name: string;
  /** 'missing-field' behaves like the original's KeyError (STARTUP_ retry allowed). */
  readonly failure: 'missing-field' | 'invalid';
  readonly reason: string;
}

const HISTOGRAM_KINDS: ReadonlySet<string> = new Set<HistogramKind>([
  'exponential',
  'linear',
  'boolean',
  'flag',
  'count',
  'enumerated',
  'categorical',
]);

/** Named constants the non-strict parse knows for numeric fields (also replaced in the raw text, see histogram-catalog.ts). */
export const NAMED_NUMERIC_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['JS::gcreason::NUM_TELEMETRY_REASONS', 101],
  ['mozilla::StartupTimeline::MAX_EVENT_ID', 12],
]);

const MAX_LABEL_LENGTH = 20;
const MAX_LABEL_COUNT = 100;
const MIN_CATEGORICAL_BUCKET_COUNT = 50;
/** `^[a-z][a-z0-9_]+[a-z0-9]$` case-insensitive; Python's `$` also matches before a final "\n". */
const LABEL_PATTERN = /^[a-z][a-z0-9_]+[a-z0-9]\n?$/iu;
const RELEASE_CHANNEL_COLLECTIONS: ReadonlySet<string> = new Set(['opt-in', 'opt-out']);

const COERCED_INTEGER_FIELDS = ['low', 'high', 'n_values', 'n_buckets'] as const;
const STRING_FIELDS = ['expires_in_version', 'kind', 'description', 'cpp_guard', 'releaseChannelCollection'] as const;
const STRING_LIST_FIELDS = ['alert_emails', 'labels', 'record_in_processes'] as const;

type RawDefinition = Readonly<Record<string, unknown>>;

export type EntryOutcome =
  | { readonly ok: true; readonly definition: HistogramDefinition }
  | { readonly ok: false; readonly problem: DefinitionProblem };

class DefinitionFailure extends Error {
  constructor(
    readonly failure: DefinitionProblem['failure'],
    reason: string,
  ) {
    super(reason);
  }
}

function invalid(reason: string): never {
  throw new DefinitionFailure('invalid', reason);
}

function missingField(field: string): never {
  throw new DefinitionFailure('missing-field', `missing "${field}"`);
}

/** Python's isinstance(x, int) after the non-strict coercion (bool counts as int). */
function coerceInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value + 0 : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return NAMED_NUMERIC_CONSTANTS.get(value) ?? evaluateIntegerExpression(value);
  return undefined;
}

interface CheckedFields {
  readonly integers: Readonly<Partial<Record<(typeof COERCED_INTEGER_FIELDS)[number], number>>>;
  readonly keyed: boolean;
  readonly labels: readonly string[] | undefined;
}

function checkFieldTypes(raw: RawDefinition): CheckedFields {
  const integers: Partial<Record<(typeof COERCED_INTEGER_FIELDS)[number], number>> = {};
  for (const field of COERCED_INTEGER_FIELDS) {
    if (!Object.hasOwn(raw, field)) continue;
    const value = coerceInteger(raw[field]);
    if (value === undefined) invalid(`"${field}" is not an integer: ${JSON.stringify(raw[field])}`);
    integers[field] = value;
  }

  let keyed = false;
  if (Object.hasOwn(raw, 'keyed')) {
    const value = raw.keyed === 'true' ? true : raw.keyed;
    if (typeof value !== 'boolean') invalid(`"keyed" is not a boolean: ${JSON.stringify(raw.keyed)}`);
    keyed = value;
  }

  for (const field of STRING_FIELDS) {
    if (Object.hasOwn(raw, field) && typeof raw[field] !== 'string') invalid(`"${field}" is not a string`);
  }
  for (const field of STRING_LIST_FIELDS) {
    if (!Object.hasOwn(raw, field)) continue;
    const value = raw[field];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      invalid(`"${field}" is not a list of strings`);
    }
  }
  if (Object.hasOwn(raw, 'bug_numbers')) {
    const value = raw.bug_numbers;
    const isInteger = (item: unknown): boolean => (typeof item === 'number' && Number.isInteger(item)) || typeof item === 'boolean';
    if (!Array.isArray(value) || !value.every(isInteger)) invalid('"bug_numbers" is not a list of integers');
  }

  const labels = Object.hasOwn(raw, 'labels') ? (raw.labels as readonly string[]) : undefined;
  return { integers, keyed, labels };
}

function checkLabelValues(labels: readonly string[] | undefined): void {
  if (labels === undefined || labels.length === 0) return;
  const tooLong = labels.filter((label) => [...label].length > MAX_LABEL_LENGTH);
  if (tooLong.length > 0) invalid(`labels longer than ${MAX_LABEL_LENGTH} characters: ${tooLong.join(', ')}`);
  if (labels.length > MAX_LABEL_COUNT) invalid(`more than ${MAX_LABEL_COUNT} labels`);
  const malformed = labels.filter((label) => !LABEL_PATTERN.test(label));
  if (malformed.length > 0) invalid(`labels not matching ${LABEL_PATTERN.source}: ${malformed.join(', ')}`);
}

interface BucketParameters {
  readonly low: number;
  readonly high: number;
  readonly nBuckets: number;
}

function bucketParameters(kind: HistogramKind, fields: CheckedFields): BucketParameters {
  const { integers } = fields;
  switch (kind) {
    case 'boolean':
    case 'flag':
    case 'count':
      return { low: 1, high: 2, nBuckets: 3 };
    case 'enumerated': {
      const nValues = integers.n_values ?? missingField('n_values');
      return { low: 1, high: nValues, nBuckets: nValues + 1 };
    }
    case 'categorical': {
      const labels = fields.labels ?? missingField('labels');
      const nValues = Math.max(labels.length, integers.n_values ?? 0, MIN_CATEGORICAL_BUCKET_COUNT);
      return { low: 1, high: nValues, nBuckets: nValues + 1 };
    }
    case 'linear':
    case 'exponential':
      return {
        low: integers.low ?? 1,
        high: integers.high ?? missingField('high'),
        nBuckets: integers.n_buckets ?? missingField('n_buckets'),
      };
  }
}

function computeRanges(kind: HistogramKind, parameters: BucketParameters): readonly number[] {
  const { low, high, nBuckets } = parameters;
  try {
    return kind === 'exponential' ? exponentialBuckets(low, high, nBuckets) : linearBuckets(low, high, nBuckets);
  } catch (error) {
    if (error instanceof RangeError) invalid(`cannot compute buckets: ${error.message}`);
    throw error;
  }
}

/** Parses one Histograms.json entry; throws DefinitionFailure (in the original's order of checks). */
function buildDefinition(name: string, raw: unknown): HistogramDefinition {
  if (!isRecord(raw)) invalid('definition is not an object');
  if (!Object.hasOwn(raw, 'kind')) missingField('kind');
  const kind = raw.kind;
  if (typeof kind !== 'string' || !HISTOGRAM_KINDS.has(kind)) invalid(`unknown kind ${JSON.stringify(kind)}`);
  const histogramKind = kind as HistogramKind;

  const fields = checkFieldTypes(raw);
  checkLabelValues(fields.labels);
  if (!Object.hasOwn(raw, 'description')) missingField('description');
  const description = raw.description as string;
  const parameters = bucketParameters(histogramKind, fields);
  const releaseChannelCollection = raw.releaseChannelCollection;
  if (Object.hasOwn(raw, 'releaseChannelCollection') && !RELEASE_CHANNEL_COLLECTIONS.has(releaseChannelCollection as string)) {
    invalid(`unknown releaseChannelCollection ${JSON.stringify(releaseChannelCollection)}`);
  }
  const ranges = computeRanges(histogramKind, parameters);

  return Object.freeze({
    name,
    kind: histogramKind,
    keyed: fields.keyed,
    description,
    low: parameters.low,
    high: parameters.high,
    nBuckets: parameters.nBuckets,
    ranges,
    labels: histogramKind === 'categorical' ? Object.freeze([...(fields.labels ?? [])]) : Object.freeze([]),
  });
}

export function parseEntry(name: string, raw: unknown): EntryOutcome {
  try {
    return { ok: true, definition: buildDefinition(name, raw) };
  } catch (error) {
    if (!(error instanceof DefinitionFailure)) throw error;
    return { ok: false, problem: Object.freeze({ name, failure: error.failure, reason: error.message }) };
  }
}

export function useCounterDefinition(name: string): HistogramDefinition {
  return Object.freeze({
    name,
    kind: 'boolean',
    keyed: false,
    description: '',
    low: 1,
    high: 2,
    nBuckets: 3,
    ranges: linearBuckets(1, 2, 3),
    labels: Object.freeze([]),
  });
}
