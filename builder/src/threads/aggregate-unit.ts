/** Reads one unit of input (a source, or a byte range of a plain file) into an aggregator. */

import type { Aggregator } from '../aggregate/aggregator';
import type { InputSource } from '../input/expand-inputs';
import type { ByteRange, LineProgress } from '../input/read-lines';
import { forEachLineOf, forEachLineRange, readLineBatches } from '../input/read-lines';

const BATCH_BYTES = 1 << 20;

/** How lines become pings: the byte scanner (with JSON.parse as its fallback), or JSON.parse alone (the reference). */
export const PARSERS = ['scan', 'json'] as const;
export type ParserName = (typeof PARSERS)[number];

/** `afterBatch` runs after each batch of lines (progress; it may throw to stop the reading). */
export async function aggregateUnit(
  aggregator: Aggregator,
  unit: { source: InputSource; range?: ByteRange },
  bytes: LineProgress,
  parser: ParserName,
  afterBatch?: () => void,
): Promise<void> {
  const addLine = (line: string) => aggregator.addLine(line);
  for await (const batch of readLineBatches(unit.source, bytes, BATCH_BYTES, unit.range)) {
    if (parser === 'json') forEachLineOf(batch, addLine);
    else forEachLineRange(batch, (start, end) => aggregator.addLineBytes(batch, start, end));
    afterBatch?.();
  }
}
