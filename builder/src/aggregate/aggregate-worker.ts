/**
 * An aggregation worker thread (started through aggregate-worker.mjs): owns one Aggregator,
 * aggregates the batches of lines the main thread sends, and at the end sends back its partial
 * aggregate (encodePartial bytes, transferred).
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { parseHistogramsJson } from '../../../worker/src/core/histogram-definitions';
import { forEachLineOf } from '../input/read-lines';
import { Aggregator } from './aggregator';
import { encodePartial } from './partial-aggregate';
import type { ToWorker, FromWorker, WorkerSetup } from './parallel-aggregate';

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('aggregate-worker must run in a worker thread');

const histograms = parseHistogramsJson(readFileSync(setup.histogramsPath, 'utf8'));
const aggregator = new Aggregator(histograms, {
  sampleIdBelow: setup.selection.sampleIdBelow,
  ...(setup.selection.channels ? { channels: new Set(setup.selection.channels) } : {}),
  ...(setup.selection.submissionDate !== undefined ? { submissionDate: setup.selection.submissionDate } : {}),
});
const addLine = (line: string) => aggregator.addLine(line);

port.on('message', (message: ToWorker) => {
  if (message.type === 'batch') {
    const before = aggregator.stats.linesRead;
    forEachLineOf(message.bytes, addLine);
    const reply: FromWorker = { type: 'batch-done', lines: aggregator.stats.linesRead - before };
    port.postMessage(reply);
  } else if (message.type === 'finish') {
    const bytes = encodePartial({ groups: aggregator.groups.values(), stats: aggregator.stats });
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    const reply: FromWorker = { type: 'partial', bytes: own };
    port.postMessage(reply, [own.buffer as ArrayBuffer]);
  }
});
const ready: FromWorker = { type: 'ready' };
port.postMessage(ready);
