/**
 * The byte scanner: reads one input line's bytes into the part of the ping the aggregation reads
 * (ping-schema.ts), validating the whole line as JSON.parse would and skipping everything else
 * without materialising it. Histogram values with plain ascending bucket keys become
 * ScannedBuckets; every other part the aggregation reads is what JSON.parse gives:
 *
 * - objects the aggregation iterates (maps) are null-prototype objects filled in input order, so
 *   they have JSON.parse's member order (integer-like keys first, ascending, then first
 *   appearance) and its duplicate rule (the last value wins, at the first key's position);
 * - strings are decoded with every escape and replacement characters for invalid UTF-8;
 * - numbers: plain integers of up to 15 digits directly, any other spelling by Number() on its
 *   own text, which rounds as JSON.parse does (exponents, fractions, -0, beyond 2^53, 1e400);
 * - a value of a type the schema does not expect is parsed whole by JSON.parse.
 *
 * A line that is not one JSON object followed by whitespace goes back to the caller as a fallback
 * (with its reason): the caller parses it with JSON.parse, which decides (blank by JavaScript's
 * trim, not JSON, not an object). Pure: no I/O.
 */
import {
  ARRAY,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  JSON_SYNTAX_ERROR,
  JsonCursor,
  LITERAL,
  NUMBER,
  OBJECT,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  STRING,
} from './json-cursor';
import { decodeJsonString, numberOfText, parseJsonValue } from './json-text';
import { NameTable } from './name-table';
import type { RecordNode, SchemaField, SchemaNode } from './ping-schema';
import { BUCKETS, HISTOGRAM, LIST, MAP, PING_SCHEMA, RECORD, VALUE } from './ping-schema';
import { BucketArena, ScannedBuckets } from './scanned-buckets';
import { ScannedMembers } from './scanned-members';

/** Why a line went to JSON.parse instead. */
export const FALLBACK_REASONS = {
  'not-json': 'the scanner found a syntax error (JSON.parse then rejects the line too)',
  'not-an-object': 'the line does not start with an object after JSON whitespace (blank by JavaScript rules, a BOM, another value)',
} as const;
export type FallbackReason = keyof typeof FALLBACK_REASONS;

/** What scanning one line gave: the ping (as far as the aggregation reads it), a blank line, or a fallback. */
export type ScanResult = { kind: 'ping'; ping: Record<string, unknown> } | { kind: 'blank' } | { kind: 'fallback'; reason: FallbackReason };

const BLANK: ScanResult = { kind: 'blank' };
const NOT_JSON: ScanResult = { kind: 'fallback', reason: 'not-json' };
const NOT_AN_OBJECT: ScanResult = { kind: 'fallback', reason: 'not-an-object' };

/** A histogram read by the fast path: the fields extractHistogram reads, as readRecord gives them. */
class HistogramRecord {
  constructor(
    readonly values: unknown,
    readonly sum: unknown,
    readonly histogram_type: unknown,
  ) {}
}

const ZERO = 0x30;
const NINE = 0x39;
/** Bucket keys of up to this many digits are read as numbers (as the aggregator's own digit loop does). */
const MAX_BUCKET_DIGITS = 9;

export class PingScanner {
  private readonly cursor = new JsonCursor();
  private readonly names = new NameTable();
  private readonly buckets = new BucketArena();
  /** Numbers the maps read (NameTable.seenIn); never 0. */
  private objects = 0;
  /** The bytes of the line being scanned (a view, not a copy). */
  private buffer: Buffer = Buffer.alloc(0);

  /** Scans the line [start, end) of `bytes` (without its newline). The result is valid until the next call. */
  scan(bytes: Uint8Array, start: number, end: number): ScanResult {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = buffer;
    const cursor = this.cursor;
    cursor.reset(buffer, start, end);
    const first = cursor.next();
    if (first < 0) return BLANK;
    if (first !== OPEN_BRACE) return NOT_AN_OBJECT;
    this.buckets.reset();
    try {
      const ping = this.readRecord(PING_SCHEMA);
      if (cursor.next() >= 0) return NOT_JSON;
      return { kind: 'ping', ping };
    } catch (error) {
      if (error === JSON_SYNTAX_ERROR) return NOT_JSON;
      throw error;
    }
  }

  /** The value at the cursor, read as `node` says. */
  private read(node: SchemaNode): unknown {
    const c = this.cursor.next();
    switch (node.kind) {
      case RECORD:
        return c === OPEN_BRACE ? this.readRecord(node) : this.readWhole();
      case MAP:
        return c === OPEN_BRACE ? this.readMap(node.entries) : this.readWhole();
      case BUCKETS:
        return c === OPEN_BRACE ? this.readBuckets() : this.readWhole();
      case LIST:
        return c === OPEN_BRACKET ? this.readList(node.items) : this.readWhole();
      case HISTOGRAM:
        return c === OPEN_BRACE ? this.readHistogram(node.record) : this.readWhole();
      case VALUE:
        return this.readWhole();
    }
  }

