/**
 * A cursor over the bytes of one JSON text (one input line), with the grammar of ECMA-404 exactly
 * as JSON.parse applies it to the line's UTF-8 decoding: whitespace is space, tab, LF and CR only;
 * strings hold no raw control character and only the escapes \" \\ \/ \b \f \n \r \t \uXXXX;
 * numbers are -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; literals true, false, null.
 *
 * Working on bytes is exact because every byte that matters to the grammar is ASCII, and a UTF-8
 * decoder (with replacement characters, as the line reader decodes) never merges an ASCII byte
 * into a multi-byte sequence: a byte >= 0x80 is part of a string's content (any character is
 * allowed there) or, anywhere else, a character JSON.parse rejects too.
 *
 * A syntax error throws JSON_SYNTAX_ERROR (one shared object: no stack to capture). Skipping a
 * value is iterative, so nesting depth costs memory (one byte per level), never the call stack.
 * Pure: no I/O.
 */

export class JsonScanError extends Error {
  override name = 'JsonScanError';
}

/** Thrown on any syntax error; the caller hands the line to JSON.parse, which rejects it too. */
export const JSON_SYNTAX_ERROR = new JsonScanError('not valid JSON');

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Byte classes inside a string: 0 plain ASCII, 1 ends or escapes (quote, backslash, control), 2 >= 0x80. */
const STRING_CLASS = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_CLASS[c] = 1;
STRING_CLASS[QUOTE] = 1;
STRING_CLASS[BACKSLASH] = 1;
for (let c = 0x80; c < 0x100; c++) STRING_CLASS[c] = 2;

/** The byte after a backslash: 1 for a one-character escape, 2 for \u. */
const ESCAPE_CLASS = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE_CLASS[c.charCodeAt(0)] = 1;
ESCAPE_CLASS['u'.charCodeAt(0)] = 2;

