/**
 * Partial aggregates as files (partial format 1): the aggregation state of a slice of the input,
 * written by `build --partial` so that many machines can each aggregate a part and one `merge`
 * adds them up. msgpack, column-free and simple: one entry per dimension group with its
 * accumulators, each histogram a plain array (a zero cell is one byte).
 *
 * Why worker threads hand over their partials in another form (threads/compact-partial.ts),
 * measured by `npm run bench:partials` on a realistic partial: this file is about 4x smaller than
 * the compact form (whose cells are 8-byte doubles, mostly zero), which is what a file sent
 * between machines needs; the compact form is several times (5-20x, noisy) cheaper to produce
 * and is transferred between threads without a copy, which is what the end of every thread
 * needs. Either one in the other's place costs that factor. Compressing the compact form would give both (gzip level
 * 1: smaller than this file, and faster), but deflate output depends on the zlib build Node
 * bundles, so such a file could not be pinned byte for byte like the other persisted formats.
 */
import { Packr } from 'msgpackr';
import type { ExactInt } from '../../../worker/src/core/exact-int';
import type { ProcessType } from '../../../worker/src/core/metric-names';
import { PROCESS_TYPES } from '../../../worker/src/core/metric-names';
import type { AggregationStats, DimensionGroup } from './aggregator';
import { accumulatorsOf } from './aggregator';
import { MetricAccumulator } from './metric-accumulator';
import { DIMENSION_FIELDS, dimensionList, dimensionsOfList } from './ping-dimensions';

export const PARTIAL_FORMAT = 'telemetry-aggregates-partial';
export const PARTIAL_FORMAT_VERSION = 1;

/**
 * Totals are exact (numbers, bigints past 2^53). One past 64 bits (hostile input: a bucket count
 * of 1e300, a sum of 1e308) is msgpack extension 0x42, msgpackr's bigint (big-endian two's
 * complement), which every msgpackr decoder reads: files without such totals are byte for byte
 * what they were before it was used, and a format-1 reader reads those with them too. An infinite
 * sum (a number JSON.parse made infinite) is a float64 infinity.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'bigint', useBigIntExtension: true });

/** [metric, label, process index, sum, count, cells] */
type EncodedAccumulator = [string, string, number, ExactInt, number, ExactInt[]];

interface EncodedPartial {
  format: string;
  formatVersion: number;
  stats: {
    linesRead: number;
    pingsAccepted: number;
    pingsSkipped: AggregationStats['pingsSkipped'];
    metricsSkipped: AggregationStats['metricsSkipped'];
    undefinedHistograms: [string, number][];
  };
  groups: { dimensions: string[]; accumulators: EncodedAccumulator[] }[];
}

export interface PartialAggregate {
  groups: DimensionGroup[];
  stats: AggregationStats;
}

export class PartialFormatError extends Error {
  override name = 'PartialFormatError';
}

export function encodePartial(state: { groups: Iterable<DimensionGroup>; stats: AggregationStats }): Uint8Array {
  const groups: EncodedPartial['groups'] = [];
  for (const group of state.groups) {
    const accumulators: EncodedAccumulator[] = [];
    for (const a of accumulatorsOf(group)) {
      accumulators.push([a.metric, a.label, PROCESS_TYPES.indexOf(a.process), a.sum, a.count, a.histogram()]);
    }
    groups.push({ dimensions: dimensionList(group.dimensions), accumulators });
  }
  const encoded: EncodedPartial = {
    format: PARTIAL_FORMAT,
    formatVersion: PARTIAL_FORMAT_VERSION,
    stats: {
      linesRead: state.stats.linesRead,
      pingsAccepted: state.stats.pingsAccepted,
      pingsSkipped: state.stats.pingsSkipped,
      metricsSkipped: state.stats.metricsSkipped,
      undefinedHistograms: [...state.stats.undefinedHistograms],
    },
    groups,
  };
  const bytes = packr.pack(encoded);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodePartial(bytes: Uint8Array): PartialAggregate {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    throw new PartialFormatError(`not a partial aggregate: ${(error as Error).message}`);
  }
  const partial = raw as Partial<EncodedPartial> | null;
  if (!partial || partial.format !== PARTIAL_FORMAT) throw new PartialFormatError('not a partial aggregate');
  if (partial.formatVersion !== PARTIAL_FORMAT_VERSION) {
    throw new PartialFormatError(`unsupported partial aggregate version ${String(partial.formatVersion)}`);
  }
  if (!Array.isArray(partial.groups) || !partial.stats) throw new PartialFormatError('partial aggregate is incomplete');
  const groups = partial.groups.map((encoded): DimensionGroup => {
    if (!Array.isArray(encoded.dimensions) || encoded.dimensions.length !== DIMENSION_FIELDS.length) {
      throw new PartialFormatError('partial aggregate group has bad dimensions');
    }
    const dimensions = dimensionsOfList(encoded.dimensions);
    const accumulators: MetricAccumulator[] = [];
    for (const [metric, label, processIndex, sum, count, cells] of encoded.accumulators) {
      const process = PROCESS_TYPES[processIndex] as ProcessType | undefined;
      if (!process || !Array.isArray(cells)) throw new PartialFormatError('partial aggregate accumulator is malformed');
      const accumulator = new MetricAccumulator(metric, label, process, cells.length);
      accumulator.addTotals(sum, count, cells);
      accumulators.push(accumulator);
    }
    return { dimensions, accumulators };
  });
  const stats = partial.stats;
  return {
    groups,
    stats: {
      linesRead: stats.linesRead,
      pingsAccepted: stats.pingsAccepted,
      pingsSkipped: stats.pingsSkipped,
      metricsSkipped: stats.metricsSkipped,
      undefinedHistograms: new Map(stats.undefinedHistograms),
    },
  };
}
