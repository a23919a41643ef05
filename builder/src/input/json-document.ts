/**
 * Inputs that are one JSON document rather than NDJSON: a `.json` file holding one ping
 * (pretty-printed, as Firefox and the test data write them) or a JSON array of pings, plain or
 * gzip, a file or stdin. Decided by content, whatever the file is called:
 *
 *   - the first non-whitespace character is `[`: a JSON array of pings;
 *   - it is `{` and the first line ends before that value does: one ping spread over lines;
 *   - anything else (an NDJSON line closes its value on its own line): NDJSON.
 *
 * A document is read whole (at most MAX_DOCUMENT_BYTES once decompressed) and parsed with
 * JSON.parse; when it does not parse, the source is read as NDJSON after all, so that its lines
 * are counted (invalid-json) as any other bad line. NDJSON keeps its streaming reader
 * (read-lines.ts): only the first bytes are looked at to decide.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { constants, gunzipSync } from 'node:zlib';
import { formatBytes } from '../format-bytes';
import type { InputSource, InputStream } from './expand-inputs';
import { InputError } from './expand-inputs';
import type { LineProgress } from './read-lines';

/** Raw bytes looked at to decide (decompressed when gzip). */
const HEAD_BYTES = 64 * 1024;
/** The largest document read whole; larger ones must be NDJSON. */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export type InputLayout = 'lines' | 'document';

/**
 * The layout of an input from its first decoded text. Pure. A JSON string holds no raw newline, so the first newline after the opening `{` is
 * between tokens: if the value is still open there, it goes on over more lines.
 */
export function layoutOfHead(head: string): InputLayout {
  let start = 0;
  while (start < head.length && isJsonWhitespace(head.charCodeAt(start))) start++;
  const first = head[start];
  if (first === '[') return 'document';
  if (first !== '{') return 'lines';
  const newline = head.indexOf('\n', start);
  // one line, or a first line longer than the head: NDJSON reads it as it is
  if (newline < 0) return 'lines';
  return closesBefore(head, start, newline) ? 'lines' : 'document';
}

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Does the value opening at `start` close before `end`? (Brackets counted outside strings.) */
function closesBefore(text: string, start: number, end: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) depth++;
    else if (char === 0x7d || char === 0x5d) {
      depth--;
      if (depth === 0) return true;
    }
  }
  return false;
}

/** How to read a source: its lines (read-lines.ts), or the pings of the document it holds. */
export type OpenedSource = { kind: 'lines'; source: InputSource } | { kind: 'document'; pings: unknown[] };

/**
 * Opens a source for reading: a document's pings (its bytes counted in `progress`), or the source
 * to read by lines (stdin: a stream that replays what was looked at, then the rest).
 */
export async function openSource(
  source: InputSource,
  progress?: LineProgress,
  maxDocumentBytes = MAX_DOCUMENT_BYTES,
): Promise<OpenedSource> {
  const name = source.kind === 'stdin' ? 'stdin' : source.path;
  const limits = { name, maxDocumentBytes };
  try {
    if (source.kind === 'stdin') return await openStream(source.stream, progress, limits);
    if ((await fileLayout(source.path)) === 'lines') return { kind: 'lines', source };
    if ((await stat(source.path)).size > maxDocumentBytes) throw tooLarge(limits);
    const raw = await readFile(source.path);
    const pings = documentPings(decoded(raw, limits));
    if (pings === undefined) return { kind: 'lines', source };
    if (progress) progress.bytesRead += raw.byteLength;
    return { kind: 'document', pings };
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${name}: ${(error as Error).message}`);
  }
}

interface Limits {
  name: string;
  maxDocumentBytes: number;
}

/** A stream (stdin): its first chunks decide; what was read is replayed to the line reader. */
async function openStream(input: InputStream, progress: LineProgress | undefined, limits: Limits): Promise<OpenedSource> {
  const stream = input[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let seenBytes = 0;
  const take = async (until: number): Promise<boolean> => {
    while (seenBytes < until) {
      const next = await stream.next();
      if (next.done) return true;
      const chunk = Buffer.from(next.value);
      seen.push(chunk);
      seenBytes += chunk.byteLength;
    }
    return false;
  };
  const ended = await take(HEAD_BYTES);
  if (layoutOf(Buffer.concat(seen)) === 'lines')
    return { kind: 'lines', source: { kind: 'stdin', stream: replay(seen, ended ? undefined : stream) } };
  if (!(ended || (await take(limits.maxDocumentBytes + 1))) || seenBytes > limits.maxDocumentBytes) throw tooLarge(limits);
  const raw = Buffer.concat(seen);
  const pings = documentPings(decoded(raw, limits));
  if (pings === undefined) return { kind: 'lines', source: { kind: 'stdin', stream: replay(seen, undefined) } };
  if (progress) progress.bytesRead += raw.byteLength;
  return { kind: 'document', pings };
}

function tooLarge({ name, maxDocumentBytes }: Limits): InputError {
  return new InputError(
    `${name} holds one JSON document larger than ${formatBytes(maxDocumentBytes)}: write it as NDJSON (one ping per line)`,
  );
}

/** A document's text, gunzipped when it is gzip. */
function decoded(raw: Buffer, limits: Limits): string {
  if (!isGzip(raw)) return raw.toString('utf8');
  try {
    return gunzipSync(raw, { maxOutputLength: limits.maxDocumentBytes }).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limits);
    throw error;
  }
}

/** The layout of a file, from its first bytes (a document is never cut into byte ranges). */
export async function fileLayout(path: string): Promise<InputLayout> {
  return layoutOf(await readFileHead(path));
}

/** The layout of raw (possibly gzip) first bytes. */
function layoutOf(raw: Buffer): InputLayout {
  if (!isGzip(raw)) return layoutOfHead(raw.toString('utf8'));
  try {
    // a truncated gzip stream decodes as far as it goes
    return layoutOfHead(gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8'));
  } catch {
    return 'lines'; // a corrupt gzip file: the line reader reports it
  }
}

/** The pings of a document: the elements of an array, or the one value; undefined when it is not JSON. */
function documentPings(text: string): unknown[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return Array.isArray(value) ? value : [value];
}

async function readFileHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** The chunks already read, then what is left of the stream. */
async function* replay(
  seen: readonly Uint8Array[],
  rest: AsyncIterator<Uint8Array | string> | undefined,
): AsyncGenerator<Uint8Array | string> {
  yield* seen;
  if (!rest) return;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
