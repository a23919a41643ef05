#!/usr/bin/env node
/**
 * The builder's command line: `build` aggregates pings and publishes shards; `merge` adds up
 * partial aggregates; `trim` drops dates outside the retention window (builder/src/trim/).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isAccessError } from './access-error';
import { WorkerFailure } from './aggregate/parallel-aggregate';
import { runBuild, runMerge } from './build-command';
import { isCalendarDate } from './calendar-date';
import { loadDefinitions } from './definitions/load-definitions';
import { InputError } from './input/expand-inputs';
import { createProgress } from './progress';
import type { ObjectStore } from './publish/object-store';
import { openStore, TargetError } from './publish/open-store';
import { PublishedObjectError } from './publish/published-index';
import { formatReport } from './report';
import { runTrimCommand } from './trim/trim-command';

const HELP = `Usage: builder build --input PATH [PATH ...] --target local|dir:PATH|r2://BUCKET[/PREFIX] [options]
       builder build --input PATH [PATH ...] --partial FILE [options]
       builder merge --input FILE [FILE ...] --target local|dir:PATH|r2://BUCKET[/PREFIX] [options]
       builder trim --target local|dir:PATH|r2://BUCKET[/PREFIX] [--apply] [options]   (see builder trim --help)

Aggregates Firefox "main" pings (newline-delimited JSON, plain or gzip) into histogram
aggregates per build id and per submission date, and publishes them as msgpack shards
plus index objects. Publishing merges into what the target already holds; a submission
date already held by a shard is never merged twice.

To split a large input across machines, run \`build --partial FILE\` on each slice (any
split of the input files), then one \`merge\` of all the partial files: the result is
exactly that of one build over all inputs.

Options:
  --input PATH        Input files, directories (read recursively), globs, or - for stdin.
                      Repeat the flag or list several paths after it.
  --target TARGET     local        the local R2 bucket served by \`npm run dev\` (wrangler dev)
                      dir:PATH     the same objects as files under PATH, for inspection
                      r2://BUCKET[/PREFIX]  an R2 bucket (keys under PREFIX/) through R2's S3 API;
                                   needs R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_ACCOUNT_ID
  --endpoint URL      S3 endpoint for r2:// targets (default https://$R2_ACCOUNT_ID.r2.cloudflarestorage.com,
                      or $R2_ENDPOINT), e.g. any S3-compatible server.
  --partial FILE      (build) Write this slice's partial aggregate to FILE instead of publishing.
                      (merge) --input names partial aggregate files, directories or globs.
  --date YYYYMMDD     Keep only pings with this meta.submissionDate.
  --channels LIST     Comma-separated channels to keep (nightly,aurora,beta,release).
  --sample FRACTION   Keep pings with meta.sampleId < FRACTION*100 (deterministic). Default 1.
  --histograms PATH   Histograms.json to use (default: the vendored Firefox 55 definitions).
  --scalars PATH      Scalars.yaml to use (default: the vendored definitions).
  --persist-to DIR    Wrangler state folder for --target local (default .wrangler/state).
  --bucket NAME       R2 bucket name for --target local (default telemetry-aggregates).
  --force             Rebuild dates that are already published: their rows in submission_date
                      shards are replaced by this input's. build_id shards that already hold a
                      date are left as they were and reported (exit status 4): their rows sum
                      every submission date, so one date cannot be taken out again.
  --threads N         (build) Aggregate on N worker threads; 1 (the default) aggregates in the
                      main thread. Same result either way (this machine has ${availableParallelism()} cores).
  --report FILE       Also write the build report as JSON to FILE.
  --quiet             No progress output.
  -h, --help          Show this help.

Publishing is safe with several builders on one target at once and after a crash: writes
are conditional (merged again on conflict), shards are written before the index objects
that name them, and a re-run completes what a killed run left (README "Publishing safely").
Without --force, a submission date a shard already holds is skipped (the report says so).

Exit status: 0 on success (also when bad pings were skipped; the report counts them),
2 for unusable arguments, 3 for an unreadable input or unwritable target, 4 when --force
left build_id shards that already held a date as they were, 1 otherwise.`;

/** Exit status when --force could not rebuild some build-id shards (everything else was published). */
export const EXIT_FORCE_REFUSED = 4;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (command === 'trim') return runTrimCommand(rest);
  if (command !== 'build' && command !== 'merge') return usage(`unknown command "${command}"`);
  let values: ReturnType<typeof parseBuildArgs>;
  try {
    values = parseBuildArgs(rest);
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const inputs = [...(values.input ?? []), ...values.positionals];
  if (inputs.length === 0) return usage('--input is required');
  if (command === 'build' && values.target && values.partial) return usage('give either --target or --partial, not both');
  if (values.force && !values.target) return usage('--force needs a --target (it changes what is published)');
  if (!values.target && !(command === 'build' && values.partial)) return usage('--target is required');
  if (values.date !== undefined && !isCalendarDate(values.date))
    return usage(`--date must be YYYYMMDD (a calendar date), got "${values.date}"`);
  const sample = values.sample === undefined ? 1 : Number(values.sample);
  if (!Number.isFinite(sample) || sample <= 0 || sample > 1) return usage(`--sample must be a fraction in (0, 1], got "${values.sample}"`);
  // Default 1: on the shared 2-core machine where npm run bench:builder was run, two threads gave
  // 0.9x to 1.2x one thread on 300 MB; see README "Threads and benchmark".
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256)
    return usage(`--threads must be an integer from 1 to 256, got "${values.threads}"`);
  const channels = values.channels
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const known = ['nightly', 'aurora', 'beta', 'release'];
  const unknown = channels?.filter((c) => !known.includes(c)) ?? [];
  if (unknown.length > 0) return usage(`unknown channel(s): ${unknown.join(', ')}`);

  let store: ObjectStore | undefined;
  try {
    if (values.target)
      store = await openStore(values.target, { persistDir: values['persist-to'], bucketName: values.bucket, endpoint: values.endpoint });
  } catch (error) {
    if (error instanceof TargetError) return usage(error.message);
    return fail(3, (error as Error).message);
  }
  try {
    const definitions = await loadDefinitions({ histograms: values.histograms, scalars: values.scalars });
    const progress = createProgress(process.stderr, values.quiet ?? false);
    const reportFile = values.report ? { reportFile: values.report } : {};
    const force = values.force ?? false;
    const selection = {
      // toPrecision drops binary noise: 0.07 * 100 is 7.000000000000001, which would keep sampleId 7.
      sampleIdBelow: Number((sample * 100).toPrecision(12)),
      ...(channels ? { channels: new Set(channels) } : {}),
      ...(values.date ? { submissionDate: values.date } : {}),
    };
    const report =
      command === 'merge'
        ? await runMerge({ partials: inputs, store: store as ObjectStore, definitions, progress, force, ...reportFile })
        : await runBuild({
            inputs,
            ...(store ? { store } : { partialOut: values.partial as string }),
            definitions,
            selection,
            progress,
            threads,
            force,
            ...reportFile,
          });
    process.stderr.write(`${formatReport(report)}\n`);
    return report.shards.refused > 0 ? EXIT_FORCE_REFUSED : 0;
  } catch (error) {
    if (error instanceof InputError) return fail(3, error.message);
    if (error instanceof WorkerFailure || error instanceof PublishedObjectError) return fail(1, error.message);
    if (isAccessError(error)) return fail(3, error.message);
    throw error;
  } finally {
    await store?.close();
  }
}

function parseBuildArgs(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: 'string', multiple: true },
      target: { type: 'string' },
      partial: { type: 'string' },
      date: { type: 'string' },
      channels: { type: 'string' },
      sample: { type: 'string' },
      threads: { type: 'string' },
      histograms: { type: 'string' },
      scalars: { type: 'string' },
      'persist-to': { type: 'string' },
      bucket: { type: 'string' },
      endpoint: { type: 'string' },
      report: { type: 'string' },
      quiet: { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { ...values, positionals };
}

function usage(message: string): number {
  process.stderr.write(`builder: ${message}\nRun "builder --help" for usage.\n`);
  return 2;
}

function fail(code: number, message: string): number {
  process.stderr.write(`builder: ${message}\n`);
  return code;
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`builder: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
