/**
 * Reads one unit of input (a source, or a byte range of a plain NDJSON file) into an aggregator:
 * a whole source holding one JSON document gives its pings (json-document.ts), any other its lines.
 */

import type { Aggregator } from '../aggregate/aggregator';
import type { InputSource } from '../input/expand-inputs';
import { openSource } from '../input/json-document';
import type { ByteRange, LineProgress } from '../input/read-lines';
import { forEachLineOf, forEachLineRange, readLineBatches } from '../input/read-lines';

const BATCH_BYTES = 1 << 20;

/** How lines become pings: the byte scanner (with JSON.parse as its fallback), or JSON.parse alone (the reference). */
export const PARSERS = ['scan', 'json'] as const;
export type ParserName = (typeof PARSERS)[number];

/**
 * `afterBatch` runs after each batch of lines, or after a document (progress; it may throw to
 * stop the reading). A document is JSON.parse's whatever the parser (with the scanner, its pings
 * are counted as the fallback's, reason json-document).
 */
export async function aggregateUnit(
  aggregator: Aggregator,
  unit: { source: InputSource; range?: ByteRange },
  bytes: LineProgress,
  parser: ParserName,
  afterBatch?: () => void,
): Promise<void> {
  let source = unit.source;
  if (!unit.range) {
    const opened = await openSource(source, bytes);
    if (opened.kind === 'document') {
      const fallback = parser === 'scan' ? 'json-document' : undefined;
      for (const ping of opened.pings) aggregator.addJsonParsedPing(ping, fallback);
      afterBatch?.();
      return;
    }
    source = opened.source;
  }
  const addLine = (line: string) => aggregator.addLine(line);
  for await (const batch of readLineBatches(source, bytes, BATCH_BYTES, unit.range)) {
    if (parser === 'json') forEachLineOf(batch, addLine);
    else forEachLineRange(batch, (start, end) => aggregator.addLineBytes(batch, start, end));
    afterBatch?.();
  }
}
