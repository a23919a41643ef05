/** The build report: what was read, kept, skipped and written. */

import type { MetricsIndex } from '../../worker/src/core/index-objects';
import type { AggregationStats, ParsingStats } from './aggregate/aggregator';
import { emptyParsingStats } from './aggregate/aggregator';
import type { MetricSkipReason, PingSkipReason } from './aggregate/skip-reasons';
import { formatBytes } from './format-bytes';
import { printableName } from './printable-name';
import type { PublishReport } from './publish/publish-build';
import type { RowsDropped } from './shards/plan-build';
import { noRowsDropped } from './shards/plan-build';

export interface BuildReport {
  target: string;
  inputs: number;
  inputBytes: number;
  pings: {
    read: number;
    accepted: number;
    skipped: Partial<Record<PingSkipReason, number>>;
  };
  metrics: {
    /** Parts of accepted pings left out for a fault of theirs, by reason. */
    skipped: Partial<Record<MetricSkipReason, number>>;
    /**
     * Not a fault of the pings, so not among `skipped`: distinct histogram names the definitions
     * in use do not define (probes newer or older than them), and how many histograms that left
     * out; the examples (the most frequent names) are escaped and cut (printable-name.ts).
     */
    withoutDefinition: { names: number; occurrences: number; examples: string[] };
    rowsDropped: RowsDropped;
    /** Stored rows with a bucket count beyond 2^63-1, stored as 2^63-1. */
    rowsClamped: number;
  };
  /** Lines read by the byte scanner and by JSON.parse (--parser json, or the scanner's fallback, with its reasons). */
  parsing: ParsingStats;
  shards: {
    contributions: number;
    written: number;
    alreadyPublished: number;
    /** Writes retried because another builder changed the object first (merged again, never lost). */
    conflictsRetried: number;
    /** --force: submission-date shards whose already-published dates were rebuilt from this input. */
    replaced: number;
    /** --force: build-id shards that already held these dates, left as they were (see formatReport). */
    refused: number;
  };
  /** Per "channel/version" built: the definition files used (metrics.json records them with their sha256). */
  definitions: Record<string, { histograms: string; scalars: string }>;
  indexObjectsWritten: number;
  bytesWritten: number;
  seconds: number;
}

/** The metric skip reason each kind of dropped row is reported under. */
const ROW_DROP_REASONS: readonly [keyof RowsDropped, MetricSkipReason][] = [
  ['nonPrintableName', 'non-printable-name'],
  ['nameTooLong', 'name-too-long'],
  ['nulInLabel', 'nul-in-label'],
  ['labelTooLong', 'label-too-long'],
  ['sumOverflow', 'sum-overflow'],
];

