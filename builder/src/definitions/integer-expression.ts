/**
 * Numeric fields of Histograms.json given as strings ("60000", "80 + 1"): the original's
 * non-strict parse evaluated them as Python expressions. This evaluates the integer subset only,
 * safely (a recursive-descent parser, no eval). Pure.
 */

const MAX_EXPRESSION_NESTING = 64;
const MAX_EXPONENT = 4096n;
const INTEGER_LITERAL = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?[0-9])*|0(?:_?0)*)/;
const IDENTIFIER_OR_NUMBER_CHAR = /^[A-Za-z0-9_.]/;

class ExpressionError extends Error {}

/**
 * Recursive-descent evaluator for the integer subset of a Python expression:
 * integer literals (decimal, 0x, 0o, 0b, with single underscores), True/False,
 * parentheses, unary + and -, and the binary operators ** * // % + - with Python's
 * precedence and floor semantics. `/` (true division, a float in Python 3), floats,
 * names and anything else are rejected.
 */
class IntegerExpressionParser {
  private position = 0;
  private nesting = 0;

  constructor(private readonly source: string) {}

  parseWhole(): bigint {
    const value = this.parseSum();
    this.skipSpaces();
    if (this.position !== this.source.length) this.fail('unexpected trailing text');
    return value;
  }

  private fail(message: string): never {
    throw new ExpressionError(`${message} at ${this.position} in ${JSON.stringify(this.source)}`);
  }

  private skipSpaces(): void {
    while (this.position < this.source.length) {
      const char = this.source[this.position];
      if (char !== ' ' && char !== '\t' && char !== '\f') break;
      this.position++;
    }
  }

  /** Consumes `token` (after spaces) if it comes next. */
  private accept(token: string): boolean {
    this.skipSpaces();
    if (!this.source.startsWith(token, this.position)) return false;
    this.position += token.length;
    return true;
  }

  private parseSum(): bigint {
    let value = this.parseProduct();
    for (;;) {
      if (this.accept('+')) value += this.parseProduct();
      else if (this.accept('-')) value -= this.parseProduct();
      else return value;
    }
  }

  private parseProduct(): bigint {
    let value = this.parseUnary();
    for (;;) {
      // parseUnary already consumed any "**", so a "*" here is a multiplication.
      if (this.accept('*')) {
        value *= this.parseUnary();
      } else if (this.accept('//')) {
        value = floorDivide(value, this.parseUnary(), () => this.fail('division by zero'));
      } else if (this.accept('/')) {
        this.fail('true division yields a float');
      } else if (this.accept('%')) {
        value = floorModulo(value, this.parseUnary(), () => this.fail('modulo by zero'));
      } else {
        return value;
      }
    }
  }

  private parseUnary(): bigint {
    if (this.accept('+')) return this.nested(() => this.parseUnary());
    if (this.accept('-')) return -this.nested(() => this.parseUnary());
    return this.parsePower();
  }

  private parsePower(): bigint {
    const base = this.parseAtom();
    if (!this.accept('**')) return base;
    const exponent = this.nested(() => this.parseUnary());
    if (exponent < 0n) this.fail('negative exponent yields a float');
    if (exponent > MAX_EXPONENT && base !== 0n && base !== 1n && base !== -1n) this.fail('exponent too large');
    return base ** exponent;
  }

  private parseAtom(): bigint {
    this.skipSpaces();
    if (this.accept('(')) {
      const value = this.nested(() => this.parseSum());
      if (!this.accept(')')) this.fail('missing )');
      return value;
    }
    const rest = this.source.slice(this.position);
    const keyword = /^(True|False)(?![A-Za-z0-9_])/.exec(rest);
    if (keyword !== null) {
      this.position += keyword[0].length;
      return keyword[1] === 'True' ? 1n : 0n;
    }
    const literal = INTEGER_LITERAL.exec(rest);
    if (literal === null) this.fail('expected an integer');
    this.position += literal[0].length;
    if (IDENTIFIER_OR_NUMBER_CHAR.test(this.source.slice(this.position))) this.fail('malformed number');
    return BigInt(literal[0].replaceAll('_', ''));
  }

  private nested(parse: () => bigint): bigint {
    if (++this.nesting > MAX_EXPRESSION_NESTING) this.fail('expression nested too deeply');
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }
}

function floorDivide(dividend: bigint, divisor: bigint, onZero: () => never): bigint {
  if (divisor === 0n) onZero();
  const quotient = dividend / divisor;
  const remainder = dividend % divisor;
  return remainder !== 0n && remainder < 0n !== divisor < 0n ? quotient - 1n : quotient;
}

function floorModulo(dividend: bigint, divisor: bigint, onZero: () => never): bigint {
  if (divisor === 0n) onZero();
  const remainder = dividend % divisor;
  return remainder !== 0n && remainder < 0n !== divisor < 0n ? remainder + divisor : remainder;
}

/**
 * Value of a numeric field written as a string, e.g. "60000" or "80 + 1", or
 * undefined when it is not an integer expression (or the result is not a safe integer).
 */
export function evaluateIntegerExpression(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: bigint;
  try {
    value = new IntegerExpressionParser(trimmed).parseWhole();
  } catch (error) {
    if (error instanceof ExpressionError) return undefined;
    throw error;
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
  return Number(value);
}
