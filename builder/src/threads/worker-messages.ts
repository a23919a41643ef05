/** What the main thread gives the aggregation worker threads, and what they send back. */
import type { DefinitionFiles } from '../definitions/definitions-spec';
import type { WorkUnit } from '../input/work-queue';
import type { ParserName } from './aggregate-unit';
import type { CompactPartial } from './compact-partial';

export interface WorkerSetup {
  /** The definitions to load (the main thread's). */
  definitions: DefinitionFiles;
  parser: ParserName;
  selection: { sampleIdBelow: number; channels?: string[]; submissionDate?: string };
  /** Every unit of the build, in the order they are taken. */
  units: WorkUnit[];
  /** The unit this worker reads first (reserved for it). */
  firstUnit: number;
  /** One Int32: the number of the next unit to take, shared by all threads (Atomics.add). */
  nextUnit: SharedArrayBuffer;
}

export type FromWorker =
  | { type: 'unit-done'; lines: number; bytes: number }
  | { type: 'partial'; partial: CompactPartial }
  | { type: 'failed'; message: string; inputError: boolean };
