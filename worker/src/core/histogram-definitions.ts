/**
 * Histogram definitions (Histograms.json) and everything derived from them:
 * bucket parameters, the `buckets` the HTTP service returns, and the mapping of a
 * ping's sparse `values` keys onto the stored dense histogram.
 *
 * Follows builder/data/BUCKETS.md §2–§5, i.e. python_moztelemetry's non-strict
 * server-side parse. Runtime-agnostic: no Node APIs, no eval.
 *
 * Error model. The original parsed a definition only when it was looked up, and a
 * broken definition failed for that histogram alone, in one of two ways:
 *  - a KeyError (missing `kind`, `description`, `high`, `n_buckets`, `n_values`, or
 *    categorical `labels`): the lookup then retried without a leading `STARTUP_`;
 *  - any other error (ParserError for a bad type, unknown kind, bad categorical
 *    label, unknown releaseChannelCollection, a forbidden name; or an error while
 *    computing the buckets): no retry.
 * Here both end as "no definition" (`lookup` returns undefined); the first kind is
 * reported as 'missing-field' and still allows the STARTUP_ retry, the second as
 * 'invalid'. Parsing never throws for a single bad definition.
 */

import { COUNT_HISTOGRAM_LABELS, exponentialBuckets, linearBuckets } from './buckets';

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

/** Name of the extra bucket that follows the labels of a categorical histogram. */
export const CATEGORICAL_SPILL_LABEL = 'spill';

const HISTOGRAM_KINDS: ReadonlySet<string> = new Set<HistogramKind>([
  'exponential',
  'linear',
  'boolean',
  'flag',
  'count',
  'enumerated',
  'categorical',
]);

/** Done on the raw text before JSON.parse (bug 920169 in the original). */
const RAW_TEXT_REPLACEMENTS: ReadonlyArray<readonly [string, string]> = [
  ['"JS::gcreason::NUM_TELEMETRY_REASONS"', '101'],
  ['"mozilla::StartupTimeline::MAX_EVENT_ID"', '12'],
  ['"80 + 1"', '81'],
];

/** Named constants the non-strict parse knows for numeric fields. */
const KNOWN_NUMERIC_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['JS::gcreason::NUM_TELEMETRY_REASONS', 101],
  ['mozilla::StartupTimeline::MAX_EVENT_ID', 12],
]);

/** Definitions that replace (or add) whole entries after parsing. */
const DEFINITION_OVERRIDES: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map([
  [
    'EVENTLOOP_UI_LAG_EXP_MS',
    {
      alert_emails: ['perf-telemetry-alerts@mozilla.com'],
      expires_in_version: 'never',
      kind: 'exponential',
      low: 50,
      high: '60000',
      n_buckets: 20,
      extended_statistics_ok: true,
      description: 'Widget: Time it takes for the message before a UI message (ms)',
    },
  ],
]);

const USE_COUNTER_PREFIXES = ['USE_COUNTER_', 'USE_COUNTER2_'] as const;
const STARTUP_PREFIX = 'STARTUP_';

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

type EntryOutcome =
  | { readonly ok: true; readonly definition: HistogramDefinition }
  | { readonly ok: false; readonly problem: DefinitionProblem };

// ---------------------------------------------------------------------------
// Python int() for bucket keys
// ---------------------------------------------------------------------------

/** Whitespace Python's int() strips: ASCII \t\n\v\f\r and space, plus Unicode spaces. */
const PYTHON_INT_WHITESPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const PYTHON_INT_BODY = /^[+-]?[0-9](?:_?[0-9])*$/;

/**
 * The integer Python's `int(text)` returns, or undefined where it raises ValueError.
 * Accepts surrounding whitespace, an optional sign, ASCII digits (leading zeros are
 * fine) and single underscores between digits. Non-ASCII digits are NOT accepted
 * (Python would). Values beyond 2^53 come back rounded; they never equal a bucket.
 */
export function parsePythonInt(text: string): number | undefined {
  const length = text.length;
  // Fast path: a short run of ASCII digits, e.g. "0" or "268".
  if (length > 0 && length <= 15) {
    let value = 0;
    let index = 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index) - 48;
      if (code < 0 || code > 9) break;
      value = value * 10 + code;
    }
    if (index === length) return value;
  }
  const body = text.replace(PYTHON_INT_WHITESPACE, '');
  if (!PYTHON_INT_BODY.test(body)) return undefined;
  const value = Number(body.replaceAll('_', ''));
  return value === 0 ? 0 : value;
}

// ---------------------------------------------------------------------------
// Safe evaluation of numeric fields given as strings
// ---------------------------------------------------------------------------

