/** The integer subset of Python expressions that numeric fields of Histograms.json may be written in. */
import { describe, expect, it } from 'vitest';
import { evaluateIntegerExpression } from '../../builder/src/definitions/integer-expression';

describe('evaluateIntegerExpression', () => {
  it('evaluates the integer subset of Python expressions', () => {
    const cases: Array<[string, number]> = [
      ['60000', 60000],
      [' 80 + 1 ', 81],
      ['1_000', 1000],
      ['0x1f', 31],
      ['0x_1f', 31],
      ['0o17', 15],
      ['0b101', 5],
      ['00', 0],
      ['2**10', 1024],
      ['-2**2', -4],
      ['2**3**2', 512],
      ['7//2', 3],
      ['-7//2', -4],
      ['-7%3', 2],
      ['7%-3', -2],
      ['(1+2)*3', 9],
      ['1 - 2 - 3', -4],
      ['- -5', 5],
      ['True+1', 2],
    ];
    for (const [text, value] of cases) expect([text, evaluateIntegerExpression(text)]).toEqual([text, value]);
  });

  it('rejects everything else', () => {
    for (const text of [
      '',
      ' ',
      '7/2',
      '4/2',
      '1.0',
      '1e3',
      '08',
      '1__0',
      '_1',
      '1_',
      '5L',
      'abc',
      '1 +',
      '(1',
      '1)',
      '2**-1',
      '1//0',
      '1%0',
      'x',
      'True1',
    ]) {
      expect([text, evaluateIntegerExpression(text)]).toEqual([text, undefined]);
    }
    expect(evaluateIntegerExpression(`${'('.repeat(200)}1${')'.repeat(200)}`)).toBeUndefined();
  });

  it('rejects results beyond the safe integer range (Python would keep the big int)', () => {
    expect(evaluateIntegerExpression('9'.repeat(21))).toBeUndefined();
    expect(evaluateIntegerExpression('2**100')).toBeUndefined();
    expect(evaluateIntegerExpression('2**53 - 1')).toBe(Number.MAX_SAFE_INTEGER);
  });
});
