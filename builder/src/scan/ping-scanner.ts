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
import { HASH_SEED, hashStep, NameTable } from './name-table';
import type { RecordNode, SchemaField, SchemaNode } from './ping-schema';
import { BUCKETS, HISTOGRAM, LIST, MAP, PING_SCHEMA, RECORD, VALUE } from './ping-schema';
import { BucketArena, ScannedBuckets } from './scanned-buckets';
import { ScannedMembers } from './scanned-members';

/** Why a line went to JSON.parse instead. */
export const FALLBACK_REASONS = {
  'not-json': 'the scanner found a syntax error (JSON.parse then rejects the line too)',
  'not-an-object': 'the line does not start with an object after JSON whitespace (blank by JavaScript rules, a BOM, another value)',
  'json-document': 'a ping of an input that is one JSON document (pretty-printed, or an array of pings), which JSON.parse reads whole',
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

/** 1 for the bytes of a key that needs no decoding (printable ASCII but quote and backslash). */
const PLAIN_KEY_BYTE = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) PLAIN_KEY_BYTE[c] = c === QUOTE || c === 0x5c ? 0 : 1;

const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
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
      case NUMBER:
        return this.number();
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
    const end = cursor.end;
    for (;;) {
      let pos = cursor.pos;
      let c = pos < end ? (buffer[pos] as number) : -1;
      if (c !== QUOTE) {
        pos = cursor.skipSpaces(pos);
        if (pos >= end || buffer[pos] !== QUOTE) throw JSON_SYNTAX_ERROR;
      }
      // a plain key is hashed as it is scanned; any other is scanned, then hashed, by the cursor and the table
      const keyStart = pos + 1;
      let keyEnd = keyStart;
      let hash = HASH_SEED;
      while (keyEnd < end && (PLAIN_KEY_BYTE[(c = buffer[keyEnd] as number)] as number) === 1) {
        hash = hashStep(hash, c);
        keyEnd++;
      }
      let name: string;
      let escaped = false;
      let nonAscii = false;
      if (keyEnd < end && buffer[keyEnd] === QUOTE) {
        name = table.find(buffer, keyStart, keyEnd, hash, false, false);
        cursor.pos = keyEnd + 1;
      } else {
        cursor.pos = pos;
        keyEnd = cursor.scanString();
        escaped = cursor.escaped;
        nonAscii = cursor.nonAscii;
        name = table.name(buffer, keyStart, keyEnd, escaped, nonAscii);
      }
      const id = table.id;
      // names are numbered by their bytes: two spellings of one name (an escape, invalid UTF-8) would pass for two names
      if (plain && (escaped || nonAscii || id < 0 || table.isIndex(id) || table.seenIn(id, object))) plain = false;
      cursor.expect(COLON);
      names.push(name);
      values.push(this.read(entries));
      c = cursor.next();
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
    const bytes = this.buffer;
    const end = cursor.end;
    let values: unknown;
    let sum: unknown;
    let type: unknown;
    // the members' structure over local positions (as in readBuckets); their values by the cursor
    let pos = cursor.skipSpaces(cursor.pos + 1);
    let c = pos < end ? (bytes[pos] as number) : -1;
    if (c === CLOSE_BRACE) {
      cursor.pos = pos + 1;
      return new HistogramRecord(values, sum, type);
    }
    for (;;) {
      if (c !== QUOTE) throw JSON_SYNTAX_ERROR;
      const keyStart = pos + 1;
      let keyEnd = keyStart;
      while (keyEnd < end && (PLAIN_KEY_BYTE[bytes[keyEnd] as number] as number) === 1) keyEnd++;
      let field: SchemaField | undefined;
      if (keyEnd < end && bytes[keyEnd] === QUOTE) {
        field = fieldOfBytes(node.byLength[keyEnd - keyStart], bytes, keyStart, keyEnd);
        pos = keyEnd + 1;
      } else {
        cursor.pos = pos;
        const close = cursor.scanString();
        field = fieldNamed(node.fields, decodeJsonString(bytes, keyStart, close, cursor.escaped, cursor.nonAscii));
        pos = cursor.pos;
      }
      if (pos >= end || bytes[pos] !== COLON) {
        pos = cursor.skipSpaces(pos);
        if (pos >= end || bytes[pos] !== COLON) throw JSON_SYNTAX_ERROR;
      }
      cursor.pos = pos + 1;
      if (field === undefined) cursor.skipValue();
      else if (field.node.kind === BUCKETS) values = this.read(field.node);
      else if (field.name === 'sum') sum = this.readWhole();
      else type = this.readWhole();
      pos = cursor.pos;
      c = pos < end ? (bytes[pos] as number) : -1;
      if (c !== COMMA && c !== CLOSE_BRACE) {
        pos = cursor.skipSpaces(pos);
        c = pos < end ? (bytes[pos] as number) : -1;
      }
      pos++;
      if (c === COMMA) {
        c = pos < end ? (bytes[pos] as number) : -1;
        if (c !== QUOTE) {
          pos = cursor.skipSpaces(pos);
          c = pos < end ? (bytes[pos] as number) : -1;
        }
        continue;
      }
      if (c === CLOSE_BRACE) {
        cursor.pos = pos;
        return new HistogramRecord(values, sum, type);
      }
      throw JSON_SYNTAX_ERROR;
    }
  }

  /** A number at the cursor (validated), as JSON.parse gives it. */
  private number(): number {
    const cursor = this.cursor;
    const start = cursor.pos;
    const value = cursor.scanNumber();
    return Number.isNaN(value) ? numberOfText(this.buffer, start, cursor.pos) : value;
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
    // one loop over local positions (the hot loop of the scanner): whitespace is skipped where a
    // byte <= 0x20 shows up, numbers other than plain integers are read by the cursor
    let pos = cursor.skipSpaces(objectStart + 1);
    let c = pos < end ? (bytes[pos] as number) : -1;
    if (c === CLOSE_BRACE) {
      cursor.pos = pos + 1;
      return new ScannedBuckets(pairs, first, first);
    }
    for (;;) {
      if (c !== QUOTE) throw JSON_SYNTAX_ERROR;
      // the key: 1 to 9 digits, no leading zero (but "0"), above the previous key; else the object as JSON.parse gives it
      pos++;
      const keyStart = pos;
      let bucket = 0;
      while (pos < end) {
        const digit = (bytes[pos] as number) - ZERO;
        if (digit < 0 || digit > 9) break;
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
      pos++;
      c = pos < end ? (bytes[pos] as number) : -1;
      if (c !== COLON) {
        pos = cursor.skipSpaces(pos);
        if (pos >= end || bytes[pos] !== COLON) throw JSON_SYNTAX_ERROR;
      }
      pos++;
      c = pos < end ? (bytes[pos] as number) : -1;
      // the count: a plain positive integer here, anything else by the cursor
      let count: number;
      if (c > ZERO && c <= NINE) {
        const numberStart = pos;
        count = c - ZERO;
        pos++;
        while (pos < end) {
          const digit = (bytes[pos] as number) - ZERO;
          if (digit < 0 || digit > 9) break;
          count = count * 10 + digit;
          pos++;
        }
        c = pos < end ? (bytes[pos] as number) : -1;
        if (c === DOT || c === LOWER_E || c === UPPER_E || pos - numberStart > 15) {
          cursor.pos = numberStart;
          count = this.number();
          pos = cursor.pos;
          c = pos < end ? (bytes[pos] as number) : -1;
        }
      } else {
        cursor.pos = pos;
        count = this.bucketCount();
        pos = cursor.pos;
        c = pos < end ? (bytes[pos] as number) : -1;
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
      if (c !== COMMA && c !== CLOSE_BRACE) {
        pos = cursor.skipSpaces(pos);
        c = pos < end ? (bytes[pos] as number) : -1;
      }
      pos++;
      if (c === COMMA) {
        c = pos < end ? (bytes[pos] as number) : -1;
        if (c !== QUOTE) {
          pos = cursor.skipSpaces(pos);
          c = pos < end ? (bytes[pos] as number) : -1;
        }
        continue;
      }
      if (c === CLOSE_BRACE) {
        cursor.pos = pos;
        arena.used = used;
        return new ScannedBuckets(pairs, first, used);
      }
      throw JSON_SYNTAX_ERROR;
    }
  }

  /** A bucket's count at the cursor as a number: JSON.parse's number, 1 for true, 0 for false, NaN for anything else. */
  private bucketCount(): number {
    const cursor = this.cursor;
    const kind = cursor.kindOf(cursor.next());
    if (kind === NUMBER) return this.number();
    if (kind === LITERAL) {
      const literal = cursor.scanLiteral();
      return literal === 0x74 ? 1 : literal === 0x66 ? 0 : Number.NaN;
    }
    cursor.skipValue();
    return Number.NaN;
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
