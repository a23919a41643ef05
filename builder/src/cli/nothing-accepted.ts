/**
 * A build, partial build or merge that read pings but accepted none has built nothing: it says so
 * in words (what was read, the main reasons, what to check) and exits with its own status
 * (exit-status.ts), instead of exiting 0 as if it had published something. Input that held no
 * ping at all is not this case (an empty slice of a day is no error).
 */
import type { PingSkipReason } from '../aggregate/skip-reasons';
import { PING_SKIP_REASONS } from '../aggregate/skip-reasons';
import { formatBytes } from '../format-bytes';
import type { BuildReport } from '../report';

/** Pings were read and none was accepted. */
export class NothingAccepted extends Error {
  override name = 'NothingAccepted';
}

/** What to check, for the reasons a flag or the input's format explains. */
const HINTS: Partial<Record<PingSkipReason, string>> = {
  'invalid-json':
    'Input is read as NDJSON (one ping per line, plain or gzip), or as one JSON document (a .json file holding one ping ' +
    'or a JSON array of pings). These lines are not JSON values on their own: is the input concatenated pretty-printed ' +
    'JSON, or another format?',
  'not-an-object': 'Each line (or each element of a JSON array) must be one ping, a JSON object.',
  'bad-sample-id': 'Pings need the pipeline\'s "meta" (meta.sampleId below 100, meta.submissionDate): raw client pings lack it.',
  'sampled-out': '--sample F keeps only pings with meta.sampleId < F*100.',
  'channel-not-selected': '--channels keeps only the channels it names.',
  'other-submission-date': '--date keeps only pings with that meta.submissionDate.',
};

const MAIN_REASONS = 3;

/**
 * The error for a report that read pings and accepted none (`what` ends the first sentence:
 * "Nothing was published."), or undefined when some ping was accepted or none was read.
 */
export function nothingAccepted(report: BuildReport, what: string): NothingAccepted | undefined {
  const { read, accepted, skipped } = report.pings;
  if (read === 0 || accepted > 0) return undefined;
  const reasons = (Object.entries(skipped) as [PingSkipReason, number][]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const main = reasons
    .slice(0, MAIN_REASONS)
    .map(([reason, n]) => `${count(n)} ${reason} (${PING_SKIP_REASONS[reason]})`)
    .join(', ');
  const others = reasons.slice(MAIN_REASONS).reduce((total, [, n]) => total + n, 0);
  const top = reasons[0]?.[0];
  const hint = (top && HINTS[top]) ?? 'See the skip reasons above, and the aggregation rules in the README.';
  const inputs = `${count(report.inputs)} input${report.inputs === 1 ? '' : 's'}`;
  return new NothingAccepted(
    `no ping was accepted: ${count(read)} read from ${inputs} (${formatBytes(report.inputBytes)}), skipped as ${main}` +
      `${others > 0 ? ` and ${count(others)} for other reasons` : ''}. ${what}\nHint: ${hint}`,
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