  /** Any value, as JSON.parse gives it. */
  private readWhole(): unknown {
    const cursor = this.cursor;
    const c = cursor.next();
    const start = cursor.pos;
    switch (cursor.kindOf(c)) {
      case NUMBER: {
        const value = cursor.scanNumber();
        return Number.isNaN(value) ? numberOfText(this.buffer, start, cursor.pos) : value;
      }
      case STRING: {
        const close = cursor.scanString();
        return decodeJsonString(this.buffer, start + 1, close, cursor.escaped, cursor.nonAscii);
      }
      case LITERAL: {
        const literal = cursor.scanLiteral();
        return literal === 0x74 ? true : literal === 0x66 ? false : null;
      }
      case OBJECT:
      case ARRAY:
        cursor.skipValue();
        return parseJsonValue(this.buffer, start, cursor.pos);
      default:
        throw JSON_SYNTAX_ERROR;
    }
  }

  /** At `{`: the members the node names, by name (the last of duplicates wins); other members skipped. */
  private readRecord(node: RecordNode): Record<string, unknown> {
    const cursor = this.cursor;
    const buffer = this.buffer;
    const out: Record<string, unknown> = { ...node.template };
    cursor.pos++;
    if (cursor.next() === CLOSE_BRACE) {
      cursor.pos++;
      return out;
    }
    for (;;) {
      if (cursor.next() !== QUOTE) throw JSON_SYNTAX_ERROR;
      const keyStart = cursor.pos + 1;
      const keyEnd = cursor.scanString();
      const field = cursor.escaped
        ? fieldNamed(node.fields, decodeJsonString(buffer, keyStart, keyEnd, true, cursor.nonAscii))
        : fieldOfBytes(node.byLength[keyEnd - keyStart], buffer, keyStart, keyEnd);
      cursor.expect(COLON);
      if (field === undefined) cursor.skipValue();
      else out[field.name] = this.read(field.node);
      const c = cursor.next();
      cursor.pos++;
      if (c === COMMA) continue;
      if (c === CLOSE_BRACE) return out;
      throw JSON_SYNTAX_ERROR;
    }
  }

