/** The `trim` command's arguments, help and output (run-trim.ts does the work). */
import { parseArgs } from 'node:util';
import { isCalendarDate, todayUtc } from '../../../worker/src/core/calendar-date';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { isPrefix, PREFIXES } from '../../../worker/src/core/storage-keys';
import { EXIT } from '../cli/exit-status';
import type { Command } from '../cli/run-command';
import { HELP_REQUESTED } from '../cli/run-command';
import type { OptionsTable, TargetOptions } from '../cli/shared-options';
import { SHARED_OPTIONS, sharedValues } from '../cli/shared-options';
import type { ObjectStore } from '../publish/object-store';
import type { RetentionPolicy } from './retention-window';
import { DEFAULT_BUFFER_DAYS, DEFAULT_KEEP_DAYS, parseChannelKeepDays, parseKeepDays } from './retention-window';
import { runTrim } from './run-trim';
import { formatTrimReport } from './trim-report';

export const TRIM_HELP = `Usage: builder trim --target local|dir:PATH|r2://BUCKET[/PREFIX] [options]

Drops published aggregates of dates outside the retention window, as python_mozaggregator's
trim_db.py dropped per-date tables: dates from BASE - KEEP days to BASE + ${DEFAULT_BUFFER_DAYS - 1} days are kept
(a ${DEFAULT_BUFFER_DAYS}-day buffer), everything older or further in the future goes. Shards of months wholly
outside are deleted, shards of a month across an edge are rewritten without the trimmed rows,
and dates.json, manifests, ledgers, channels.json and the meta objects follow.

A dry run by default: prints what would be deleted and rewritten, changes nothing.

Options:
  --target TARGET           local, dir:PATH or r2://BUCKET[/PREFIX], as for build.
  --endpoint URL            S3 endpoint for r2:// targets, as for build.
  --apply                   Carry the plan out (otherwise a dry run).
  --keep-days N             Days kept before the base date (default ${DEFAULT_KEEP_DAYS}, the original's).
  --channel-keep-days LIST  Per-channel keep days, e.g. nightly=10,beta=30 (others: --keep-days).
  --base-date YYYYMMDD      The base date (default: today, UTC).
  --prefix PREFIX           Only build_id or only submission_date (default: both).
  --persist-to DIR          Wrangler state folder for --target local (default .wrangler/state).
  --bucket NAME             R2 bucket name for --target local (default telemetry-aggregates).
  --report FILE             Also write the report (every planned action) as JSON to FILE.
  --quiet                   Print nothing on success.
  -h, --help                Show this help.

Exit status: 0 on success, 2 for unusable arguments, 3 for an unreadable target, 4 when an
object changed while trimming (a concurrent build; re-run to re-plan), 1 otherwise.`;

/** trim's own options (besides SHARED_OPTIONS). */
export const TRIM_OPTIONS = {
  apply: { type: 'boolean' },
  'keep-days': { type: 'string' },
  'channel-keep-days': { type: 'string' },
  'base-date': { type: 'string' },
  prefix: { type: 'string' },
} as const satisfies OptionsTable;

interface TrimRequest {
  target: TargetOptions;
  policy: RetentionPolicy;
  prefixes: Prefix[];
  apply: boolean;
  quiet: boolean;
  reportFile?: string;
}

export const trimCommand: Command<TrimRequest> = {
  program: 'builder trim',
  help: TRIM_HELP,
  parse: (args, io) => parseTrimArgs(args, io.now()),
  target: (request) => request.target,
  run: async (request, store, io) => {
    const { policy, prefixes, apply, reportFile } = request;
    const report = await runTrim({ store: store as ObjectStore, policy, prefixes, apply, ...(reportFile ? { reportFile } : {}) });
    if (!request.quiet) io.stdout.write(`${formatTrimReport(report)}\n`);
    return EXIT.ok;
  },
};

/** Throws with a message for the user on unusable arguments; the base date defaults to `now`'s UTC date. */
function parseTrimArgs(args: string[], now: Date): TrimRequest | typeof HELP_REQUESTED {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...SHARED_OPTIONS, ...TRIM_OPTIONS } });
  const shared = sharedValues(values);
  if (shared.help) return HELP_REQUESTED;
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  if (!shared.target) throw new Error('--target is required');
  const baseDate = values['base-date'] ?? todayUtc(now);
  if (!isCalendarDate(baseDate)) throw new Error(`--base-date must be YYYYMMDD (a calendar date), got "${baseDate}"`);
  const keepDays = values['keep-days'] === undefined ? DEFAULT_KEEP_DAYS : parseKeepDays(values['keep-days']);
  const channelKeepDays = values['channel-keep-days'] === undefined ? {} : parseChannelKeepDays(values['channel-keep-days']);
  if (values.prefix !== undefined && !isPrefix(values.prefix))
    throw new Error(`--prefix must be build_id or submission_date, got "${values.prefix}"`);
  const prefixes: Prefix[] = values.prefix !== undefined && isPrefix(values.prefix) ? [values.prefix] : [...PREFIXES];
  return {
    target: shared.target,
    policy: { baseDate, keepDays, bufferDays: DEFAULT_BUFFER_DAYS, channelKeepDays },
    prefixes,
    apply: values.apply ?? false,
    quiet: shared.quiet,
    ...(shared.reportFile !== undefined ? { reportFile: shared.reportFile } : {}),
  };
}