/** Hex digit values, -1 for other bytes. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEX_VALUE['0123456789abcdef'.charCodeAt(c)] = c;
for (let c = 10; c < 16; c++) HEX_VALUE['ABCDEF'.charCodeAt(c - 10)] = c;

/** 1 for the bytes a string can hold as they are (for skipping: bytes beyond ASCII need no check). */
const SKIPPABLE_STRING_BYTE = new Uint8Array(256);
for (let c = 0x20; c < 0x100; c++) SKIPPABLE_STRING_BYTE[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

const IN_OBJECT = 1;
const IN_ARRAY = 2;

/** What a value starting with a given byte is (JsonCursor.kindOf). */
export const NO_VALUE = 0;
export const STRING = 1;
export const OBJECT = 2;
export const ARRAY = 3;
export const NUMBER = 4;
export const LITERAL = 5;

const KIND_OF_FIRST_BYTE = new Uint8Array(256);
KIND_OF_FIRST_BYTE[QUOTE] = STRING;
KIND_OF_FIRST_BYTE[OPEN_BRACE] = OBJECT;
KIND_OF_FIRST_BYTE[OPEN_BRACKET] = ARRAY;
KIND_OF_FIRST_BYTE[MINUS] = NUMBER;
for (let c = ZERO; c <= NINE; c++) KIND_OF_FIRST_BYTE[c] = NUMBER;
for (const c of 'tfn') KIND_OF_FIRST_BYTE[c.charCodeAt(0)] = LITERAL;

const EMPTY = new Uint8Array(0);

export class JsonCursor {
  bytes: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  /** Set by scanString: whether the string just scanned holds an escape, and a byte >= 0x80. */
  escaped = false;
  nonAscii = false;
  /** Open containers of skipValue, one byte per level (grown as needed). */
  private stack = new Uint8Array(256);

  reset(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** Skips JSON whitespace; returns the next byte, or -1 at the end of the text. */
  next(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    while (pos < end) {
      const c = bytes[pos] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.pos = pos;
        return c;
      }
      pos++;
    }
    this.pos = pos;
    return -1;
  }

  /** The first position from `from` that is not JSON whitespace (at most the end). */
  skipSpaces(from: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = from;
    while (pos < end) {
      const c = bytes[pos] as number;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    return pos;
  }

  /** Skips whitespace and the expected byte, or throws. */
  expect(byte: number): void {
    if (this.next() !== byte) throw JSON_SYNTAX_ERROR;
    this.pos++;
  }

  /** The kind of value that starts with this byte (NO_VALUE: no value does). */
  kindOf(byte: number): number {
    return byte < 0 ? NO_VALUE : (KIND_OF_FIRST_BYTE[byte] as number);
  }

  /**
   * At a string's opening quote: moves past its closing quote and returns the position of that
   * quote (the content is [start + 1, returned)). Sets `escaped` and `nonAscii`.
   */
  scanString(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos + 1;
    let escaped = false;
    let nonAscii = false;
    for (;;) {
      if (pos >= end) throw JSON_SYNTAX_ERROR;
      const c = bytes[pos] as number;
      const kind = STRING_CLASS[c] as number;
      if (kind === 0) {
        pos++;
        continue;
      }
      if (kind === 2) {
        nonAscii = true;
        pos++;
        continue;
      }
      if (c === QUOTE) break;
      if (c !== BACKSLASH) throw JSON_SYNTAX_ERROR; // a raw control character
      escaped = true;
      const escapeClass = pos + 1 < end ? (ESCAPE_CLASS[bytes[pos + 1] as number] as number) : 0;
      if (escapeClass === 1) {
        pos += 2;
      } else if (escapeClass === 2) {
        if (pos + 6 > end) throw JSON_SYNTAX_ERROR;
        for (let i = pos + 2; i < pos + 6; i++) if ((HEX_VALUE[bytes[i] as number] as number) < 0) throw JSON_SYNTAX_ERROR;
        pos += 6;
      } else {
        throw JSON_SYNTAX_ERROR;
      }
    }
    this.escaped = escaped;
    this.nonAscii = nonAscii;
    this.pos = pos + 1;
    return pos;
  }

  /**
   * At the first byte of a number: validates it and moves past it. Returns its value when it is a
   * plain integer of at most 15 digits (exact in a double, -0 included), else NaN: the caller then
   * converts the text [start, pos) with Number(), which rounds as JSON.parse does.
   */
  scanNumber(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    const negative = bytes[pos] === MINUS;
    if (negative) pos++;
    const first = pos;
    if (pos >= end) throw JSON_SYNTAX_ERROR;
    let c = bytes[pos] as number;
    let value = 0;
    if (c === ZERO) {
      pos++;
    } else if (c > ZERO && c <= NINE) {
      do {
        value = value * 10 + (c - ZERO);
        pos++;
        c = pos < end ? (bytes[pos] as number) : -1;
      } while (c >= ZERO && c <= NINE);
    } else {
      throw JSON_SYNTAX_ERROR;
    }
    let plain = pos - first <= 15;
    c = pos < end ? (bytes[pos] as number) : -1;
    if (c === DOT) {
      plain = false;
      pos = this.digits(pos + 1);
      c = pos < end ? (bytes[pos] as number) : -1;
    }
    if (c === LOWER_E || c === UPPER_E) {
      plain = false;
      pos++;
      c = pos < end ? (bytes[pos] as number) : -1;
      if (c === PLUS || c === MINUS) pos++;
      pos = this.digits(pos);
    }
    this.pos = pos;
    if (!plain) return Number.NaN;
    return negative ? -value : value;
  }

  /** One or more digits from pos; returns the position after them. */
  private digits(from: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = from;
    while (pos < end) {
      const c = bytes[pos] as number;
      if (c < ZERO || c > NINE) break;
      pos++;
    }
    if (pos === from) throw JSON_SYNTAX_ERROR;
    return pos;
  }

  /** At a literal's first byte: moves past true, false or null; returns the byte it started with. */
  scanLiteral(): number {
    const bytes = this.bytes;
    const pos = this.pos;
    const c = bytes[pos] as number;
    if (c === 0x74 /* t */ || c === 0x6e /* n */) {
      // true / null: 4 bytes
      if (
        pos + 4 > this.end ||
        (c === 0x74
          ? bytes[pos + 1] !== 0x72 || bytes[pos + 2] !== 0x75 || bytes[pos + 3] !== 0x65
          : bytes[pos + 1] !== 0x75 || bytes[pos + 2] !== 0x6c || bytes[pos + 3] !== 0x6c)
      ) {
        throw JSON_SYNTAX_ERROR;
      }
      this.pos = pos + 4;
      return c;
    }
    if (pos + 5 > this.end || bytes[pos + 1] !== 0x61 || bytes[pos + 2] !== 0x6c || bytes[pos + 3] !== 0x73 || bytes[pos + 4] !== 0x65) {
      throw JSON_SYNTAX_ERROR;
    }
    this.pos = pos + 5;
    return c;
  }

  /** Skips whitespace and one whole value of any kind (validating it); returns where it starts. */
  skipValue(): number {
    const start = this.next();
    const at = this.pos;
    const kind = this.kindOf(start);
    if (kind === STRING) this.pos = this.skipString(at);
    else if (kind === NUMBER) this.scanNumber();
    else if (kind === LITERAL) this.scanLiteral();
    else if (kind === OBJECT || kind === ARRAY) this.skipContainer();
    else throw JSON_SYNTAX_ERROR;
    return at;
  }

  /**
   * At `{` or `[`: skips the container and everything in it, with a stack of its own. The hot
   * path of skipping, over a local position: plain strings and plain integers inline, whitespace
   * only where a byte <= 0x20 shows up; escapes, other numbers and literals by the methods above.
   */
  private skipContainer(): void {
    const bytes = this.bytes;
    const end = this.end;
    let stack = this.stack;
    let depth = 0;
    let pos = this.pos;
    for (;;) {
      // a value is expected at pos (after whitespace)
      let c = pos < end ? (bytes[pos] as number) : -1;
      if (c <= 0x20 && c >= 0) {
        pos = this.skipSpaces(pos);
        c = pos < end ? (bytes[pos] as number) : -1;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const close = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
        pos = this.skipSpaces(pos + 1);
        if (pos < end && bytes[pos] === close) {
          pos++;
        } else {
          if (depth === stack.length) {
            const grown = new Uint8Array(stack.length * 2);
            grown.set(stack);
            this.stack = stack = grown;
          }
          stack[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
          if (c === OPEN_BRACE) pos = this.skipMemberName(pos);
          continue;
        }
      } else if (c === QUOTE) {
        pos = this.skipString(pos);
      } else if (c > ZERO && c <= NINE) {
        pos++;
        while (pos < end) {
          const digit = bytes[pos] as number;
          if (digit < ZERO || digit > NINE) break;
          pos++;
        }
        const after = pos < end ? (bytes[pos] as number) : -1;
        if (after === DOT || after === LOWER_E || after === UPPER_E) {
          this.pos = pos;
          pos = this.digitsAfterInteger();
        }
      } else {
        this.pos = pos;
        const kind = this.kindOf(c);
        if (kind === NUMBER) this.scanNumber();
        else if (kind === LITERAL) this.scanLiteral();
        else throw JSON_SYNTAX_ERROR;
        pos = this.pos;
      }
      // after a value: a comma (then the next member or element) or the end of containers
      for (;;) {
        if (depth === 0) {
          this.pos = pos; // the outermost container was empty
          return;
        }
        c = pos < end ? (bytes[pos] as number) : -1;
        if (c <= 0x20 && c >= 0) {
          pos = this.skipSpaces(pos);
          c = pos < end ? (bytes[pos] as number) : -1;
        }
        const top = stack[depth - 1];
        if (c === COMMA) {
          pos++;
          if (top === IN_OBJECT) pos = this.skipMemberName(pos);
          break;
        }
        if (c !== (top === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) throw JSON_SYNTAX_ERROR;
        pos++;
        depth--;
        if (depth === 0) {
          this.pos = pos;
          return;
        }
      }
    }
  }

  /** From the quote at `pos` (after whitespace): past the string, which is validated; returns the position after it. */
  private skipString(at: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = at + 1;
    for (;;) {
      while (pos < end && (SKIPPABLE_STRING_BYTE[bytes[pos] as number] as number) === 1) pos++;
      if (pos >= end) throw JSON_SYNTAX_ERROR;
      const c = bytes[pos] as number;
      if (c === QUOTE) return pos + 1;
      if (c !== BACKSLASH) throw JSON_SYNTAX_ERROR; // a raw control character
      // an escape: the cursor's own string scan validates it (from the string's start, rarely)
      this.pos = at;
      this.scanString();
      return this.pos;
    }
  }

  /** A member's name (after whitespace) and its colon, from `pos`; returns the position after the colon. */
  private skipMemberName(from: number): number {
    const bytes = this.bytes;
    let pos = from;
    if (pos >= this.end || bytes[pos] !== QUOTE) {
      pos = this.skipSpaces(pos);
      if (pos >= this.end || bytes[pos] !== QUOTE) throw JSON_SYNTAX_ERROR;
    }
    pos = this.skipString(pos);
    if (pos >= this.end || bytes[pos] !== COLON) {
      pos = this.skipSpaces(pos);
      if (pos >= this.end || bytes[pos] !== COLON) throw JSON_SYNTAX_ERROR;
    }
    return pos + 1;
  }

  /** At the byte after an integer's digits (a fraction or an exponent follows): validates them; returns the position after. */
  private digitsAfterInteger(): number {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    let c = bytes[pos] as number;
    if (c === DOT) {
      pos = this.digits(pos + 1);
      c = pos < end ? (bytes[pos] as number) : -1;
    }
    if (c === LOWER_E || c === UPPER_E) {
      pos++;
      c = pos < end ? (bytes[pos] as number) : -1;
      if (c === PLUS || c === MINUS) pos++;
      pos = this.digits(pos);
    }
    this.pos = pos;
    return pos;
  }
}
