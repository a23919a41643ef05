/**
 * Aggregation on several cores: the main thread reads the input and hands batches of whole lines
 * to N worker threads (at most MAX_IN_FLIGHT batches per worker, so memory stays flat whatever the
 * input size); each worker aggregates its batches into an Aggregator of its own and, at the end,
 * sends its partial aggregate, which the main thread absorbs. Partial aggregates add up exactly,
 * so the result is that of one aggregation over all lines, whichever worker got which batch.
 */
import { Worker } from 'node:worker_threads';
import type { InputSource, } from '../input/expand-inputs';
import type { LineProgress } from '../input/read-lines';
import { readLineBatches } from '../input/read-lines';
import type { Progress } from '../progress';
import { Aggregator } from './aggregator';
import type { PingSelection } from './ping-dimensions';
import { decodePartial } from './partial-aggregate';
import type { HistogramCatalog } from '../../../worker/src/core/histogram-definitions';

export interface WorkerSetup {
  histogramsPath: string;
  selection: { sampleIdBelow: number; channels?: string[]; submissionDate?: string };
}
export type ToWorker = { type: 'batch'; bytes: Uint8Array } | { type: 'finish' };
export type FromWorker = { type: 'ready' } | { type: 'batch-done'; lines: number } | { type: 'partial'; bytes: Uint8Array };

/** A worker thread failed (its error, or an exit before it sent its partial aggregate). */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

const MAX_IN_FLIGHT = 3;
const BATCH_BYTES = 1 << 20;
const WORKER_ENTRY = new URL('./aggregate-worker.mjs', import.meta.url);

interface Slot {
  worker: Worker;
  inFlight: number;
  partial?: Uint8Array;
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
  const setup: WorkerSetup = {
    histogramsPath: options.histogramsPath,
    selection: {
      sampleIdBelow: options.selection.sampleIdBelow,
      ...(options.selection.channels ? { channels: [...options.selection.channels] } : {}),
      ...(options.selection.submissionDate !== undefined ? { submissionDate: options.selection.submissionDate } : {}),
    },
  };
  let linesRead = 0;
  let failure: WorkerFailure | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const slots: Slot[] = [];
  for (let i = 0; i < options.threads; i++) {
    // execArgv []: the entry registers tsx itself; inheriting a tsx loader as well would load it twice.
    const worker = new Worker(WORKER_ENTRY, { workerData: setup, execArgv: [] });
    const slot: Slot = { worker, inFlight: 0 };
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'batch-done') {
        slot.inFlight -= 1;
        linesRead += message.lines;
        options.progress?.update({ phase: 'aggregating', done: linesRead, unit: 'pings' });
      } else if (message.type === 'partial') {
        slot.partial = message.bytes;
      }
      notify();
    });
    worker.on('error', (error) => {
      failure ??= new WorkerFailure(`aggregation worker ${i + 1} failed: ${error.message}`);
      notify();
    });
    worker.on('exit', (code) => {
      if (!slot.partial) failure ??= new WorkerFailure(`aggregation worker ${i + 1} exited (code ${code}) before finishing`);
      notify();
    });
    slots.push(slot);
  }
  const waitFor = async (done: () => boolean) => {
    while (!done()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
  };
  try {
    for (const source of options.sources) {
      for await (const batch of readLineBatches(source, options.bytes, BATCH_BYTES)) {
        if (failure) throw failure;
        let slot = leastBusy(slots);
        if (slot.inFlight >= MAX_IN_FLIGHT) {
          await waitFor(() => leastBusy(slots).inFlight < MAX_IN_FLIGHT);
          slot = leastBusy(slots);
        }
        slot.inFlight += 1;
        const message: ToWorker = { type: 'batch', bytes: batch };
        slot.worker.postMessage(message, [batch.buffer as ArrayBuffer]);
      }
    }
    for (const slot of slots) slot.worker.postMessage({ type: 'finish' } satisfies ToWorker);
    await waitFor(() => slots.every((slot) => slot.partial !== undefined));
    const aggregator = new Aggregator(options.histograms, options.selection);
    for (const slot of slots) aggregator.absorb(decodePartial(slot.partial as Uint8Array));
    return aggregator;
  } finally {
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}

function leastBusy(slots: Slot[]): Slot {
  let best = slots[0] as Slot;
  for (const slot of slots) if (slot.inFlight < best.inFlight) best = slot;
  return best;
}