const MAX_EXPRESSION_NESTING = 64;
const MAX_EXPONENT = 4096n;
const INTEGER_LITERAL = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*)/;
const IDENTIFIER_OR_NUMBER_CHAR = /^[A-Za-z0-9_.]/;

class ExpressionError extends Error {}

/**
 * Recursive-descent evaluator for the integer subset of a Python expression:
 * integer literals (decimal, 0x, 0o, 0b, with single underscores), True/False,
 * parentheses, unary + and -, and the binary operators ** * // % + - with Python's
 * precedence and floor semantics. `/` (true division, a float in Python 3), floats,
 * names and anything else are rejected.
 */
class IntegerExpressionParser {
  private position = 0;
  private nesting = 0;

  constructor(private readonly source: string) {}

  parseWhole(): bigint {
    const value = this.parseSum();
    this.skipSpaces();
    if (this.position !== this.source.length) this.fail('unexpected trailing text');
    return value;
  }

  private fail(message: string): never {
    throw new ExpressionError(`${message} at ${this.position} in ${JSON.stringify(this.source)}`);
  }

  private skipSpaces(): void {
    while (this.position < this.source.length) {
      const char = this.source[this.position];
      if (char !== ' ' && char !== '\t' && char !== '\f') break;
      this.position++;
    }
  }

  /** Consumes `token` (after spaces) if it comes next. */
  private accept(token: string): boolean {
    this.skipSpaces();
    if (!this.source.startsWith(token, this.position)) return false;
    this.position += token.length;
    return true;
  }

  private parseSum(): bigint {
    let value = this.parseProduct();
    for (;;) {
      if (this.accept('+')) value += this.parseProduct();
      else if (this.accept('-')) value -= this.parseProduct();
      else return value;
    }
  }

  private parseProduct(): bigint {
    let value = this.parseUnary();
    for (;;) {
      // parseUnary already consumed any "**", so a "*" here is a multiplication.
      if (this.accept('*')) {
        value *= this.parseUnary();
      } else if (this.accept('//')) {
        value = floorDivide(value, this.parseUnary(), () => this.fail('division by zero'));
      } else if (this.accept('/')) {
        this.fail('true division yields a float');
      } else if (this.accept('%')) {
        value = floorModulo(value, this.parseUnary(), () => this.fail('modulo by zero'));
      } else {
        return value;
      }
    }
  }

  private parseUnary(): bigint {
    if (this.accept('+')) return this.nested(() => this.parseUnary());
    if (this.accept('-')) return -this.nested(() => this.parseUnary());
    return this.parsePower();
  }

  private parsePower(): bigint {
    const base = this.parseAtom();
    if (!this.accept('**')) return base;
    const exponent = this.nested(() => this.parseUnary());
    if (exponent < 0n) this.fail('negative exponent yields a float');
    if (exponent > MAX_EXPONENT && base !== 0n && base !== 1n && base !== -1n) this.fail('exponent too large');
    return base ** exponent;
  }

  private parseAtom(): bigint {
    this.skipSpaces();
    if (this.accept('(')) {
      const value = this.nested(() => this.parseSum());
      if (!this.accept(')')) this.fail('missing )');
      return value;
    }
    const rest = this.source.slice(this.position);
    const keyword = /^(True|False)(?![A-Za-z0-9_])/.exec(rest);
    if (keyword !== null) {
      this.position += keyword[0].length;
      return keyword[1] === 'True' ? 1n : 0n;
    }
    const literal = INTEGER_LITERAL.exec(rest);
    if (literal === null) this.fail('expected an integer');
    this.position += literal[0].length;
    if (IDENTIFIER_OR_NUMBER_CHAR.test(this.source.slice(this.position))) this.fail('malformed number');
    return BigInt(literal[0].replaceAll('_', ''));
  }

  private nested(parse: () => bigint): bigint {
    if (++this.nesting > MAX_EXPRESSION_NESTING) this.fail('expression nested too deeply');
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }
}

function floorDivide(dividend: bigint, divisor: bigint, onZero: () => never): bigint {
  if (divisor === 0n) onZero();
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  return remainder !== 0n && remainder < 0n !== divisor < 0n ? quotient - 1n : quotient;
}

function floorModulo(dividend: bigint, divisor: bigint, onZero: () => never): bigint {
  if (divisor === 0n) onZero();
  const remainder = dividend % divisor;
  return remainder !== 0n && remainder < 0n !== divisor < 0n ? remainder + divisor : remainder;
}

