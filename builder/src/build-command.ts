/**
 * The builder's commands: `build` (inputs -> aggregate -> plan -> publish, or -> a partial
 * aggregate file) and `merge` (partial aggregates -> aggregate -> plan -> publish).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AggregationStats, ParsingStats } from './aggregate/aggregator';
import { Aggregator } from './aggregate/aggregator';
import { decodePartial, encodePartial } from './aggregate/partial-aggregate';
import type { PingSelection } from './aggregate/ping-dimensions';
import type { Definitions } from './definitions/load-definitions';
import type { InputSource } from './input/expand-inputs';
import { expandInputs, InputError } from './input/expand-inputs';
import type { LineProgress } from './input/read-lines';
import type { Progress } from './progress';
import type { ObjectStore } from './publish/object-store';
import { emptyPublishReport, publishBuild } from './publish/publish-build';
import type { BuildReport } from './report';
import { makeReport } from './report';
import { planBuild } from './shards/plan-build';
import type { ParserName } from './threads/aggregate-unit';
import { aggregateUnit } from './threads/aggregate-unit';
import { aggregateInParallel } from './threads/parallel-aggregate';

export interface BuildOptions {
  inputs: string[];
  /** What the input "-" reads. */
  stdin?: AsyncIterable<Uint8Array | string>;
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
  /** How lines are parsed: 'scan' (the default) or 'json' (JSON.parse alone, the reference). */
  parser?: ParserName;
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

/** What was read, for the report. */
interface InputSummary {
  inputs: number;
  inputBytes: number;
  stats: AggregationStats;
  /** How the lines were parsed (a merge parses none). */
  parsing?: ParsingStats;
}

/** `build`: inputs -> aggregate -> plan -> publish (or -> a partial aggregate file). */
export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const sources = await expandInputs(options.inputs, options.stdin);
  const read: LineProgress = { bytesRead: 0 };
  const aggregator = await aggregateSources(sources, read, options);
  const input = { inputs: sources.length, inputBytes: read.bytesRead, stats: aggregator.stats, parsing: aggregator.parsing };
  if (options.partialOut !== undefined) return writePartial(aggregator, options.partialOut, input, options, started);
  if (!options.store) throw new Error('runBuild needs a store or a partial output file');
  return publish(aggregator, options.store, input, options, started);
}

/** `merge`: partial aggregates -> one aggregate -> plan -> publish; equal to one build over all inputs. */
export async function runMerge(options: MergeOptions): Promise<BuildReport> {
  const started = performance.now();
  const sources = await expandInputs(options.partials);
  const { aggregator, inputBytes } = await absorbPartials(sources, options);
  return publish(aggregator, options.store, { inputs: sources.length, inputBytes, stats: aggregator.stats }, options, started);
}

/** One aggregate of the partial aggregate files; a source that is none is an InputError naming it. */
async function absorbPartials(
  sources: InputSource[],
  options: Pick<MergeOptions, 'definitions' | 'progress'>,
): Promise<{ aggregator: Aggregator; inputBytes: number }> {
  const aggregator = new Aggregator(options.definitions);
  let inputBytes = 0;
  for (const [i, source] of sources.entries()) {
    if (source.kind !== 'file') throw new InputError('merge reads partial aggregate files, not stdin');
    const bytes = await readPartialFile(source.path);
    inputBytes += bytes.byteLength;
    try {
      aggregator.absorb(decodePartial(bytes));
    } catch (error) {
      throw new InputError(`${source.path}: ${(error as Error).message}`);
    }
    options.progress?.update({ phase: 'merging', done: i + 1, total: sources.length, unit: 'partials' });
  }
  return { aggregator, inputBytes };
}

/** The pings of every source, in this thread or (threads > 1) in worker threads. */
async function aggregateSources(sources: InputSource[], read: LineProgress, options: BuildOptions): Promise<Aggregator> {
  const threads = options.threads ?? 1;
  const parser = options.parser ?? 'scan';
  if (threads > 1) {
    return aggregateInParallel({
      sources,
      threads,
      parser,
      definitions: options.definitions,
      selection: options.selection,
      bytes: read,
      ...(options.progress ? { progress: options.progress } : {}),
    });
  }
  const aggregator = new Aggregator(options.definitions, options.selection);
  const progress = () => options.progress?.update({ phase: 'aggregating', done: aggregator.stats.linesRead, unit: 'pings' });
  // Batches of whole lines, as the worker threads get them: one await per batch, not per line.
  for (const source of sources) await aggregateUnit(aggregator, { source }, read, parser, progress);
  return aggregator;
}

async function readPartialFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

async function writePartial(
  aggregator: Aggregator,
  file: string,
  input: InputSummary,
  options: Pick<BuildOptions, 'progress' | 'reportFile'>,
  started: number,
): Promise<BuildReport> {
  const partial = encodePartial({ groups: aggregator.groups.values(), stats: aggregator.stats });
  await writeFile(file, partial);
  options.progress?.finish();
  const publish = { ...emptyPublishReport(), bytesWritten: partial.byteLength };
  return finishReport(
    makeReport({ target: `partial aggregate ${file}`, ...input, publish, seconds: secondsSince(started) }),
    options.reportFile,
  );
}

async function publish(
  aggregator: Aggregator,
  store: ObjectStore,
  input: InputSummary,
  options: { definitions: Definitions; progress?: Progress; reportFile?: string; force?: boolean },
  started: number,
): Promise<BuildReport> {
  const plan = planBuild(aggregator, options.definitions);
  const published = await publishBuild(store, plan, {
    force: options.force ?? false,
    onShardDone: (done, total) => options.progress?.update({ phase: 'publishing', done, total, unit: 'shards' }),
  });
  options.progress?.finish();
  const report = makeReport({
    target: store.description,
    ...input,
    rowsDropped: plan.rowsDropped,
    rowsClamped: plan.rowsClamped,
    metricsIndexes: plan.indexes.metrics,
    publish: published,
    seconds: secondsSince(started),
  });
  return finishReport(report, options.reportFile);
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

async function finishReport(report: BuildReport, reportFile: string | undefined): Promise<BuildReport> {
  if (reportFile) await writeFile(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
