/**
 * Aggregation on several cores. The input is cut into units (work-queue.ts: whole gzip files,
 * byte ranges of plain files) that the threads read themselves: the main thread is one of the N
 * threads, and N-1 worker threads each get a first unit up front, then one more whenever they
 * finish one (at most MAX_IN_FLIGHT at a time), until every unit is handed out. Each worker keeps
 * an Aggregator of its own and at the end sends it back in compact form (typed arrays,
 * transferred); the main thread adds them into its own aggregate. Partial aggregates add up
 * exactly, so the result is that of one aggregation of all the input whichever thread read what.
 */
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { HistogramCatalog } from '../../../worker/src/core/histogram-definitions';
import type { InputSource } from '../input/expand-inputs';
import { InputError } from '../input/expand-inputs';
import type { LineProgress } from '../input/read-lines';
import { isGzipFile } from '../input/read-lines';
import type { InputFile, WorkUnit } from '../input/work-queue';
import { WorkQueue } from '../input/work-queue';
import type { Progress } from '../progress';
import { aggregateUnit } from './aggregate-unit';
import { Aggregator } from './aggregator';
import type { CompactPartial } from './compact-partial';
import { absorbCompactPartial } from './compact-partial';
import type { PingSelection } from './ping-dimensions';
import { aggregationWorkerEntry } from './worker-entry';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-messages';

export type { FromWorker, ToWorker, WorkerSetup } from './worker-messages';

/** A worker thread failed (its error, or an exit before it sent its partial aggregate). */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

const MAX_IN_FLIGHT = 2;

interface Slot {
  index: number;
  worker?: Worker;
  /** Units waiting to be sent (the first one, before the worker exists). */
  pending: WorkUnit[];
  inFlight: number;
  finishSent: boolean;
  partial?: CompactPartial;
  /** Its partial has been added to the main aggregate. */
  absorbed: boolean;
}

export async function aggregateInParallel(options: {
  sources: InputSource[];
  threads: number;
  histograms: HistogramCatalog;
  histogramsPath: string;
  selection: PingSelection;
  bytes: LineProgress;
  progress?: Progress;
}): Promise<Aggregator> {
  const aggregator = new Aggregator(options.histograms, options.selection);
  const queue = new WorkQueue(await describeFiles(options.sources), { threads: options.threads });
  let linesRead = 0;
  const reportProgress = () => options.progress?.update({ phase: 'aggregating', done: linesRead + aggregator.stats.linesRead, unit: 'pings' });

  // Every worker gets its first unit now, so that each one takes part however fast the main thread is.
  const slots: Slot[] = [];
  for (let index = 0; index < options.threads - 1; index++) {
    const unit = queue.next();
    if (!unit) break;
    slots.push({ index, pending: [unit], inFlight: 0, finishSent: false, absorbed: false });
  }
  // With nothing left for the main thread (one gzip file, say), it reads the last reserved unit itself.
  const hasStdin = options.sources.some((source) => source.kind === 'stdin');
  const mainFirst = queue.isEmpty && !hasStdin ? slots.pop()?.pending[0] : undefined;

  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const fail = (error: Error) => {
    failure ??= error;
    notify();
  };
  const post = (slot: Slot, message: ToWorker) => slot.worker?.postMessage(message);
  /** Keeps a worker busy: sends units while it has room, and `finish` once nothing is left. */
  const feed = (slot: Slot) => {
    if (!slot.worker || slot.finishSent) return;
    while (slot.inFlight < MAX_IN_FLIGHT) {
      const unit = slot.pending.shift() ?? queue.next();
      if (!unit) break;
      slot.inFlight += 1;
      post(slot, { type: 'unit', unit });
    }
    if (slot.inFlight === 0 && queue.isEmpty) {
      slot.finishSent = true;
      post(slot, { type: 'finish' });
    }
  };

  const setup = workerSetup(options.histogramsPath, options.selection);
  const started = slots.length === 0 ? Promise.resolve() : startWorkers(slots, setup, { feed, fail, notify, onUnitDone: (lines, bytes) => {
    linesRead += lines;
    options.bytes.bytesRead += bytes;
    reportProgress();
  } });

  try {
    const checkFailure = () => {
      reportProgress();
      if (failure) throw failure;
    };
    for (const source of options.sources) {
      if (source.kind === 'stdin') await aggregateUnit(aggregator, { source }, options.bytes, checkFailure);
    }
    if (mainFirst) await aggregateUnit(aggregator, mainFirst, options.bytes, checkFailure);
    for (let unit = queue.next(); unit; unit = queue.next()) {
      await aggregateUnit(aggregator, unit, options.bytes, checkFailure);
    }
    await started;
    for (const slot of slots) feed(slot);
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
  setup: WorkerSetup,
  handlers: { feed(slot: Slot): void; fail(error: Error): void; notify(): void; onUnitDone(lines: number, bytes: number): void },
): Promise<void> {
  const entry = await aggregationWorkerEntry();
  for (const slot of slots) {
    const name = `aggregation worker ${slot.index + 1}`;
    const worker = new Worker(entry.url, { workerData: setup, execArgv: entry.execArgv });
    slot.worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'unit-done') {
        slot.inFlight -= 1;
        handlers.onUnitDone(message.lines, message.bytes);
        handlers.feed(slot);
      } else if (message.type === 'partial') {
        slot.partial = message.partial;
        handlers.notify();
      } else if (message.type === 'failed') {
        handlers.fail(message.inputError ? new InputError(message.message) : new WorkerFailure(`${name} failed: ${message.message}`));
      }
    });
    worker.on('error', (error) => handlers.fail(new WorkerFailure(`${name} failed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!slot.partial && !slot.absorbed) handlers.fail(new WorkerFailure(`${name} exited (code ${code}) before finishing`));
    });
    handlers.feed(slot);
  }
}

/** Sizes and kinds of the input files (stdin is read by the main thread, outside the queue). */
async function describeFiles(sources: InputSource[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const source of sources) {
    if (source.kind !== 'file') continue;
    try {
      const info = await stat(source.path);
      files.push({ path: source.path, bytes: info.size, splittable: !(await isGzipFile(source.path)) });
    } catch (error) {
      throw new InputError(`cannot read ${source.path}: ${(error as Error).message}`);
    }
  }
  return files;
}

function workerSetup(histogramsPath: string, selection: PingSelection): WorkerSetup {
  return {
    histogramsPath,
    selection: {
      sampleIdBelow: selection.sampleIdBelow,
      ...(selection.channels ? { channels: [...selection.channels] } : {}),
      ...(selection.submissionDate !== undefined ? { submissionDate: selection.submissionDate } : {}),
    },
  };
}
