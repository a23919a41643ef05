/** The `build` and `merge` commands' arguments, help and output (build-command.ts does the work). */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { isCalendarDate } from '../../../worker/src/core/calendar-date';
import { isChannel } from '../../../worker/src/core/storage-keys';
import type { PingSelection } from '../aggregate/ping-dimensions';
import { runBuild, runMerge } from '../build-command';
import type { DefinitionsSpec } from '../definitions/load-definitions';
import { loadDefinitions } from '../definitions/load-definitions';
import { createProgress } from '../progress';
import type { ObjectStore } from '../publish/object-store';
import { formatReport } from '../report';
import type { ParserName } from '../threads/aggregate-unit';
import { PARSERS } from '../threads/aggregate-unit';
import { EXIT } from './exit-status';
import { nothingAccepted } from './nothing-accepted';
import type { Command } from './run-command';
import { HELP_REQUESTED } from './run-command';
import type { OptionsTable, TargetOptions } from './shared-options';
import { SHARED_OPTIONS, sharedValues } from './shared-options';

export const BUILD_HELP = `Usage: builder build --input PATH [PATH ...] --target local|dir:PATH|r2://BUCKET[/PREFIX] [options]
       builder build --input PATH [PATH ...] --partial FILE [options]
       builder merge --input FILE [FILE ...] --target local|dir:PATH|r2://BUCKET[/PREFIX] [options]
       builder trim --target local|dir:PATH|r2://BUCKET[/PREFIX] [--apply] [options]   (see builder trim --help)

Aggregates Firefox "main" pings into histogram aggregates per build id and per submission
date, and publishes them as msgpack shards plus index objects. Publishing merges into what
the target already holds; a submission date already held by a shard is never merged twice.

Input: newline-delimited JSON (one ping per line), or a file holding one JSON document: one
ping (pretty-printed or not) or a JSON array of pings; plain or gzip, decided by content
(a document starts with "[", or with a "{" that its first line does not close).

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
  --definitions DIR   Histograms.json and Scalars.yaml per channel and version, as the original
                      used each channel's own: DIR/CHANNEL/VERSION/, DIR/VERSION/, DIR/CHANNEL/ and
                      DIR/ may each hold either file, e.g. DIR/nightly/60/Histograms.json. For a
                      ping of channel C, major version V, each file comes from the nearest
                      VERSION <= V (C's own first at the same VERSION), else DIR/C/, else DIR/,
                      else the fallback below. metrics.json records which files were used.
                      (docs/definitions.md)
  --histograms PATH   The fallback Histograms.json (default: the vendored Firefox 55 definitions).
  --scalars PATH      The fallback Scalars.yaml (default: the vendored definitions).
  --persist-to DIR    Wrangler state folder for --target local (default .wrangler/state).
  --bucket NAME       R2 bucket name for --target local (default telemetry-aggregates).
  --force             Rebuild dates that are already published: their rows in submission_date
                      shards are replaced by this input's. build_id shards that already hold a
                      date are left as they were and reported (exit status 4): their rows sum
                      every submission date, so one date cannot be taken out again.
  --threads N         (build) Aggregate on N worker threads; 1 (the default) aggregates in the
                      main thread. Same result either way (this machine has ${availableParallelism()} cores).
  --parser NAME       (build) How lines are parsed: scan (the default) reads each line's bytes
                      with a byte scanner that skips what aggregation does not use, handing any
                      line it cannot read to JSON.parse (counted in the report); json parses every
                      line with JSON.parse (the reference). Same result either way.
  --report FILE       Also write the build report as JSON to FILE.
  --quiet             No progress output.
  -h, --help          Show this help.

Publishing is safe with several builders on one target at once and after a crash: writes
are conditional (merged again on conflict), shards are written before the index objects
that name them, and a re-run completes what a killed run left (docs/publishing.md).
Without --force, a submission date a shard already holds is skipped (the report says so).

Exit status: 0 on success (also when bad pings were skipped; the report counts them),
2 for unusable arguments, 3 for an unreadable input or unwritable target, 4 when --force
left build_id shards that already held a date as they were, 5 when pings were read but
none was accepted (nothing was built; the message says why), 1 otherwise.`;

/** build's and merge's own options (besides SHARED_OPTIONS). */
export const BUILD_OPTIONS = {
  input: { type: 'string', multiple: true },
  partial: { type: 'string' },
  date: { type: 'string' },
  channels: { type: 'string' },
  sample: { type: 'string' },
  threads: { type: 'string' },
  parser: { type: 'string' },
  definitions: { type: 'string' },
  histograms: { type: 'string' },
  scalars: { type: 'string' },
  force: { type: 'boolean' },
} as const satisfies OptionsTable;

