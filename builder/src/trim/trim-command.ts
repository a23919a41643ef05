/** The `trim` subcommand's arguments, output and exit codes. */
import { parseArgs } from 'node:util';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { isPrefix, PREFIXES } from '../../../worker/src/core/storage-keys';
import { isAccessError } from '../access-error';
import { isCalendarDate } from '../calendar-date';
import type { ObjectStore } from '../publish/object-store';
import { openStore, TargetError } from '../publish/open-store';
import { PublishedObjectError } from '../publish/published-index';
import { TrimConflictError } from './apply-trim';
import type { RetentionPolicy } from './retention-window';
import { DEFAULT_BUFFER_DAYS, DEFAULT_KEEP_DAYS, parseChannelKeepDays, parseKeepDays, todayUtc } from './retention-window';
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

export async function runTrimCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseTrimArgs>;
  try {
    parsed = parseTrimArgs(args);
  } catch (error) {
    return usage((error as Error).message);
  }
  if ('help' in parsed) {
    process.stdout.write(`${TRIM_HELP}\n`);
    return 0;
  }
  const { values, policy, prefixes } = parsed;

  let store: ObjectStore;
  try {
    store = await openStore(values.target, { persistDir: values.persistDir, bucketName: values.bucket, endpoint: values.endpoint });
  } catch (error) {
    if (error instanceof TargetError) return usage(error.message);
    return fail(3, (error as Error).message);
  }
  try {
    const report = await runTrim({ store, policy, prefixes, apply: values.apply, ...(values.report ? { reportFile: values.report } : {}) });
    if (!values.quiet) process.stdout.write(`${formatTrimReport(report)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TrimConflictError) return fail(4, error.message);
    if (error instanceof PublishedObjectError) return fail(1, error.message);
    if (isAccessError(error)) return fail(3, error.message);
    throw error;
  } finally {
    await store.close();
  }
}

interface TrimArgs {
  values: { target: string; apply: boolean; quiet: boolean; report?: string; persistDir?: string; bucket?: string; endpoint?: string };
  policy: RetentionPolicy;
  prefixes: Prefix[];
}

/** Throws with a message for the user on unusable arguments. */
function parseTrimArgs(args: string[]): TrimArgs | { help: true } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      apply: { type: 'boolean' },
      'keep-days': { type: 'string' },
      'channel-keep-days': { type: 'string' },
      'base-date': { type: 'string' },
      prefix: { type: 'string' },
      'persist-to': { type: 'string' },
      bucket: { type: 'string' },
      endpoint: { type: 'string' },
      report: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  if (!values.target) throw new Error('--target is required');
  const baseDate = values['base-date'] ?? todayUtc();
  if (!isCalendarDate(baseDate)) throw new Error(`--base-date must be YYYYMMDD (a calendar date), got "${baseDate}"`);
  const keepDays = values['keep-days'] === undefined ? DEFAULT_KEEP_DAYS : parseKeepDays(values['keep-days']);
  const channelKeepDays = values['channel-keep-days'] === undefined ? {} : parseChannelKeepDays(values['channel-keep-days']);
  if (values.prefix !== undefined && !isPrefix(values.prefix))
    throw new Error(`--prefix must be build_id or submission_date, got "${values.prefix}"`);
  const prefixes: Prefix[] = values.prefix !== undefined && isPrefix(values.prefix) ? [values.prefix] : [...PREFIXES];
  return {
    values: {
      target: values.target,
      apply: values.apply ?? false,
      quiet: values.quiet ?? false,
      ...(values.report !== undefined ? { report: values.report } : {}),
      ...(values['persist-to'] !== undefined ? { persistDir: values['persist-to'] } : {}),
      ...(values.bucket !== undefined ? { bucket: values.bucket } : {}),
      ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
    },
    policy: { baseDate, keepDays, bufferDays: DEFAULT_BUFFER_DAYS, channelKeepDays },
    prefixes,
  };
}

function usage(message: string): number {
  process.stderr.write(`builder trim: ${message}\nRun "builder trim --help" for usage.\n`);
  return 2;
}

function fail(code: number, message: string): number {
  process.stderr.write(`builder trim: ${message}\n`);
  return code;
}
