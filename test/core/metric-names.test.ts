/**
 * The name and label limits (worker/src/core/metric-names.ts): UTF-8 lengths counted as
 * TextEncoder counts them, and limits that keep every stored name and label within what the
 * worker accepts as a request parameter.
 */
import { describe, expect, it } from 'vitest';
import { fitsInUtf8Bytes, MAX_LABEL_BYTES, MAX_METRIC_NAME_BYTES } from '../../worker/src/core/metric-names';
import { MAX_PARAMETER_BYTES } from '../../worker/src/query/params';

const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

describe('fitsInUtf8Bytes', () => {
  it.each([
    ['', 0],
    ['a'.repeat(10), 10],
    ['\u00e9'.repeat(5), 10],
    ['\u20ac'.repeat(4), 12],
    ['\u{1F600}'.repeat(3), 12], // surrogate pairs: 4 bytes each
    ['\ud800x', 4], // a lone high surrogate: U+FFFD, 3 bytes
    ['x\udc00', 4], // a lone low surrogate
    ['\ud83d', 3], // a high surrogate at the end
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
    expect(fitsInUtf8Bytes(text, bytes)).toBe(true);
    if (bytes > 0) expect(fitsInUtf8Bytes(text, bytes - 1)).toBe(false);
  });

  it('agrees with TextEncoder on random mixes of 1-, 2-, 3- and 4-byte characters and lone surrogates', () => {
    const pieces = ['a', '\u00e9', '\u20ac', '\u{1F600}', '\ud800', '\udfff'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 500; round++) {
      let text = '';
      const length = next() % 120;
      for (let i = 0; i < length; i++) text += pieces[next() % pieces.length];
      const limit = next() % 300;
      expect(fitsInUtf8Bytes(text, limit), JSON.stringify(text)).toBe(utf8Length(text) <= limit);
    }
  });
});

describe('the limits', () => {
  it('a stored label is at most the longest request parameter, and a stored name shorter still', () => {
    expect(MAX_LABEL_BYTES).toBe(MAX_PARAMETER_BYTES);
    expect(MAX_METRIC_NAME_BYTES).toBeLessThanOrEqual(MAX_PARAMETER_BYTES);
  });

  it('a stored name with the dir: store lock and temp suffixes fits a 255-byte path component', () => {
    // file-lock.ts: NAME.~lock, and NAME.~lock.~tmp-PID-COUNTER (pid up to 7 digits, a counter up to 2^53)
    const longest = `${'n'.repeat(MAX_METRIC_NAME_BYTES)}.~lock.~tmp-${'9'.repeat(7)}-${Number.MAX_SAFE_INTEGER}`;
    expect(longest.length).toBeLessThanOrEqual(255);
  });
});