interface BuildRequest {
  inputs: string[];
  /** With --partial instead: no target. */
  target?: TargetOptions;
  partial?: string;
  selection: PingSelection;
  threads: number;
  parser: ParserName;
  definitions: DefinitionsSpec;
  force: boolean;
  quiet: boolean;
  reportFile?: string;
}

export function buildCommand(name: 'build' | 'merge'): Command<BuildRequest> {
  return {
    program: 'builder',
    help: BUILD_HELP,
    parse: (args) => parseBuildArgs(name, args),
    target: (request) => request.target,
    run: async (request, store, io) => {
      const definitions = await loadDefinitions(request.definitions);
      const progress = createProgress(io.stderr, request.quiet, () => io.now().getTime());
      const common = { definitions, progress, force: request.force, ...(request.reportFile ? { reportFile: request.reportFile } : {}) };
      const report =
        name === 'merge'
          ? await runMerge({ partials: request.inputs, store: store as ObjectStore, ...common })
          : await runBuild({
              inputs: request.inputs,
              stdin: io.stdin,
              ...(store ? { store } : { partialOut: request.partial as string }),
              selection: request.selection,
              threads: request.threads,
              parser: request.parser,
              ...common,
            });
      io.stderr.write(`${formatReport(report)}\n`);
      const empty = nothingAccepted(
        report,
        request.partial ? `The partial aggregate ${request.partial} holds nothing.` : 'Nothing was published.',
      );
      if (empty) throw empty;
      return report.shards.refused > 0 ? EXIT.incomplete : EXIT.ok;
    },
  };
}

function parseBuildArgs(name: 'build' | 'merge', args: string[]): BuildRequest | typeof HELP_REQUESTED {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...SHARED_OPTIONS, ...BUILD_OPTIONS } });
  const shared = sharedValues(values);
  if (shared.help) return HELP_REQUESTED;
  const inputs = [...(values.input ?? []), ...positionals];
  if (inputs.length === 0) throw new Error('--input is required');
  if (name === 'build' && shared.target && values.partial) throw new Error('give either --target or --partial, not both');
  if (values.force && !shared.target) throw new Error('--force needs a --target (it changes what is published)');
  if (!shared.target && !(name === 'build' && values.partial)) throw new Error('--target is required');
  if (values.date !== undefined && !isCalendarDate(values.date))
    throw new Error(`--date must be YYYYMMDD (a calendar date), got "${values.date}"`);
  const sample = values.sample === undefined ? 1 : Number(values.sample);
  if (!Number.isFinite(sample) || sample <= 0 || sample > 1)
    throw new Error(`--sample must be a fraction in (0, 1], got "${values.sample}"`);
  // Default 1: on the shared 2-core machine where npm run bench:builder was run, two threads gave
  // 0.9x to 1.2x one thread on 300 MB; see docs/performance.md.
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256)
    throw new Error(`--threads must be an integer from 1 to 256, got "${values.threads}"`);
  const parser = values.parser ?? 'scan';
  if (!isParserName(parser)) throw new Error(`--parser must be ${PARSERS.join(' or ')}, got "${parser}"`);
  const channels = values.channels
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const unknown = channels?.filter((c) => !isChannel(c)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown channel(s): ${unknown.join(', ')}`);
  return {
    inputs,
    ...(shared.target ? { target: shared.target } : {}),
    ...(values.partial !== undefined ? { partial: values.partial } : {}),
    selection: {
      // toPrecision drops binary noise: 0.07 * 100 is 7.000000000000001, which would keep sampleId 7.
      sampleIdBelow: Number((sample * 100).toPrecision(12)),
      ...(channels ? { channels: new Set(channels) } : {}),
      ...(values.date ? { submissionDate: values.date } : {}),
    },
    threads,
    parser,
    definitions: {
      ...(values.definitions !== undefined ? { directory: values.definitions } : {}),
      ...(values.histograms !== undefined ? { histograms: values.histograms } : {}),
      ...(values.scalars !== undefined ? { scalars: values.scalars } : {}),
    },
    force: values.force ?? false,
    quiet: shared.quiet,
    ...(shared.reportFile !== undefined ? { reportFile: shared.reportFile } : {}),
  };
}

function isParserName(name: string): name is ParserName {
  return (PARSERS as readonly string[]).includes(name);
}
