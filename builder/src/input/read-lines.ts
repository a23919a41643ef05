/**
 * Streams the lines of NDJSON inputs, plain or gzip (detected by magic bytes), with memory bounded
 * by the longest line, never by the input size.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
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

/** A byte range [start, end) of a plain file: it owns every line that starts inside it. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Yields the source's bytes in batches of whole lines (each batch ends just after a newline, except
 * a last line without one); forEachLineOf splits a batch into its lines (without their newlines;
 * a last newline starts no further line). A batch is only valid until the next one is asked for
 * (the reader reuses its buffer): consume it synchronously, or copy it.
 *
 * With a range (plain files only), yields the lines that start inside it, the last one read to its
 * end even past the range: the ranges of a partition of a file yield each of its lines exactly once.
 * progress then counts the range's bytes, so the ranges of a partition add up to the file size.
 */
export async function* readLineBatches(
  source: InputSource,
  progress?: LineProgress,
  batchBytes = 1 << 20,
  range?: ByteRange,
): AsyncGenerator<Uint8Array> {
  try {
    if (source.kind === 'stdin') {
      if (range) throw new Error('stdin cannot be read by byte range');
      yield* streamBatches(await maybeGunzip(countBytes(source.stream, progress)), batchBytes);
      return;
    }
    if (await isGzipFile(source.path)) {
      if (range) throw new Error('a gzip file cannot be read by byte range');
      const raw = createReadStream(source.path, { highWaterMark: 1 << 20 });
      yield* streamBatches(await maybeGunzip(countBytes(raw, progress)), batchBytes);
      return;
    }
    yield* plainFileBatches(source.path, progress, batchBytes, range);
  } catch (error) {
    throw new InputError(`cannot read ${source.kind === 'stdin' ? 'stdin' : source.path}: ${(error as Error).message}`);
  }
}

/** Does the file start with the gzip magic bytes? */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** Batches of a stream of chunks (gunzipped files, stdin): cut at each batch's last newline. */
async function* streamBatches(stream: AsyncIterable<Buffer>, batchBytes: number): AsyncGenerator<Uint8Array> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream) {
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline < 0 || pendingBytes + lastNewline + 1 < batchBytes) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      continue;
    }
    // the batch is full: cut it at this chunk's last newline
    const head = chunk.subarray(0, lastNewline + 1);
    yield pending.length === 0 ? head : Buffer.concat([...pending, head]);
    pending = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    pendingBytes = chunk.length - lastNewline - 1;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

/**
 * Batches of a plain file (or of a byte range of it), read straight into one reused buffer: only
 * the unfinished last line of each read is moved, never the whole batch.
 */
async function* plainFileBatches(
  path: string,
  progress: LineProgress | undefined,
  batchBytes: number,
  range: ByteRange | undefined,
): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  const start = Math.max(0, range?.start ?? 0);
  const end = range?.end ?? Number.POSITIVE_INFINITY;
  let buffer = Buffer.allocUnsafe(Math.max(2 * batchBytes, 1 << 16));
  /** File offset of buffer[0]; the buffer holds [bufferStart, bufferStart + filled). */
  let bufferStart = start > 0 ? start - 1 : 0;
  let filled = 0;
  let eof = false;
  /** Before the range's first line: skipping the end of the line that starts before the range. */
  let skipping = start > 0;
  let counted = start;
  const countUpTo = (offset: number) => {
    const to = Math.min(offset, end);
    if (progress && to > counted) progress.bytesRead += to - counted;
    counted = Math.max(counted, to);
  };
  const drop = (bytes: number) => {
    buffer.copyWithin(0, bytes, filled);
    filled -= bytes;
    bufferStart += bytes;
  };
  try {
    for (;;) {
      if (filled === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      if (!eof) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, bufferStart + filled);
        filled += bytesRead;
        eof = bytesRead === 0;
      }
      const view = buffer.subarray(0, filled);
      if (skipping) {
        const newline = view.indexOf(10);
        if (newline < 0) {
          if (eof) break;
          drop(filled);
          continue;
        }
        drop(newline + 1);
        skipping = false;
      }
      if (bufferStart >= end || (filled === 0 && eof)) break;
      const owned = end - bufferStart; // lines starting before this index of the buffer are ours
      if (owned < filled) {
        // the range ends in the buffer: its last line ends at the first newline at or after owned - 1
        const newline = buffer.subarray(0, filled).indexOf(10, owned - 1);
        if (newline >= 0 || eof) {
          const last = newline >= 0 ? newline + 1 : filled;
          yield buffer.subarray(0, last);
          countUpTo(bufferStart + last);
          break;
        }
        continue;
      }
      if (filled < batchBytes && !eof) continue;
      const lastNewline = buffer.subarray(0, filled).lastIndexOf(10);
      if (lastNewline >= 0) {
        yield buffer.subarray(0, lastNewline + 1);
        countUpTo(bufferStart + lastNewline + 1);
        drop(lastNewline + 1);
      }
      if (eof) {
        if (filled > 0) {
          yield buffer.subarray(0, filled);
          countUpTo(bufferStart + filled);
        }
        break;
      }
    }
    countUpTo(Number.isFinite(end) ? end : bufferStart + filled);
  } finally {
    await handle.close();
  }
}

/**
 * Calls `each` with every line (without its newline) of a batch from readLineBatches. An ASCII
 * batch (the usual case) is decoded once as a whole and cut into slices, which is much cheaper
 * than decoding each line; any other batch is decoded line by line as UTF-8 (identical results).
 */
export function forEachLineOf(batch: Uint8Array, each: (line: string) => void): void {
  const buffer = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
  if (isAscii(buffer)) {
    const text = buffer.toString('latin1');
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      each(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (start < text.length) each(text.slice(start));
    return;
  }
  let start = 0;
  let newline = buffer.indexOf(10, start);
  while (newline >= 0) {
    each(buffer.toString('utf8', start, newline));
    start = newline + 1;
    newline = buffer.indexOf(10, start);
  }
  if (start < buffer.length) each(buffer.toString('utf8', start));
}

/**
 * Calls `each` with the bounds [start, end) of every line (without its newline) of a batch from
 * readLineBatches, for a reader of bytes (the byte scanner): nothing is decoded. The same lines
 * as forEachLineOf.
 */
export function forEachLineRange(batch: Uint8Array, each: (start: number, end: number) => void): void {
  const buffer = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength);
  let start = 0;
  let newline = buffer.indexOf(10, start);
  while (newline >= 0) {
    each(start, newline);
    start = newline + 1;
    newline = buffer.indexOf(10, start);
  }
  if (start < buffer.length) each(start, buffer.length);
}

/** The stream's chunks as Buffers, counted. */
async function* countBytes(stream: AsyncIterable<Uint8Array | string>, progress?: LineProgress): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (progress) progress.bytesRead += buffer.length;
    yield buffer;
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
