/** The build report: what was read, kept, skipped and written. */
import type { AggregationStats, ParsingStats } from './aggregate/aggregator';
import { emptyParsingStats } from './aggregate/aggregator';
import type { MetricSkipReason, PingSkipReason } from './aggregate/skip-reasons';
import { printableName } from './printable-name';
import type { PublishReport } from './publish/publish-build';
import type { RowsDropped } from './shards/plan-build';

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
    skipped: Partial<Record<MetricSkipReason, number>>;
    /**
     * Distinct histogram names without a definition, and how many histograms that skipped; the
     * examples (the most frequent names) are escaped and cut (printable-name.ts).
     */
    withoutDefinition: { names: number; occurrences: number; examples: string[] };
    rowsDropped: RowsDropped;
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
  indexObjectsWritten: number;
  bytesWritten: number;
  seconds: number;
}

export function makeReport(parts: {
  target: string;
  inputs: number;
  inputBytes: number;
  stats: AggregationStats;
  parsing?: ParsingStats;
  rowsDropped?: RowsDropped;
  publish: PublishReport;
  seconds: number;
}): BuildReport {
  const { stats, publish } = parts;
  const rowsDropped = parts.rowsDropped ?? { nonPrintableName: 0, nulInLabel: 0, sumOverflow: 0 };
  // most frequent first, ties by name: the same examples however the input was split between threads
  const undefinedNames = [...stats.undefinedHistograms.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const skipped: Partial<Record<MetricSkipReason, number>> = { ...stats.metricsSkipped };
  if (rowsDropped.nonPrintableName) skipped['non-printable-name'] = rowsDropped.nonPrintableName;
  if (rowsDropped.nulInLabel) skipped['nul-in-label'] = rowsDropped.nulInLabel;
  if (rowsDropped.sumOverflow) skipped['sum-overflow'] = rowsDropped.sumOverflow;
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
  const missing = report.metrics.withoutDefinition;
  if (missing.names > 0) {
    lines.push(
      `  no definition:   ${missing.names} histogram names (${missing.occurrences} histograms), e.g. ${missing.examples.slice(0, 3).join(', ')}`,
    );
  }
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
  const fallback = parsing.scanned > 0 && reasons.length > 0 ? ` (fallback: ${reasons.join(', ')})` : '';
  return `  lines parsed:    ${parsing.scanned} by the byte scanner, ${parsing.jsonParsed} by JSON.parse${fallback}`;
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

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
