/**
 * An aggregation worker thread (see worker-entry.ts for how it is started): owns one Aggregator,
 * reads and aggregates the units of input the main thread hands it, one after the other, and at
 * the end sends back its partial aggregate in compact form (its typed arrays transferred).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseHistogramsJson } from '../../../worker/src/core/histogram-definitions';
import { InputError } from '../input/expand-inputs';
import type { WorkUnit } from '../input/work-queue';
import { aggregateUnit } from './aggregate-unit';
import { Aggregator } from './aggregator';
import { toCompactPartial, transferablesOf } from './compact-partial';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-messages';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('aggregate-worker must run in a worker thread');

const histograms = parseHistogramsJson(readFileSync(setup.histogramsPath, 'utf8'));
const aggregator = new Aggregator(histograms, {
  sampleIdBelow: setup.selection.sampleIdBelow,
  ...(setup.selection.channels ? { channels: new Set(setup.selection.channels) } : {}),
  ...(setup.selection.submissionDate !== undefined ? { submissionDate: setup.selection.submissionDate } : {}),
});
const units: WorkUnit[] = [];
let finishing = false;
let running = false;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}

async function work(): Promise<void> {
  if (running) return;
  running = true;
  try {
    for (let unit = units.shift(); unit; unit = units.shift()) {
      const bytes = { bytesRead: 0 };
      const linesBefore = aggregator.stats.linesRead;
      await aggregateUnit(aggregator, unit, bytes);
      send({ type: 'unit-done', lines: aggregator.stats.linesRead - linesBefore, bytes: bytes.bytesRead });
    }
    if (finishing) {
      const partial = toCompactPartial({ groups: aggregator.groups.values(), stats: aggregator.stats });
      send({ type: 'partial', partial }, transferablesOf(partial));
    }
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message, inputError: error instanceof InputError });
  } finally {
    running = false;
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'unit') units.push(message.unit);
  else finishing = true;
  void work();
});
send({ type: 'ready' });
