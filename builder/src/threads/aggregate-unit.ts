/** Reads one unit of input (a source, or a byte range of a plain file) into an aggregator. */

import type { Aggregator } from '../aggregate/aggregator';
import type { InputSource } from '../input/expand-inputs';
import type { ByteRange, LineProgress } from '../input/read-lines';
import { forEachLineOf, readLineBatches } from '../input/read-lines';

const BATCH_BYTES = 1 << 20;

/** `afterBatch` runs after each batch of lines (progress; it may throw to stop the reading). */
export async function aggregateUnit(
  aggregator: Aggregator,
  unit: { source: InputSource; range?: ByteRange },
  bytes: LineProgress,
  afterBatch?: () => void,
): Promise<void> {
  const addLine = (line: string) => aggregator.addLine(line);
  for await (const batch of readLineBatches(unit.source, bytes, BATCH_BYTES, unit.range)) {
    forEachLineOf(batch, addLine);
    afterBatch?.();
  }
}
