/** The messages between the main thread and the aggregation worker threads. */
import type { WorkUnit } from '../input/work-queue';
import type { CompactPartial } from './compact-partial';

export interface WorkerSetup {
  histogramsPath: string;
  selection: { sampleIdBelow: number; channels?: string[]; submissionDate?: string };
}

export type ToWorker = { type: 'unit'; unit: WorkUnit } | { type: 'finish' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'unit-done'; lines: number; bytes: number }
  | { type: 'partial'; partial: CompactPartial }
  | { type: 'failed'; message: string; inputError: boolean };
