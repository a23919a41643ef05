/**
 * A partial aggregate in a form that crosses a worker-thread boundary cheaply: the cells of each
 * dimension group in one Float64Array and the accumulators' metadata in typed arrays (all of them
 * transferred, not copied), names once in a string table. Only totals beyond ±2^53 travel as
 * plain arrays. Pure: no I/O.
 *
 * Not a file format: aggregate/partial-aggregate.ts is, and its header says (with `npm run bench:partials`)
 * why the two forms stay apart: this one is cheap to make and to move, that one is small.
 */
import type { ExactInt } from '../../../worker/src/core/exact-int';
import { PROCESS_TYPES } from '../../../worker/src/core/metric-names';
import type { AggregationStats, Aggregator, DimensionGroup, ParsingStats } from '../aggregate/aggregator';
import type { MetricAccumulator } from '../aggregate/metric-accumulator';
import { dimensionList, dimensionsOfList } from '../aggregate/ping-dimensions';
import { processIndex } from '../aggregate/series-index';

/** Per accumulator in CompactGroup.layout: metric string, label string, process index, cell offset, width. */
const FIELDS = 5;

export interface CompactGroup {
  dimensions: string[];
  layout: Int32Array;
  counts: Float64Array;
  /** Sums (numbers, or bigints beyond 2^53), one per accumulator. */
  sums: ExactInt[];
  /** Every accumulator's cells, at its offset (ignored for those in `exactCells`). */
  cells: Float64Array;
  /** [accumulator number, cells] for accumulators whose cells left the safe-integer range. */
  exactCells: [number, ExactInt[]][];
}

export interface CompactPartial {
  strings: string[];
  groups: CompactGroup[];
  stats: Omit<AggregationStats, 'undefinedHistograms'> & { undefinedHistograms: [string, number][] };
  parsing?: ParsingStats;
}

export function toCompactPartial(state: {
  groups: Iterable<DimensionGroup>;
  stats: AggregationStats;
  parsing?: ParsingStats;
}): CompactPartial {
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const idOf = (text: string): number => {
    let id = stringIds.get(text);
    if (id === undefined) {
      id = strings.push(text) - 1;
      stringIds.set(text, id);
    }
    return id;
  };
  const groups: CompactGroup[] = [];
  for (const group of state.groups) {
    const accumulators = group.accumulators;
    const layout = new Int32Array(accumulators.length * FIELDS);
    const counts = new Float64Array(accumulators.length);
    const sums: ExactInt[] = [];
    const exactCells: [number, ExactInt[]][] = [];
    // The aggregator's groups keep all their cells in one arena: send it as it is (no copy).
    const arena = accumulators[0]?.arena;
    const shared = arena !== undefined && accumulators.every((accumulator) => accumulator.arena === arena);
    let cells: Float64Array;
    if (shared) {
      cells = arena.cells.subarray(0, arena.used);
    } else {
      let totalWidth = 0;
      for (const accumulator of accumulators) totalWidth += accumulator.width;
      cells = new Float64Array(totalWidth);
    }
    let copiedOffset = 0;
    for (let i = 0; i < accumulators.length; i++) {
      const accumulator = accumulators[i] as MetricAccumulator;
      const at = i * FIELDS;
      let offset: number;
      if (shared) {
        offset = accumulator.offset;
      } else {
        offset = copiedOffset;
        copiedOffset += accumulator.width;
        if (!accumulator.exactCells) cells.set(accumulator.cellView() as Float64Array, offset);
      }
      layout[at] = idOf(accumulator.metric);
      layout[at + 1] = idOf(accumulator.label);
      layout[at + 2] = processIndex(accumulator.process);
      layout[at + 3] = offset;
      layout[at + 4] = accumulator.width;
      counts[i] = accumulator.count;
      sums.push(accumulator.sum);
      if (accumulator.exactCells) exactCells.push([i, accumulator.exactCells.slice()]);
    }
    groups.push({ dimensions: dimensionList(group.dimensions), layout, counts, sums, cells, exactCells });
  }
  const { undefinedHistograms, ...counters } = state.stats;
  return {
    strings,
    groups,
    stats: { ...counters, undefinedHistograms: [...undefinedHistograms] },
    ...(state.parsing ? { parsing: state.parsing } : {}),
  };
}

/**
 * The buffers to transfer along with a compact partial (postMessage's transfer list). The cells
 * may be views of the aggregator's own arenas: transferring detaches them, so the aggregator must
 * not be used afterwards.
 */
export function transferablesOf(partial: CompactPartial): ArrayBuffer[] {
  return partial.groups.flatMap((group) => [group.layout.buffer, group.counts.buffer, group.cells.buffer] as ArrayBuffer[]);
}

/** Adds a compact partial into an aggregator (exactly, as Aggregator.absorb does). */
export function absorbCompactPartial(aggregator: Aggregator, partial: CompactPartial): void {
  const { strings } = partial;
  for (const group of partial.groups) {
    const target = aggregator.groupHandle(dimensionsOfList(group.dimensions));
    const exact = new Map(group.exactCells);
    const { layout, counts, sums, cells } = group;
    for (let i = 0; i < counts.length; i++) {
      const at = i * FIELDS;
      const process = PROCESS_TYPES[layout[at + 2] as number];
      if (process === undefined) throw new Error('compact partial aggregate: bad process index');
      const offset = layout[at + 3] as number;
      const width = layout[at + 4] as number;
      const source = exact.get(i) ?? cells.subarray(offset, offset + width);
      target.add(
        strings[layout[at] as number] as string,
        strings[layout[at + 1] as number] as string,
        process,
        sums[i] as ExactInt,
        counts[i] as number,
        source,
      );
    }
  }
  aggregator.absorbStats({ ...partial.stats, undefinedHistograms: new Map(partial.stats.undefinedHistograms) });
  if (partial.parsing) aggregator.absorbParsing(partial.parsing);
}