  /**
   * At `{`: every member, each value read as `entries`, as ScannedMembers; or, when a name may
   * repeat (or is spelled with escapes or bytes beyond ASCII) or is integer-like, as a
   * null-prototype object filled in input order (which has JSON.parse's member order and
   * duplicate rule).
   */
  private readMap(entries: SchemaNode): object {
    const cursor = this.cursor;
    const buffer = this.buffer;
    const table = this.names;
    const names: string[] = [];
    const values: unknown[] = [];
    // numbers stay int32 (NameTable keeps them so); reusing one is harmless: a false duplicate only means an object is built
    const object = (this.objects = (this.objects % 0x7fffffff) + 1);
    const generation = table.generation;
    let plain = true;
    cursor.pos++;
    if (cursor.next() === CLOSE_BRACE) {
      cursor.pos++;
      return new ScannedMembers(names, values);
    }
    for (;;) {
      if (cursor.next() !== QUOTE) throw JSON_SYNTAX_ERROR;
      const keyStart = cursor.pos + 1;
      const keyEnd = cursor.scanString();
      const escaped = cursor.escaped;
      const nonAscii = cursor.nonAscii;
      const name = table.name(buffer, keyStart, keyEnd, escaped, nonAscii);
      const id = table.id;
      // names are numbered by their bytes: two spellings of one name (an escape, invalid UTF-8) would pass for two names
      if (plain && (escaped || nonAscii || id < 0 || table.isIndex(id) || table.seenIn(id, object))) plain = false;
      cursor.expect(COLON);
      names.push(name);
      values.push(this.read(entries));
      const c = cursor.next();
      cursor.pos++;
      if (c === COMMA) continue;
      if (c === CLOSE_BRACE) break;
      throw JSON_SYNTAX_ERROR;
    }
    if (plain && table.generation === generation) return new ScannedMembers(names, values);
    const out = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < names.length; i++) out[names[i] as string] = values[i];
    return out;
  }

  /**
   * At a histogram's `{`: its values, sum and histogram_type (the last of duplicates wins), other
   * members skipped: readRecord for this one record, into an object of one fixed shape.
   */
  private readHistogram(node: RecordNode): object {
    const cursor = this.cursor;
    const buffer = this.buffer;
    let values: unknown;
    let sum: unknown;
    let type: unknown;
    cursor.pos++;
    if (cursor.next() === CLOSE_BRACE) {
      cursor.pos++;
      return new HistogramRecord(values, sum, type);
    }
    for (;;) {
      if (cursor.next() !== QUOTE) throw JSON_SYNTAX_ERROR;
      const keyStart = cursor.pos + 1;
      const keyEnd = cursor.scanString();
      const field = cursor.escaped
        ? fieldNamed(node.fields, decodeJsonString(buffer, keyStart, keyEnd, true, cursor.nonAscii))
        : fieldOfBytes(node.byLength[keyEnd - keyStart], buffer, keyStart, keyEnd);
      cursor.expect(COLON);
      if (field === undefined) cursor.skipValue();
      else if (field.node.kind === BUCKETS) values = this.read(field.node);
      else if (field.name === 'sum') sum = this.readWhole();
      else type = this.readWhole();
      const c = cursor.next();
      cursor.pos++;
      if (c === COMMA) continue;
      if (c === CLOSE_BRACE) return new HistogramRecord(values, sum, type);
      throw JSON_SYNTAX_ERROR;
    }
  }

  /** At `[`: every element read as `items`. */
  private readList(items: SchemaNode): unknown[] {
    const cursor = this.cursor;
    const out: unknown[] = [];
    cursor.pos++;
    if (cursor.next() === CLOSE_BRACKET) {
      cursor.pos++;
      return out;
    }
    for (;;) {
      out.push(this.read(items));
      const c = cursor.next();
      cursor.pos++;
      if (c === COMMA) continue;
      if (c === CLOSE_BRACKET) return out;
      throw JSON_SYNTAX_ERROR;
    }
  }

  /**
   * At a histogram's `{`: its (bucket, count) pairs as ScannedBuckets when every key is a plain
   * bucket number greater than the one before; otherwise the object as JSON.parse gives it.
   */
  private readBuckets(): unknown {
    const cursor = this.cursor;
    const bytes = this.buffer;
    const end = cursor.end;
    const arena = this.buckets;
    const objectStart = cursor.pos;
    const first = arena.used;
    let pairs = arena.pairs;
    let used = first;
    let previous = -1;
    cursor.pos++;
    let c = cursor.next();
    if (c === CLOSE_BRACE) {
      cursor.pos++;
      return new ScannedBuckets(pairs, first, first);
    }
    for (;;) {
      if (c !== QUOTE) throw JSON_SYNTAX_ERROR;
      // the key: 1 to 9 digits, no leading zero (but "0"), above the previous key; else the slow path
      let pos = cursor.pos + 1;
      const keyStart = pos;
      let bucket = 0;
      while (pos < end) {
        const digit = (bytes[pos] as number) - ZERO;
        if (digit < 0 || digit > NINE - ZERO) break;
        bucket = bucket * 10 + digit;
        pos++;
      }
      const digits = pos - keyStart;
      if (
        pos >= end ||
        bytes[pos] !== QUOTE ||
        digits === 0 ||
        digits > MAX_BUCKET_DIGITS ||
        (digits > 1 && bytes[keyStart] === ZERO) ||
        bucket <= previous
      ) {
        arena.used = first;
        cursor.pos = objectStart;
        return this.readWhole();
      }
      previous = bucket;
      cursor.pos = pos + 1;
      cursor.expect(COLON);
      // the count
      c = cursor.next();
      let count: number;
      const kind = cursor.kindOf(c);
      if (kind === NUMBER) {
        const start = cursor.pos;
        count = cursor.scanNumber();
        if (Number.isNaN(count)) count = numberOfText(bytes, start, cursor.pos);
      } else if (kind === LITERAL) {
        const literal = cursor.scanLiteral();
        count = literal === 0x74 ? 1 : literal === 0x66 ? 0 : Number.NaN;
      } else {
        cursor.skipValue();
        count = Number.NaN;
      }
      if (count !== 0) {
        if (used + 2 > pairs.length) {
          arena.used = used;
          pairs = arena.reserve(1);
        }
        pairs[used] = bucket;
        pairs[used + 1] = count;
        used += 2;
      }
      c = cursor.next();
      cursor.pos++;
      if (c === COMMA) {
        c = cursor.next();
        continue;
      }
      if (c === CLOSE_BRACE) {
        arena.used = used;
        return new ScannedBuckets(pairs, first, used);
      }
      throw JSON_SYNTAX_ERROR;
    }
  }
}

function fieldNamed(fields: readonly SchemaField[], name: string): SchemaField | undefined {
  for (const field of fields) if (field.name === name) return field;
  return undefined;
}

/** The field (of those whose name has this length) whose name has exactly the bytes [start, end) (an unescaped key). */
function fieldOfBytes(fields: readonly SchemaField[] | undefined, buffer: Buffer, start: number, end: number): SchemaField | undefined {
  if (fields === undefined) return undefined;
  const length = end - start;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f] as SchemaField;
    const bytes = field.bytes;
    let i = 0;
    while (i < length && bytes[i] === buffer[start + i]) i++;
    if (i === length) return field;
  }
  return undefined;
}
