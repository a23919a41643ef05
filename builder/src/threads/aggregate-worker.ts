/**
 * An aggregation worker thread (see worker-entry.ts for how it is started): owns one Aggregator,
 * reads its reserved unit of input, then takes the next unit from the counter all threads share
 * until none is left, and sends back its partial aggregate in compact form (typed arrays
 * transferred).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Aggregator } from '../aggregate/aggregator';
import { histogramsOf } from '../definitions/definitions-spec';
import { DefinitionFileError } from '../definitions/versioned-definitions';
import { InputError } from '../input/expand-inputs';
import { aggregateUnit } from './aggregate-unit';
import { toCompactPartial, transferablesOf } from './compact-partial';
import type { FromWorker, WorkerSetup } from './worker-messages';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('aggregate-worker must run in a worker thread');
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const histograms = histogramsOf(setup.definitions);
const aggregator = new Aggregator(
  { histogramsFor: (channel, version) => histograms.for(channel, version).catalog },
  {
    sampleIdBelow: setup.selection.sampleIdBelow,
    ...(setup.selection.channels ? { channels: new Set(setup.selection.channels) } : {}),
    ...(setup.selection.submissionDate !== undefined ? { submissionDate: setup.selection.submissionDate } : {}),
  },
);
const nextUnit = new Int32Array(setup.nextUnit);

try {
  for (let index = setup.firstUnit; index < setup.units.length; index = Atomics.add(nextUnit, 0, 1)) {
    const bytes = { bytesRead: 0 };
    const linesBefore = aggregator.stats.linesRead;
    await aggregateUnit(aggregator, setup.units[index] as (typeof setup.units)[number], bytes, setup.parser);
    send({ type: 'unit-done', lines: aggregator.stats.linesRead - linesBefore, bytes: bytes.bytesRead });
  }
  const partial = toCompactPartial({ groups: aggregator.groups.values(), stats: aggregator.stats, parsing: aggregator.parsing });
  send({ type: 'partial', partial }, transferablesOf(partial));
} catch (error) {
  send({ type: 'failed', message: (error as Error).message, inputError: isInputProblem(error) });
}

/** What the main thread reports as an unreadable input (exit status 3): the input's, or a definition file's. */
function isInputProblem(error: unknown): boolean {
  return error instanceof InputError || error instanceof DefinitionFileError;
}
