/**
 * The schema of every JSON index object (docs/shard-format.md, "Keys"), defined once: the
 * worker validates what it reads with them (storage/index-validation.ts), the builder validates
 * what is already published before it merges into it or trims by it, and the types of
 * index-objects.ts are their outputs.
 *
 * Objects drop keys they do not define; records keep every key, `__proto__`, `constructor` and
 * `prototype` too (valibot's own record skips those; a metric may be called anything its
 * definition file names). Validation never compiles code (no eval), so it runs under workerd.
 */
import * as v from 'valibot';
import { isRecord } from './is-record';

/** A JSON object whose every value is a `value`, keys and their order kept. */
function recordOf<const TValue extends v.GenericSchema>(value: TValue) {
  return v.pipe(
    v.custom<Record<string, unknown>>(isRecord, 'is not an object'),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const record: Record<string, v.InferOutput<TValue>> = {};
      for (const [key, item] of Object.entries(dataset.value)) {
        const result = v.safeParse(value, item);
        if (!result.success) {
          const [issue] = result.issues;
          const here: v.ObjectPathItem = { type: 'object', origin: 'value', input: dataset.value, key, value: item };
          addIssue({
            message: issue.message,
            input: issue.input,
            ...(issue.expected === null ? {} : { expected: issue.expected }),
            path: [here, ...(issue.path ?? [])],
          });
          return NEVER;
        }
        Object.defineProperty(record, key, { value: result.output, enumerable: true, writable: true, configurable: true });
      }
      return record;
    }),
  );
}

/** A JSON object (not an array) with these entries, in this order. */
function objectOf<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  return v.pipe(v.custom<Record<string, unknown>>(isRecord, 'is not an object'), v.object(entries));
}

const stringList = v.array(v.string(), 'is not a list');

/** v1/{prefix}/channels.json: the channels with data, sorted. */
export const ChannelsSchema = stringList;

export const DateEntrySchema = objectOf({ date: v.string(), version: v.string() });

/** v1/{prefix}/{channel}/dates.json: newest first. */
export const DatesSchema = v.array(DateEntrySchema, 'is not a list');

/** v1/{prefix}/{channel}/{version}/manifest.json: metric -> period (YYYYMM) -> revision of that shard's bytes. */
export const ManifestSchema = objectOf({ metrics: recordOf(recordOf(v.string())) });

/** v1/{prefix}/{channel}/{version}/ledger.json (builder only): "period/metric" -> submission dates the shard holds. */
export const LedgerSchema = objectOf({ shards: recordOf(stringList) });

export const FILTER_NAMES = ['metric', 'application', 'architecture', 'os', 'child', 'e10sEnabled'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

/** A filter the object does not name has no options. */
const filterOptions = v.optional(stringList, (): string[] => []);

/**
 * v1/meta/{channel}/{version}/filters.json: options per filter, in FILTER_NAMES order; metric
 * names are stored names ([[COUNT]]_ kept), os is "os,osVersion".
 */
export const FiltersSchema = objectOf(
  Object.fromEntries(FILTER_NAMES.map((name) => [name, filterOptions])) as Record<FilterName, typeof filterOptions>,
);

const bucketRange = v.strictTuple([v.number(), v.number(), v.number()], 'is not [low, high, count]');

/** Bucket labels, given compactly: the worker expands them with the shared bucket math (bucket-spec.ts). */
export const BucketSpecSchema = v.union(
  [
    v.object({ exponential: bucketRange }),
    v.object({ linear: bucketRange }),
    v.object({ list: v.array(v.union([v.number(), v.string()])) }),
  ],
  'is not {"exponential": [low, high, count]}, {"linear": [low, high, count]} or {"list": [labels]}',
);

export const MetricInfoSchema = objectOf({ kind: v.string(), description: v.string(), buckets: BucketSpecSchema });

/** A definition file a build used: its name (relative to the builder's --definitions directory, or the fallback's) and sha256. */
export const DefinitionSourceSchema = objectOf({ file: v.string(), sha256: v.string() });

/**
 * v1/meta/{channel}/{version}/metrics.json: keyed by the public metric name (count histograms
 * without [[COUNT]]_); `definitions` (since issue 12, absent in older objects; the worker ignores
 * it) lists the Histograms.json and Scalars.yaml files the builds of this channel and version used.
 */
export const MetricsSchema = objectOf({
  metrics: recordOf(MetricInfoSchema),
  definitions: v.optional(objectOf({ histograms: v.array(DefinitionSourceSchema), scalars: v.array(DefinitionSourceSchema) })),
});

export type IndexCheck<T> = { ok: true; value: T } | { ok: false; problem: string };

/** A parsed JSON index object checked against its schema; on failure, where in the object and what is wrong. */
export function checkIndexObject<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown): IndexCheck<v.InferOutput<TSchema>> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  const [issue] = result.issues;
  const where = issue.path?.map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`)).join('') ?? '';
  // a key an object requires (JSON has no undefined, so an undefined input is an absent key)
  const what = issue.input === undefined && issue.expected?.startsWith('"') ? 'is missing' : issue.message;
  return { ok: false, problem: where ? `${where.replace(/^\./, '')}: ${what}` : what };
}
