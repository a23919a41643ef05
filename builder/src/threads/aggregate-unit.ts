/**
 * Reads one unit of input (a source, or a byte range of a plain NDJSON file) into an aggregator:
 * a whole source holding one JSON document gives its pings (json-document.ts), any other its lines.
 */

import type { Aggregator } from '../aggregate/aggregator';
import type { InputSource } from '../input/expand-inputs';
import { openSource } from '../input/json-document';
import type { ByteRange, LineProgress } from '../input/read-lines';
import { forEachLineOf, readLineBatches } from '../input/read-lines';

const BATCH_BYTES = 1 << 20;

/** `afterBatch` runs after each batch of lines, or after a document (progress; it may throw to stop the reading). */
export async function aggregateUnit(
  aggregator: Aggregator,
  unit: { source: InputSource; range?: ByteRange },
  bytes: LineProgress,
  afterBatch?: () => void,
): Promise<void> {
  let source = unit.source;
  if (!unit.range) {
    const opened = await openSource(source, bytes);
    if (opened.kind === 'document') {
      for (const ping of opened.pings) aggregator.addPing(ping);
      afterBatch?.();
      return;
    }
    source = opened.source;
  }
  const addLine = (line: string) => aggregator.addLine(line);
  for await (const batch of readLineBatches(source, bytes, BATCH_BYTES, unit.range)) {
    forEachLineOf(batch, addLine);
    afterBatch?.();
  }
}