export function makeReport(parts: {
  target: string;
  inputs: number;
  inputBytes: number;
  stats: AggregationStats;
  parsing?: ParsingStats;
  rowsDropped?: RowsDropped;
  rowsClamped?: number;
  /** The metrics index updates of the build (absent for a partial aggregate): which definitions each channel and version used. */
  metricsIndexes?: ReadonlyMap<string, MetricsIndex>;
  publish: PublishReport;
  seconds: number;
}): BuildReport {
  const { stats, publish } = parts;
  const rowsDropped = parts.rowsDropped ?? noRowsDropped();
  // most frequent first, ties by name: the same examples however the input was split between threads
  const undefinedNames = [...stats.undefinedHistograms.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // histograms without a definition are counted among the aggregator's skips (and in partial
  // aggregates), but reported apart, in withoutDefinition
  const skipped: Partial<Record<MetricSkipReason, number>> = { ...stats.metricsSkipped };
  delete skipped['no-definition'];
  for (const [field, reason] of ROW_DROP_REASONS) if (rowsDropped[field]) skipped[reason] = rowsDropped[field];
  return {
    target: parts.target,
    inputs: parts.inputs,
    inputBytes: parts.inputBytes,
    pings: { read: stats.linesRead, accepted: stats.pingsAccepted, skipped: { ...stats.pingsSkipped } },
    metrics: {
      skipped,
      withoutDefinition: {
        names: undefinedNames.length,
        occurrences: undefinedNames.reduce((total, [, n]) => total + n, 0),
        examples: undefinedNames.slice(0, 10).map(([name]) => printableName(name)),
      },
      rowsDropped,
      rowsClamped: parts.rowsClamped ?? 0,
    },
    parsing: parts.parsing ? { ...parts.parsing, fallbackReasons: { ...parts.parsing.fallbackReasons } } : emptyParsingStats(),
    shards: {
      contributions: publish.contributions,
      written: publish.shardsWritten,
      alreadyPublished: publish.shardsAlreadyPublished,
      conflictsRetried: publish.conflictsRetried,
      replaced: publish.shardsReplaced,
      refused: publish.shardsRefused,
    },
    definitions: Object.fromEntries(
      [...(parts.metricsIndexes ?? [])].map(([channelVersion, index]) => [
        channelVersion,
        {
          histograms: index.definitions?.histograms.map((source) => source.file).join(', ') ?? '',
          scalars: index.definitions?.scalars.map((source) => source.file).join(', ') ?? '',
        },
      ]),
    ),
    indexObjectsWritten: publish.indexObjectsWritten,
    bytesWritten: publish.bytesWritten,
    seconds: parts.seconds,
  };
}

export function formatReport(report: BuildReport): string {
  const lines = [
    `build report (${report.target})`,
    `  inputs:          ${report.inputs} (${formatBytes(report.inputBytes)})`,
    `  pings read:      ${report.pings.read}`,
    `  pings accepted:  ${report.pings.accepted}`,
  ];
  for (const [reason, count] of Object.entries(report.pings.skipped)) lines.push(`  pings skipped:   ${count} ${reason}`);
  for (const [reason, count] of Object.entries(report.metrics.skipped)) lines.push(`  metrics skipped: ${count} ${reason}`);
  lines.push(...definitionLines(report));
  if (report.metrics.rowsClamped > 0)
    lines.push(`  counts clamped:  ${report.metrics.rowsClamped} rows had a bucket count beyond 2^63-1, stored as 2^63-1`);
  lines.push(parsingLine(report.parsing));
  lines.push(...publishLines(report.shards));
  lines.push(
    `  index objects:   ${report.indexObjectsWritten} written`,
    `  bytes written:   ${formatBytes(report.bytesWritten)}`,
    `  time:            ${report.seconds.toFixed(2)} s`,
  );
  return lines.join('\n');
}

function parsingLine(parsing: ParsingStats): string {
  const reasons = Object.entries(parsing.fallbackReasons).map(([reason, count]) => `${count} ${reason}`);
  const fallback = reasons.length > 0 ? ` (fallback: ${reasons.join(', ')})` : '';
  return `  lines parsed:    ${parsing.scanned} by the byte scanner, ${parsing.jsonParsed} by JSON.parse${fallback}`;
}

/** Channel/versions listed per set of definition files before the rest are counted. */
const LISTED_VERSIONS = 8;

/**
 * Which definitions each channel and version used, and the histograms they do not define: for
 * information (a probe newer than the definitions is not a fault of the ping), not as a skip.
 */
function definitionLines(report: BuildReport): string[] {
  const lines: string[] = [];
  const byFiles = new Map<string, string[]>();
  for (const [channelVersion, files] of Object.entries(report.definitions)) {
    const key = `${files.histograms} and ${files.scalars}`;
    byFiles.set(key, [...(byFiles.get(key) ?? []), channelVersion]);
  }
  for (const [files, versions] of byFiles) {
    const listed = versions.slice(0, LISTED_VERSIONS).join(', ');
    const more = versions.length > LISTED_VERSIONS ? ` and ${versions.length - LISTED_VERSIONS} more` : '';
    lines.push(`  definitions:     ${files} for ${listed}${more}`);
  }
  const missing = report.metrics.withoutDefinition;
  if (missing.names > 0) {
    lines.push(
      `  not defined:     ${missing.occurrences} histograms (${missing.names} names) not aggregated: the definitions above do not define them`,
      `                   (probes newer or older than those files, or no probes), e.g. ${missing.examples.slice(0, 3).join(', ')}`,
      '                   (--definitions DIR gives each channel and version its own Histograms.json)',
    );
  }
  return lines;
}

function publishLines(shards: BuildReport['shards']): string[] {
  const held = shards.alreadyPublished;
  const lines = [
    held > 0
      ? `  shards written:  ${shards.written} (${held} already held these submission dates: nothing to do for them; use --force to rebuild)`
      : `  shards written:  ${shards.written} (0 already held these submission dates)`,
  ];
  if (shards.replaced > 0)
    lines.push(`  replaced:        ${shards.replaced} submission_date shards rebuilt for dates they already held (--force)`);
  if (shards.refused > 0) {
    lines.push(
      `  refused:         ${shards.refused} build_id shards already held some of these dates and were left as they were:`,
      '                   their rows sum every submission date, so one date cannot be taken out again.',
      "                   To rebuild them, build that channel/version's build-id view from all its inputs into a fresh target.",
    );
  }
  lines.push(`  write conflicts: ${shards.conflictsRetried} retried (another writer changed the object first; merged again)`);
  return lines;
}
