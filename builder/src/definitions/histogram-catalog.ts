/**
 * All definitions of one Histograms.json, and which one a metric name uses (BUCKETS.md §2): the
 * file's textual replacements and override, USE_COUNTER_ names, NAME/key, the STARTUP_ retry and
 * the names the original refused. Single entries are parsed by histogram-definitions.ts. Pure.
 */

import { isRecord } from '../../../worker/src/core/is-record';
import type { DefinitionProblem, EntryOutcome, HistogramDefinition } from './histogram-definitions';
import { NAMED_NUMERIC_CONSTANTS, parseEntry, useCounterDefinition } from './histogram-definitions';

/** Done on the raw text before JSON.parse (bug 920169 in the original): the quoted named constants, and "80 + 1". */
const RAW_TEXT_REPLACEMENTS: ReadonlyArray<readonly [string, string]> = [
  ...[...NAMED_NUMERIC_CONSTANTS].map(([name, value]) => [JSON.stringify(name), String(value)] as const),
  ['"80 + 1"', '81'],
];

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

/** Names the original rejected whatever the definition (check_name, non-strict). */
function isForbiddenName(name: string): boolean {
  return name.includes('#') || name.startsWith('LABELS_');
}

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
  if (!isRecord(parsed)) throw new TypeError('Histograms.json must contain a JSON object');
  const rawDefinitions = new Map<string, unknown>(Object.entries(parsed));
  for (const [name, definition] of DEFINITION_OVERRIDES) rawDefinitions.set(name, definition);
  return new HistogramCatalog(rawDefinitions);
}
