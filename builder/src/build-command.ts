/** The builder's commands: `build` (inputs -> aggregate -> shards -> store) and `merge`. */
import { readFile, writeFile } from 'node:fs/promises';
import { Aggregator } from './aggregate/aggregator';
import { decodePartial, encodePartial } from './aggregate/partial-aggregate';
import type { PingSelection } from './aggregate/ping-dimensions';
import type { Definitions } from './definitions/load-definitions';
import { DEFAULT_HISTOGRAMS_PATH } from './definitions/load-definitions';
import { expandInputs, InputError } from './input/expand-inputs';
import type { LineProgress } from './input/read-lines';
import { forEachLineOf, readLineBatches } from './input/read-lines';
import type { Progress } from './progress';
import { withPublishDelayFromEnvironment } from './publish/delayed-writes-store';
import type { ObjectStore } from './publish/object-store';
import { emptyPublishReport, publishBuild } from './publish/publish-build';
import type { BuildReport } from './report';
import { makeReport } from './report';
import { BuildOutput } from './shards/build-output';
import { aggregateInParallel } from './threads/parallel-aggregate';

export interface BuildOptions {
  inputs: string[];
  /** Where to publish; or, with partialOut, nothing is published. */
  store?: ObjectStore;
  /** Write the partial aggregate of these inputs to this file instead of publishing. */
  partialOut?: string;
  definitions: Definitions;
  selection: PingSelection;
  progress?: Progress;
  reportFile?: string;
  /** Rebuild the submission-date view of dates already published (publish-build.ts). */
  force?: boolean;
  /** Aggregation threads: 1 (the default here) aggregates in this thread, N > 1 in N worker threads. */
  threads?: number;
}

export interface MergeOptions {
  /** Partial aggregate files (files, directories, globs). */
  partials: string[];
  store: ObjectStore;
  definitions: Definitions;
  progress?: Progress;
  reportFile?: string;
  force?: boolean;
}

/** `build`: inputs -> aggregate -> publish (or -> a partial aggregate file). */
export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const sources = await expandInputs(options.inputs);
  const bytes: LineProgress = { bytesRead: 0 };
  const threads = options.threads ?? 1;
  let aggregator: Aggregator;
  if (threads > 1) {
    aggregator = await aggregateInParallel({
      sources,
      threads,
      histograms: options.definitions.histograms,
      histogramsPath: options.definitions.paths?.histograms ?? DEFAULT_HISTOGRAMS_PATH,
      selection: options.selection,
      bytes,
      ...(options.progress ? { progress: options.progress } : {}),
    });
  } else {
    aggregator = new Aggregator(options.definitions.histograms, options.selection);
    const addLine = (line: string) => aggregator.addLine(line);
    for (const source of sources) {
      // Batches of whole lines, as the worker threads get them: one await per batch, not per line.
      for await (const batch of readLineBatches(source, bytes)) {
        forEachLineOf(batch, addLine);
        options.progress?.update({ phase: 'aggregating', done: aggregator.stats.linesRead, unit: 'pings' });
      }
    }
  }
  if (options.partialOut !== undefined) {
    const partial = encodePartial({ groups: aggregator.groups.values(), stats: aggregator.stats });
    await writeFile(options.partialOut, partial);
    options.progress?.finish();
    const report = makeReport({
      target: `partial aggregate ${options.partialOut}`,
      inputs: sources.length,
      inputBytes: bytes.bytesRead,
      stats: aggregator.stats,
      publish: { ...emptyPublishReport(), bytesWritten: partial.byteLength },
      seconds: (performance.now() - started) / 1000,
    });
    return finishReport(report, options.reportFile);
  }
  if (!options.store) throw new Error('runBuild needs a store or a partial output file');
  return publishAndReport(aggregator, options.store, options, sources.length, bytes.bytesRead, started);
}

/** `merge`: partial aggregates -> one aggregate -> publish; equal to one build over all inputs. */
export async function runMerge(options: MergeOptions): Promise<BuildReport> {
  const started = performance.now();
  const sources = await expandInputs(options.partials);
  const aggregator = new Aggregator(options.definitions.histograms);
  let inputBytes = 0;
  for (const [i, source] of sources.entries()) {
    if (source.kind !== 'file') throw new InputError('merge reads partial aggregate files, not stdin');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(source.path);
    } catch (error) {
      throw new InputError(`cannot read ${source.path}: ${(error as Error).message}`);
    }
    inputBytes += bytes.byteLength;
    try {
      aggregator.absorb(decodePartial(bytes));
    } catch (error) {
      throw new InputError(`${source.path}: ${(error as Error).message}`);
    }
    options.progress?.update({ phase: 'merging', done: i + 1, total: sources.length, unit: 'partials' });
  }
  return publishAndReport(aggregator, options.store, options, sources.length, inputBytes, started);
}

async function publishAndReport(
  aggregator: Aggregator,
  store: ObjectStore,
  options: { definitions: Definitions; progress?: Progress; reportFile?: string; force?: boolean },
  inputs: number,
  inputBytes: number,
  started: number,
): Promise<BuildReport> {
  const output = new BuildOutput(aggregator, options.definitions);
  const target = withPublishDelayFromEnvironment(store, process.env, (message) => process.stderr.write(message));
  const publish = await publishBuild(target, output, {
    force: options.force ?? false,
    onShardDone: (done, total) => options.progress?.update({ phase: 'publishing', done, total, unit: 'shards' }),
  });
  options.progress?.finish();
  const report = makeReport({
    target: store.description,
    inputs,
    inputBytes,
    stats: aggregator.stats,
    rowsDropped: output.rowsDropped,
    publish,
    seconds: (performance.now() - started) / 1000,
  });
  return finishReport(report, options.reportFile);
}

async function finishReport(report: BuildReport, reportFile: string | undefined): Promise<BuildReport> {
  if (reportFile) await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
