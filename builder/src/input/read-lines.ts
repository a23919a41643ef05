/**
 * Streams the lines of NDJSON inputs, plain or gzip (detected by magic bytes), with memory bounded
 * by the longest line, never by the input size.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { InputSource } from './expand-inputs';
import { InputError } from './expand-inputs';

const GZIP_MAGIC = [0x1f, 0x8b];

export interface LineProgress {
  /** Compressed or plain bytes consumed from the source so far. */
  bytesRead: number;
}

/** Yields each line (without its newline) of one source; a read or gunzip failure is an InputError naming it. */
export async function* readLines(source: InputSource, progress?: LineProgress): AsyncGenerator<string> {
  try {
    yield* linesOf(source, progress);
  } catch (error) {
    throw new InputError(`cannot read ${source.kind === 'stdin' ? 'stdin' : source.path}: ${(error as Error).message}`);
  }
}

async function* linesOf(source: InputSource, progress?: LineProgress): AsyncGenerator<string> {
  const raw: Readable = source.kind === 'stdin' ? process.stdin : createReadStream(source.path, { highWaterMark: 1 << 20 });
  const counted = countBytes(raw, progress);
  const stream = await maybeGunzip(counted);
  let pending: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    let newline = chunk.indexOf(10, start);
    while (newline >= 0) {
      if (pending.length > 0) {
        pending.push(chunk.subarray(start, newline));
        yield Buffer.concat(pending).toString('utf8');
        pending = [];
      } else {
        yield chunk.toString('utf8', start, newline);
      }
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield Buffer.concat(pending).toString('utf8');
}

/**
 * Yields the source's bytes in batches of whole lines (each batch ends just after a newline, except
 * a last line without one), each in an ArrayBuffer of its own so it can be transferred to a worker
 * thread. Splitting a batch at its newlines gives exactly the lines readLines yields.
 */
export async function* readLineBatches(source: InputSource, progress?: LineProgress, batchBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  try {
    yield* batchesOf(source, progress, batchBytes);
  } catch (error) {
    throw new InputError(`cannot read ${source.kind === 'stdin' ? 'stdin' : source.path}: ${(error as Error).message}`);
  }
}

async function* batchesOf(source: InputSource, progress: LineProgress | undefined, batchBytes: number): AsyncGenerator<Uint8Array> {
  const raw: Readable = source.kind === 'stdin' ? process.stdin : createReadStream(source.path, { highWaterMark: 1 << 20 });
  const stream = await maybeGunzip(countBytes(raw, progress));
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline < 0 || pendingBytes + lastNewline + 1 < batchBytes) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      continue;
    }
    // the batch is full: cut it at this chunk's last newline
    yield ownCopy(pending, pendingBytes, chunk.subarray(0, lastNewline + 1));
    pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    pendingBytes = chunk.length - lastNewline - 1;
  }
  if (pendingBytes > 0) yield ownCopy(pending, pendingBytes, undefined);
}

function ownCopy(parts: Buffer[], partsBytes: number, last: Buffer | undefined): Uint8Array {
  const out = new Uint8Array(partsBytes + (last?.length ?? 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  if (last) out.set(last, offset);
  return out;
}

/** Calls `each` with every line (without its newline) of a batch from readLineBatches. */
export function forEachLineOf(batch: Uint8Array, each: (line: string) => void): void {
  const buffer = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
  let start = 0;
  let newline = buffer.indexOf(10, start);
  while (newline >= 0) {
    each(buffer.toString('utf8', start, newline));
    start = newline + 1;
    newline = buffer.indexOf(10, start);
  }
  if (start < buffer.length) each(buffer.toString('utf8', start));
}

async function* countBytes(stream: Readable, progress?: LineProgress): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (progress) progress.bytesRead += chunk.length;
    yield chunk;
  }
}

/** Peeks at the first bytes; gunzips when they are the gzip magic. */
async function maybeGunzip(chunks: AsyncGenerator<Buffer>): Promise<AsyncIterable<Buffer>> {
  const first = await chunks.next();
  if (first.done) return (async function* () {})();
  const head = first.value;
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    yield* chunks;
  }
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) return all();
  const gunzip = createGunzip();
  // pipeline forwards a read error or a corrupt gzip stream to the consumer of gunzip.
  pipeline(Readable.from(all()), gunzip).catch((error: unknown) => gunzip.destroy(error as Error));
  return gunzip;
}
