/** Python's int() for the bucket keys of ping histograms. */
import { describe, expect, it } from 'vitest';
import { parsePythonInt } from '../../builder/src/aggregate/python-int';

describe('parsePythonInt', () => {
  it('accepts what Python int() accepts', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['268', 268],
      ['+5', 5],
      [' 7 ', 7],
      ['\t12\n', 12],
      ['1_000', 1000],
      ['-3', -3],
      ['-0', 0],
      ['007', 7],
      ['0_0', 0],
      ['\u00a05', 5],
      // biome-ignore lint/correctness/noPrecisionLoss: the rounding of this literal is what the test pins
      ['123456789012345678', 123456789012345678],
    ];
    for (const [text, value] of cases) expect([text, parsePythonInt(text)]).toEqual([text, value]);
    expect(Object.is(parsePythonInt('-0'), 0)).toBe(true);
  });

  it('rejects what Python int() rejects', () => {
    for (const text of [
      '',
      ' ',
      '+',
      '-',
      '1__0',
      '_1',
      '1_',
      '-_1',
      '+ 5',
      '1.0',
      '1e3',
      'abc',
      '0x10',
      '5L',
      '\u001c5',
      'NaN',
      'Infinity',
    ]) {
      expect([text, parsePythonInt(text)]).toEqual([text, undefined]);
    }
  });
});
