/** `build`: inputs -> aggregate -> shards -> store, with a report. */
import { writeFile } from 'node:fs/promises';
import { Aggregator } from './aggregate/aggregator';
import type { PingSelection } from './aggregate/ping-dimensions';
import type { Definitions } from './definitions/load-definitions';
import { expandInputs } from './input/expand-inputs';
import type { LineProgress } from './input/read-lines';
import { readLines } from './input/read-lines';
import type { Progress } from './progress';
import type { ObjectStore } from './publish/object-store';
import { publishBuild } from './publish/publish-build';
import type { BuildReport } from './report';
import { makeReport } from './report';
import { BuildOutput } from './shards/build-output';

export interface BuildOptions {
  inputs: string[];
  store: ObjectStore;
  definitions: Definitions;
  selection: PingSelection;
  progress?: Progress;
  reportFile?: string;
}

export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const sources = await expandInputs(options.inputs);
  const aggregator = new Aggregator(options.definitions.histograms, options.selection);
  const bytes: LineProgress = { bytesRead: 0 };
  for (const source of sources) {
    for await (const line of readLines(source, bytes)) {
      aggregator.addLine(line);
      if ((aggregator.stats.linesRead & 1023) === 0) {
        options.progress?.update({ phase: 'aggregating', done: aggregator.stats.linesRead, unit: 'pings' });
      }
    }
  }
  const output = new BuildOutput(aggregator, options.definitions);
  const publish = await publishBuild(options.store, output, {
    onShardDone: (done, total) => options.progress?.update({ phase: 'publishing', done, total, unit: 'shards' }),
  });
  options.progress?.finish();
  const report = makeReport({
    target: options.store.description,
    inputs: sources.length,
    inputBytes: bytes.bytesRead,
    stats: aggregator.stats,
    output,
    publish,
    seconds: (performance.now() - started) / 1000,
  });
  if (options.reportFile) await writeFile(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
