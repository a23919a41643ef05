/**
 * Strings and values out of a line's bytes, exactly as JSON.parse gives them from the line's
 * UTF-8 decoding (the line reader decodes with replacement characters, as Buffer#toString does).
 *
 * Decoding a part of the line on its own gives the same characters as decoding the whole line
 * when the part starts and ends at ASCII bytes: a decoder never merges an ASCII byte into a
 * multi-byte sequence, so an invalid sequence becomes the same replacement characters either
 * way. Every part decoded here is bounded by quotes, backslashes or a value's first and last
 * bytes, all ASCII. Pure: no I/O.
 */
import { BACKSLASH } from './json-cursor';

const ONE_CHARACTER_ESCAPES: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
};

/**
 * The value of a JSON string whose content (between its quotes) is [start, end), already
 * validated (JsonCursor.scanString, which also says whether it is escaped or not ASCII). Each
 * \uXXXX is one UTF-16 code unit, as in JSON.parse: a surrogate pair gives its character, a lone
 * surrogate stays a lone surrogate.
 */
export function decodeJsonString(buffer: Buffer, start: number, end: number, escaped: boolean, nonAscii: boolean): string {
  if (!escaped) return buffer.toString(nonAscii ? 'utf8' : 'latin1', start, end);
  let text = '';
  let run = start;
  let pos = start;
  while (pos < end) {
    if (buffer[pos] !== BACKSLASH) {
      pos++;
      continue;
    }
    if (pos > run) text += buffer.toString('utf8', run, pos);
    const escaped = buffer[pos + 1] as number;
    if (escaped === 0x75 /* u */) {
      text += String.fromCharCode(Number.parseInt(buffer.toString('latin1', pos + 2, pos + 6), 16));
      pos += 6;
    } else {
      text += ONE_CHARACTER_ESCAPES[escaped] as string;
      pos += 2;
    }
    run = pos;
  }
  if (run < end) text += buffer.toString('utf8', run, end);
  return text;
}

/** A whole valid JSON value [start, end) as JSON.parse gives it (for the rare values kept whole). */
export function parseJsonValue(buffer: Buffer, start: number, end: number): unknown {
  return JSON.parse(buffer.toString('utf8', start, end));
}

/** A number's text [start, end), validated: its value as JSON.parse rounds it (Number() rounds the same way). */
export function numberOfText(buffer: Buffer, start: number, end: number): number {
  return Number(buffer.toString('latin1', start, end));
}
