/**
 * The totals of one (dimension group, metric, label, process): a dense histogram, a sum and a
 * count. Pure: no I/O.
 *
 * The cells of all the accumulators of a group live in one Float64Array (a CellArena: one
 * allocation per group instead of one per accumulator) while every cell is within ±2^53, where
 * doubles hold integers exactly. The first addition that would leave that range moves the
 * accumulator's cells to an ExactInt[] (numbers and bigints, see exact-int.ts), so totals are
 * never rounded.
 */
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { addExact } from '../../../worker/src/core/exact-int';
import type { ProcessType } from '../../../worker/src/core/metric-names';

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Growable storage for the cells of many accumulators; a cell's offset never changes. */
export class CellArena {
  cells: Float64Array;
  used = 0;

  constructor(capacity = 256) {
    this.cells = new Float64Array(capacity);
  }

  /** Reserves `width` zeroed cells; returns the offset of the first. */
  allocate(width: number): number {
    const offset = this.used;
    const needed = offset + width;
    if (needed > this.cells.length) {
      const grown = new Float64Array(Math.max(needed, this.cells.length * 2));
      grown.set(this.cells.subarray(0, offset));
      this.cells = grown;
    }
    this.used = needed;
    return offset;
  }
}

export class MetricAccumulator {
  sum: ExactInt = 0;
  count = 0;
  /** The cells once one of them left the safe range; the arena's cells are no longer used then. */
  exactCells: ExactInt[] | undefined;
  /** Where the cells are in the arena, while exactCells is undefined. */
  readonly offset: number;
  private arenaWidth: number;

  constructor(
    readonly metric: string,
    readonly label: string,
    readonly process: ProcessType,
    width: number,
    readonly arena: CellArena = new CellArena(width),
  ) {
    this.offset = arena.allocate(width);
    this.arenaWidth = width;
  }

  get width(): number {
    return this.exactCells ? this.exactCells.length : this.arenaWidth;
  }

  /** cells[index] += increment (an integer), exactly; grows the histogram if index is beyond it. */
  addToCell(index: number, increment: number | bigint): void {
    if (index >= this.width) this.toExact(index + 1);
    const exact = this.exactCells;
    if (exact === undefined) {
      if (typeof increment === 'number') {
        const cells = this.arena.cells;
        const next = (cells[this.offset + index] as number) + increment;
        if (next <= MAX_SAFE && next >= -MAX_SAFE) {
          cells[this.offset + index] = next;
          return;
        }
      }
      this.toExact(this.arenaWidth);
      this.addToCell(index, increment);
      return;
    }
    exact[index] = addExact(exact[index] as ExactInt, increment);
  }

  /** Adds another accumulator's totals (same metric, label and process), exactly. */
  addTotals(sum: ExactInt, count: number, cells: ArrayLike<ExactInt>): void {
    this.sum = addExact(this.sum, sum);
    this.count += count;
    if (cells.length > this.width) this.toExact(cells.length);
    let from = 0;
    if (this.exactCells === undefined && cells instanceof Float64Array) {
      // every source cell is a safe integer: plain additions while the totals stay safe
      const own = this.arena.cells;
      const offset = this.offset;
      for (; from < cells.length; from++) {
        const next = (own[offset + from] as number) + (cells[from] as number);
        if (next > MAX_SAFE || next < -MAX_SAFE) break;
        own[offset + from] = next;
      }
    }
    for (let i = from; i < cells.length; i++) {
      const increment = cells[i] as ExactInt;
      if (increment !== 0 && increment !== 0n) this.addToCell(i, increment);
    }
  }

  /** The dense histogram as exact integers (a new array). */
  histogram(): ExactInt[] {
    if (this.exactCells) return this.exactCells.slice();
    return Array.from(this.arena.cells.subarray(this.offset, this.offset + this.arenaWidth));
  }

  /** The cells: a view of the arena (safe integers), or the exact cells. Read-only. */
  cellView(): Float64Array | readonly ExactInt[] {
    return this.exactCells ?? this.arena.cells.subarray(this.offset, this.offset + this.arenaWidth);
  }

  /** Moves the cells out of the arena into an exact array of at least `width` cells. */
  private toExact(width: number): void {
    const exact: ExactInt[] = this.exactCells ?? Array.from(this.arena.cells.subarray(this.offset, this.offset + this.arenaWidth));
    while (exact.length < width) exact.push(0);
    this.exactCells = exact;
  }
}
