/**
 * Python's `int(text)` for the bucket keys of a ping histogram's `values` (BUCKETS.md §6: keys
 * that are not ints are skipped). Pure; no eval.
 */

/** Whitespace Python's int() strips: ASCII \t\n\v\f\r and space, plus Unicode spaces. */
const PYTHON_INT_WHITESPACE =
  /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const PYTHON_INT_BODY = /^[+-]?[0-9](?:_?[0-9])*$/;

/**
 * The integer Python's `int(text)` returns, or undefined where it raises ValueError.
 * Accepts surrounding whitespace, an optional sign, ASCII digits (leading zeros are
 * fine) and single underscores between digits. Non-ASCII digits are NOT accepted
 * (Python would). Values beyond 2^53 come back rounded; they never equal a bucket.
 */
export function parsePythonInt(text: string): number | undefined {
  const length = text.length;
  // Fast path: a short run of ASCII digits, e.g. "0" or "268".
  if (length > 0 && length <= 15) {
    let value = 0;
    let index = 0;
    for (; index < length; index++) {
      const code = text.charCodeAt(index) - 48;
      if (code < 0 || code > 9) break;
      value = value * 10 + code;
    }
    if (index === length) return value;
  }
  const body = text.replace(PYTHON_INT_WHITESPACE, '');
  if (!PYTHON_INT_BODY.test(body)) return undefined;
  const value = Number(body.replaceAll('_', ''));
  return value === 0 ? 0 : value;
}
