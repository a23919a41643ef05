/**
 * Splits the input into units of work for several threads that each read their own units: a gzip
 * file is one unit (it can only be read from its start); a plain file is cut into byte ranges
 * (readLineBatches reads a range's lines, split at newline boundaries). Units are handed out on
 * demand, so a thread that starts late or runs slowly simply takes fewer. Plain-file units shrink
 * as the input runs out (guided self-scheduling: a share of what remains), so the threads finish
 * close together. Pure: no I/O (the caller gives the sizes and kinds).
 */
import type { InputSource } from './expand-inputs';
import type { ByteRange } from './read-lines';

export type InputFile = { path: string; bytes: number; splittable: boolean };

export interface WorkUnit {
  source: InputSource;
  /** A byte range of a plain file; absent: the whole source. */
  range?: ByteRange;
  /** Input bytes of the unit (for scheduling and progress). */
  bytes: number;
}

export interface WorkQueueOptions {
  threads: number;
  /** Smallest plain-file range worth a unit of its own. */
  minUnitBytes?: number;
  /** Largest plain-file range in one unit. */
  maxUnitBytes?: number;
}

const DEFAULT_MIN_UNIT = 1 << 20;
const DEFAULT_MAX_UNIT = 64 << 20;

export class WorkQueue {
  private readonly whole: WorkUnit[];
  private readonly plain: InputFile[];
  /** Position in the current plain file (plain[0]). */
  private cursor = 0;
  private plainRemaining: number;
  private readonly threads: number;
  private readonly minUnit: number;
  private readonly maxUnit: number;

  constructor(files: readonly InputFile[], options: WorkQueueOptions) {
    this.threads = Math.max(1, options.threads);
    this.minUnit = options.minUnitBytes ?? DEFAULT_MIN_UNIT;
    this.maxUnit = options.maxUnitBytes ?? DEFAULT_MAX_UNIT;
    // whole files first, largest first: the ranges of plain files then even out the threads' loads
    this.whole = files
      .filter((file) => !file.splittable)
      .sort((a, b) => b.bytes - a.bytes)
      .map((file) => ({ source: { kind: 'file', path: file.path }, bytes: file.bytes }));
    this.plain = files.filter((file) => file.splittable && file.bytes > 0);
    this.plainRemaining = this.plain.reduce((total, file) => total + file.bytes, 0);
  }

  get isEmpty(): boolean {
    return this.whole.length === 0 && this.plain.length === 0;
  }

  /** The next unit, or undefined when every byte has been handed out. */
  next(): WorkUnit | undefined {
    const whole = this.whole.shift();
    if (whole) return whole;
    const file = this.plain[0];
    if (!file) return undefined;
    const share = Math.ceil(this.plainRemaining / (2 * this.threads));
    const size = Math.min(this.maxUnit, Math.max(this.minUnit, share));
    const start = this.cursor;
    const left = file.bytes - start;
    // the rest of the file when what would be left is too small for a unit of its own
    const end = left <= size + this.minUnit ? file.bytes : start + size;
    this.plainRemaining -= end - start;
    if (end === file.bytes) {
      this.plain.shift();
      this.cursor = 0;
    } else {
      this.cursor = end;
    }
    const unit: WorkUnit = { source: { kind: 'file', path: file.path }, bytes: end - start };
    // a whole plain file is read without a range (cheaper, and not bound to its size at planning time)
    if (start !== 0 || end !== file.bytes) unit.range = { start, end };
    return unit;
  }
}