/**
 * Value of a numeric field written as a string, e.g. "60000" or "80 + 1", or
 * undefined when it is not an integer expression (or the result is not a safe integer).
 */
export function evaluateIntegerExpression(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: bigint;
  try {
    value = new IntegerExpressionParser(trimmed).parseWhole();
  } catch (error) {
    if (error instanceof ExpressionError) return undefined;
    throw error;
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
  return Number(value);
}

// ---------------------------------------------------------------------------
// One definition
// ---------------------------------------------------------------------------

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

function isPlainObject(value: unknown): value is RawDefinition {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's isinstance(x, int) after the non-strict coercion (bool counts as int). */
function coerceInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value + 0 : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return KNOWN_NUMERIC_CONSTANTS.get(value) ?? evaluateIntegerExpression(value);
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
  if (!isPlainObject(raw)) invalid('definition is not an object');
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

function parseEntry(name: string, raw: unknown): EntryOutcome {
  try {
    return { ok: true, definition: buildDefinition(name, raw) };
  } catch (error) {
    if (!(error instanceof DefinitionFailure)) throw error;
    return { ok: false, problem: Object.freeze({ name, failure: error.failure, reason: error.message }) };
  }
}

function useCounterDefinition(name: string): HistogramDefinition {
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

/** Names the original rejected whatever the definition (check_name, non-strict). */
function isForbiddenName(name: string): boolean {
  return name.includes('#') || name.startsWith('LABELS_');
}

// ---------------------------------------------------------------------------
// Catalog
// ---------------------------------------------------------------------------

const MAX_CACHED_LOOKUPS = 65536;

/**
 * All definitions of one Histograms.json. Entries are parsed lazily, on first use,
 * and cached; lookups are cached too.
 */
export class HistogramCatalog {
  private readonly outcomes = new Map<string, EntryOutcome>();
  private readonly lookups = new Map<string, HistogramDefinition | null>();

  /** `rawDefinitions`: entry name → raw JSON value, after text replacements and overrides. */
  constructor(private readonly rawDefinitions: ReadonlyMap<string, unknown>) {}

  /** Number of entries (valid or not), including added overrides. */
  get size(): number {
    return this.rawDefinitions.size;
  }

  /** Entry names in file order (overrides not in the file come last), valid or not. */
  names(): string[] {
    return [...this.rawDefinitions.keys()];
  }

  /**
   * The definition used for a metric name, as the original resolved it:
   * USE_COUNTER_/USE_COUNTER2_ names get a made-up boolean definition (named after
   * the part before any "/"); "NAME/key" is looked up as NAME; when that fails with
   * a missing entry or missing field, the name is retried without a leading STARTUP_.
   * Names containing "#" or starting with LABELS_ have no definition.
   * The returned definition's `name` is the Histograms.json entry that was used.
   */
  lookup(name: string): HistogramDefinition | undefined {
    const cached = this.lookups.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const resolved = this.resolve(name);
    if (this.lookups.size >= MAX_CACHED_LOOKUPS) this.lookups.clear();
    this.lookups.set(name, resolved ?? null);
    return resolved;
  }

  /** Parses every entry and returns the ones without a usable definition. */
  problems(): DefinitionProblem[] {
    const problems: DefinitionProblem[] = [];
    for (const name of this.rawDefinitions.keys()) {
      const outcome = this.outcome(name);
      if (outcome !== undefined && !outcome.ok) problems.push(outcome.problem);
    }
    return problems;
  }

  private resolve(name: string): HistogramDefinition | undefined {
    if (isForbiddenName(name)) return undefined;
    const properName = name.split('/')[0] as string;
    if (USE_COUNTER_PREFIXES.some((prefix) => name.startsWith(prefix))) return useCounterDefinition(properName);

    const direct = this.outcome(properName);
    if (direct?.ok) return direct.definition;
    if (direct !== undefined && direct.problem.failure === 'invalid') return undefined;

    const withoutStartup = properName.startsWith(STARTUP_PREFIX) ? properName.slice(STARTUP_PREFIX.length) : properName;
    const retried = withoutStartup === properName ? direct : this.outcome(withoutStartup);
    return retried?.ok ? retried.definition : undefined;
  }

  /** Parsed entry, or undefined when there is no entry of that name. */
  private outcome(entryName: string): EntryOutcome | undefined {
    let outcome = this.outcomes.get(entryName);
    if (outcome === undefined && this.rawDefinitions.has(entryName)) {
      outcome = parseEntry(entryName, this.rawDefinitions.get(entryName));
      this.outcomes.set(entryName, outcome);
    }
    return outcome;
  }
}

/**
 * Builds the catalog from the raw Histograms.json text: applies the textual
 * replacements, parses the JSON, then applies the EVENTLOOP_UI_LAG_EXP_MS override.
 * Throws only when the text is not JSON or not a JSON object; single bad
 * definitions are recorded (see HistogramCatalog.problems) and have no definition.
 */
export function parseHistogramsJson(text: string): HistogramCatalog {
  let replaced = text;
  for (const [from, to] of RAW_TEXT_REPLACEMENTS) replaced = replaced.replaceAll(from, to);
  const parsed: unknown = JSON.parse(replaced);
  if (!isPlainObject(parsed)) throw new TypeError('Histograms.json must contain a JSON object');
  const rawDefinitions = new Map<string, unknown>(Object.entries(parsed));
  for (const [name, definition] of DEFINITION_OVERRIDES) rawDefinitions.set(name, definition);
  return new HistogramCatalog(rawDefinitions);
}

// ---------------------------------------------------------------------------
// Derived layouts
// ---------------------------------------------------------------------------

/**
 * The `buckets` the HTTP service returns for a histogram metric: the count labels
 * for count histograms, [0, 1] for flags, the labels plus "spill" for categorical
 * ones, and the bucket lower bounds otherwise. Returns a new array on every call.
 */
export function serviceBuckets(definition: HistogramDefinition): (number | string)[] {
  switch (definition.kind) {
    case 'count':
      return [...COUNT_HISTOGRAM_LABELS];
    case 'flag':
      return [0, 1];
    case 'categorical':
      return [...definition.labels, CATEGORICAL_SPILL_LABEL];
    default:
      return [...definition.ranges];
  }
}

/**
 * Length of the dense histogram built from this definition's sparse `values`
 * (before [sum, count] are appended): labels + spill for categorical, else one
 * entry per bucket (ranges.length, which equals nBuckets).
 */
export function denseLength(definition: HistogramDefinition): number {
  return definition.kind === 'categorical' ? definition.labels.length + 1 : definition.ranges.length;
}

/**
 * Length of the histogram arrays the service reads for this metric. Differs from
 * denseLength only for count histograms, which the aggregator stores as
 * `[[COUNT]]_NAME` over COUNT_HISTOGRAM_LABELS.
 */
export function storedHistogramLength(definition: HistogramDefinition): number {
  return definition.kind === 'count' ? COUNT_HISTOGRAM_LABELS.length : denseLength(definition);
}

/** Lookup tables up to this bucket value are plain arrays; larger ones use a Map. */
const MAX_ARRAY_INDEXED_BUCKET = 1 << 16;
const denseIndexers = new WeakMap<HistogramDefinition, (bucketKey: number) => number>();

/**
 * Maps an integer bucket key of a ping's `values` (see parsePythonInt) to its index
 * in the dense histogram, or -1 when the key is dropped. Non-categorical: the key
 * must equal a bucket lower bound (if bounds repeat, the first index is used).
 * Categorical: keys 0..labels.length map to themselves (the last one is spill).
 * Indexers are built once per definition object.
 */
export function denseIndexer(definition: HistogramDefinition): (bucketKey: number) => number {
  let indexer = denseIndexers.get(definition);
  if (indexer === undefined) {
    indexer = buildDenseIndexer(definition);
    denseIndexers.set(definition, indexer);
  }
  return indexer;
}

function buildDenseIndexer(definition: HistogramDefinition): (bucketKey: number) => number {
  if (definition.kind === 'categorical') {
    const spillIndex = definition.labels.length;
    return (bucketKey) => (Number.isInteger(bucketKey) && bucketKey >= 0 && bucketKey <= spillIndex ? bucketKey + 0 : -1);
  }

  const { ranges } = definition;
  const smallNonNegative = ranges.every((bound) => Number.isInteger(bound) && bound >= 0 && bound <= MAX_ARRAY_INDEXED_BUCKET);
  if (smallNonNegative) {
    const maxBound = ranges.reduce((max, bound) => Math.max(max, bound), 0);
    const table = new Int32Array(maxBound + 1).fill(-1);
    for (let index = ranges.length - 1; index >= 0; index--) table[ranges[index] as number] = index;
    return (bucketKey) => (Number.isInteger(bucketKey) && bucketKey >= 0 && bucketKey <= maxBound ? (table[bucketKey] as number) : -1);
  }

  const indexByBound = new Map<number, number>();
  ranges.forEach((bound, index) => {
    if (!indexByBound.has(bound)) indexByBound.set(bound, index);
  });
  return (bucketKey) => indexByBound.get(bucketKey) ?? -1;
}
