/**
 * The byte scanner judged against JSON.parse: the same lines aggregated by both paths must give
 * the same aggregate: every group, accumulator and its creation order, every sum and cell (as
 * exact text: bigints, infinities), every skip counter in first-seen order, the histograms without
 * a definition in first-seen order; and a line on which one path throws must make the other throw
 * the same error. For test/builder/scanner-differential.test.ts.
 */
import type { Aggregator } from '../../builder/src/aggregate/aggregator';
import { Aggregator as AggregatorClass } from '../../builder/src/aggregate/aggregator';
import type { PingSelection } from '../../builder/src/aggregate/ping-dimensions';
import type { HistogramCatalog } from '../../builder/src/definitions/histogram-catalog';
import { forEachLineOf, forEachLineRange } from '../../builder/src/input/read-lines';
import { PingScanner } from '../../builder/src/scan/ping-scanner';

/** The two paths side by side. */
export class ParserPair {
  readonly json: Aggregator;
  readonly scan: Aggregator;

  constructor(histograms: HistogramCatalog, selection: PingSelection, scanner: PingScanner = new PingScanner()) {
    this.json = new AggregatorClass(histograms, selection);
    this.scan = new AggregatorClass(histograms, selection, scanner);
  }

  /** Adds a batch of lines (newline-separated bytes) to both, each the way the builder feeds it; returns the errors thrown. */
  add(batch: Buffer): { json?: string; scan?: string } {
    const json = thrown(() => forEachLineOf(batch, (line) => this.json.addLine(line)));
    const scan = thrown(() => forEachLineRange(batch, (start, end) => this.scan.addLineBytes(batch, start, end)));
    return { ...(json ? { json } : {}), ...(scan ? { scan } : {}) };
  }

  agree(): boolean {
    return fingerprint(this.json) === fingerprint(this.scan);
  }
}

function thrown(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/** Everything an aggregate holds, as text (numbers exact: bigints and non-finite numbers tagged). */
export function fingerprint(aggregator: Aggregator): string {
  const { stats } = aggregator;
  const groups = [...aggregator.groups.values()].map((group) => ({
    dimensions: group.dimensions,
    accumulators: group.accumulators.map((a) => [a.metric, a.label, a.process, a.sum, a.count, a.histogram()]),
  }));
  const state = { stats: { ...stats, undefinedHistograms: [...stats.undefinedHistograms] }, groups };
  return JSON.stringify(state, (_key, value: unknown) =>
    typeof value === 'bigint' ? `bigint ${value}` : typeof value === 'number' && !Number.isFinite(value) ? `number ${value}` : value,
  );
}

/**
 * Does one line give different aggregates, or different errors (fresh aggregators; the scanner's
 * name table is shared, as across a real input)? `throws`: the error both paths threw, if any.
 */
export function lineOutcome(
  line: Buffer,
  histograms: HistogramCatalog,
  selection: PingSelection,
  scanner: PingScanner,
): { disagree: boolean; throws?: string } {
  const pair = new ParserPair(histograms, selection, scanner);
  const errors = pair.add(line);
  const disagree = errors.json !== errors.scan || !pair.agree();
  return { disagree, ...(errors.json ? { throws: errors.json } : {}) };
}

/**
 * The smallest line found (by removing byte ranges, halving their size) for which `disagrees`
 * still holds: what a failure shows instead of a 5 kB ping. Bounded in tries.
 */
export function minimise(line: Buffer, disagrees: (candidate: Buffer) => boolean, maxTries = 4000): Buffer {
  let current = line;
  let tries = 0;
  for (let size = Math.ceil(current.length / 2); size >= 1 && tries < maxTries; ) {
    let shrunk = false;
    for (let start = 0; start < current.length && tries < maxTries; ) {
      const candidate = Buffer.concat([current.subarray(0, start), current.subarray(start + size)]);
      tries++;
      if (disagrees(candidate)) {
        current = candidate;
        shrunk = true;
      } else {
        start += size;
      }
    }
    if (!shrunk) size = Math.floor(size / 2);
  }
  return current;
}

/** Bytes as readable text: printable ASCII as it is, anything else as \xNN. */
export function showBytes(bytes: Buffer, max = 2000): string {
  let text = '';
  for (const byte of bytes.subarray(0, max)) {
    text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${text}... (${bytes.length} bytes)` : text;
}
