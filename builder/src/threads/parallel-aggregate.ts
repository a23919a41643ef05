/**
 * Aggregation on several cores. The input is cut into units (work-queue.ts: whole gzip files,
 * byte ranges of plain files, largest first) that the threads read themselves: the main thread is
 * one of the N threads, and each of the N-1 worker threads has a first unit reserved for it; after
 * that every thread takes the next unit from a counter they all share (Atomics.add on a
 * SharedArrayBuffer), so none waits for another to hand it work and a thread that starts late or
 * runs slowly simply takes fewer. Each worker keeps an Aggregator of its own and at the end sends
 * it back in compact form (typed arrays, transferred); the main thread adds them into its own
 * aggregate. Partial aggregates add up exactly, so the result is that of one aggregation of all
 * the input whichever thread read what.
 */
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { HistogramsByVersion } from '../aggregate/aggregator';
import { Aggregator } from '../aggregate/aggregator';
import type { PingSelection } from '../aggregate/ping-dimensions';
import type { DefinitionFiles } from '../definitions/definitions-spec';
import type { InputSource } from '../input/expand-inputs';
import { InputError } from '../input/expand-inputs';
import { fileLayout } from '../input/json-document';
import type { LineProgress } from '../input/read-lines';
import { isGzipFile } from '../input/read-lines';
import type { InputFile, WorkUnit } from '../input/work-queue';
import { WorkQueue } from '../input/work-queue';
import type { Progress } from '../progress';
import type { ParserName } from './aggregate-unit';
import { aggregateUnit } from './aggregate-unit';
import type { CompactPartial } from './compact-partial';
import { absorbCompactPartial } from './compact-partial';
import { aggregationWorkerEntry } from './worker-entry';
import type { FromWorker, WorkerSetup } from './worker-messages';

export type { FromWorker, WorkerSetup } from './worker-messages';

/** A worker thread failed (its error, or an exit before it sent its partial aggregate). */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

interface Slot {
  name: string;
  worker?: Worker;
  partial?: CompactPartial;
  /** Its partial has been added to the main aggregate. */
  absorbed: boolean;
}

export async function aggregateInParallel(options: {
  sources: InputSource[];
  threads: number;
  parser: ParserName;
  /** The main thread's definitions; the worker threads load the same from their spec. */
  definitions: HistogramsByVersion & { files: DefinitionFiles };
  selection: PingSelection;
  bytes: LineProgress;
  progress?: Progress;
}): Promise<Aggregator> {
  const aggregator = new Aggregator(options.definitions, options.selection);
  const units = allUnits(new WorkQueue(await describeFiles(options.sources), { threads: options.threads }));
  // Units 0..workers-1 are reserved for the workers; the rest are taken through the shared counter.
  const workers = Math.min(options.threads - 1, units.length - 1);
  const nextUnit = new Int32Array(new SharedArrayBuffer(4));
  nextUnit[0] = Math.max(0, workers);
  const takeUnit = (): WorkUnit | undefined => units[Atomics.add(nextUnit, 0, 1)];

  let linesRead = 0;
  const reportProgress = () =>
    options.progress?.update({ phase: 'aggregating', done: linesRead + aggregator.stats.linesRead, unit: 'pings' });
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const slots: Slot[] = Array.from({ length: Math.max(0, workers) }, (_, i) => ({ name: `aggregation worker ${i + 1}`, absorbed: false }));
  const started =
    slots.length === 0
      ? Promise.resolve()
      : startWorkers(
          slots,
          units,
          nextUnit.buffer as SharedArrayBuffer,
          workerSetup(options.definitions.files, options.selection, options.parser),
          {
            fail(error) {
              failure ??= error;
              notify();
            },
            notify,
            onUnitDone(lines, bytes) {
              linesRead += lines;
              options.bytes.bytesRead += bytes;
              reportProgress();
            },
          },
        );

  try {
    const checkFailure = () => {
      reportProgress();
      if (failure) throw failure;
    };
    for (const source of options.sources) {
      if (source.kind === 'stdin') await aggregateUnit(aggregator, { source }, options.bytes, options.parser, checkFailure);
    }
    for (let unit = takeUnit(); unit; unit = takeUnit()) await aggregateUnit(aggregator, unit, options.bytes, options.parser, checkFailure);
    await started;
    while (!failure && !slots.every((slot) => slot.partial)) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    // The main thread's aggregate, a partial of about the same size as the others (the threads
    // share the input evenly), takes them in, each dropped once added.
    for (const slot of slots) {
      absorbCompactPartial(aggregator, slot.partial as CompactPartial);
      slot.absorbed = true;
      slot.partial = undefined;
    }
    return aggregator;
  } finally {
    await Promise.all(slots.map((slot) => slot.worker?.terminate()));
  }
}

async function startWorkers(
  slots: Slot[],
  units: WorkUnit[],
  nextUnit: SharedArrayBuffer,
  setup: Omit<WorkerSetup, 'units' | 'firstUnit' | 'nextUnit'>,
  handlers: { fail(error: Error): void; notify(): void; onUnitDone(lines: number, bytes: number): void },
): Promise<void> {
  const entry = await aggregationWorkerEntry();
  slots.forEach((slot, firstUnit) => {
    const workerData: WorkerSetup = { ...setup, units, firstUnit, nextUnit };
    const worker = new Worker(entry.url, { workerData, execArgv: entry.execArgv });
    slot.worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'unit-done') {
        handlers.onUnitDone(message.lines, message.bytes);
      } else if (message.type === 'partial') {
        slot.partial = message.partial;
        handlers.notify();
      } else {
        handlers.fail(message.inputError ? new InputError(message.message) : new WorkerFailure(`${slot.name} failed: ${message.message}`));
      }
    });
    worker.on('error', (error) => handlers.fail(new WorkerFailure(`${slot.name} failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!slot.partial && !slot.absorbed) handlers.fail(new WorkerFailure(`${slot.name} exited (code ${code}) before finishing`));
    });
  });
}

function allUnits(queue: WorkQueue): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (let unit = queue.next(); unit; unit = queue.next()) units.push(unit);
  return units;
}

/** Sizes and kinds of the input files (stdin is read by the main thread, outside the queue). */
async function describeFiles(sources: InputSource[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const source of sources) {
    if (source.kind !== 'file') continue;
    try {
      const info = await stat(source.path);
      // a gzip file is read from its start, a JSON document whole; plain NDJSON is cut into ranges
      const splittable = !(await isGzipFile(source.path)) && (await fileLayout(source.path)) === 'lines';
      files.push({ path: source.path, bytes: info.size, splittable });
    } catch (error) {
      throw new InputError(`cannot read ${source.path}: ${(error as Error).message}`);
    }
  }
  return files;
}

function workerSetup(
  definitions: DefinitionFiles,
  selection: PingSelection,
  parser: ParserName,
): Omit<WorkerSetup, 'units' | 'firstUnit' | 'nextUnit'> {
  return {
    definitions,
    parser,
    selection: {
      sampleIdBelow: selection.sampleIdBelow,
      ...(selection.channels ? { channels: [...selection.channels] } : {}),
      ...(selection.submissionDate !== undefined ? { submissionDate: selection.submissionDate } : {}),
    },
  };
}
