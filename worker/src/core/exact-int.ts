/**
 * Exact integer arithmetic for aggregate totals.
 *
 * Totals are plain numbers while they stay within Number.MAX_SAFE_INTEGER and switch to
 * bigint beyond it, so nothing is rounded. Stored totals are clamped to the signed 64-bit
 * range, as the original's Postgres `bigint[]` columns clamped them on merge.
 */
export type ExactInt = number | bigint;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * a + b without rounding: number while safe, bigint otherwise. An infinite term (a number
 * JSON.parse made infinite: 1e400, a 400-digit integer) makes the sum infinite, never an error.
 */
export function addExact(a: ExactInt, b: ExactInt): ExactInt {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (sum <= MAX_SAFE && sum >= -MAX_SAFE) return sum;
    if (Number.isInteger(a) && Number.isInteger(b)) return normalizeExact(BigInt(a) + BigInt(b));
    return sum;
  }
  if (isNonFinite(a) || isNonFinite(b)) return Number(a) + Number(b);
  return normalizeExact(toBigInt(a) + toBigInt(b));
}

/** a + b, clamped to the signed 64-bit range (the original's merge semantics). */
export function addClamped(a: ExactInt, b: ExactInt): ExactInt {
  return clampInt64(addExact(a, b));
}

/** The value clamped to the signed 64-bit range (±Infinity to its ends). */
export function clampInt64(value: ExactInt): ExactInt {
  if (typeof value === 'number') {
    if (value <= MAX_SAFE && value >= -MAX_SAFE) return value;
    if (value === Number.POSITIVE_INFINITY) return INT64_MAX;
    if (value === Number.NEGATIVE_INFINITY) return INT64_MIN;
    return clampInt64(toBigInt(value));
  }
  if (value > INT64_MAX) return INT64_MAX;
  if (value < INT64_MIN) return INT64_MIN;
  return normalizeExact(value);
}

/** Is the value above the largest int64 (a row with such a sum is not stored)? True for +Infinity and NaN too. */
export function exceedsInt64(value: ExactInt): boolean {
  if (typeof value === 'bigint') return value > INT64_MAX;
  if (Number.isNaN(value)) return true;
  return value > 9.2e18 && (value === Number.POSITIVE_INFINITY || BigInt(value) > INT64_MAX);
}

/** Truncates a non-integer total (float scalar values) towards zero, like Python's int(). */
export function truncateExact(value: ExactInt): ExactInt {
  if (typeof value === 'bigint' || Number.isInteger(value)) return value;
  const truncated = Math.trunc(value);
  return Number.isSafeInteger(truncated) ? truncated : normalizeExact(BigInt(truncated));
}

export function isZero(value: ExactInt): boolean {
  return value === 0 || value === 0n;
}

/** bigint back to number when that is exact. */
function normalizeExact(value: bigint): ExactInt {
  return value <= BigInt(MAX_SAFE) && value >= -BigInt(MAX_SAFE) ? Number(value) : value;
}

/** An infinite number or NaN, which no bigint can hold. */
function isNonFinite(value: ExactInt): boolean {
  return typeof value === 'number' && !Number.isFinite(value);
}

/** Finite values only (callers check isNonFinite first): BigInt throws on Infinity and NaN. */
function toBigInt(value: ExactInt): bigint {
  if (typeof value === 'bigint') return value;
  return BigInt(Number.isInteger(value) ? value : Math.trunc(value));
}

/**
 * JSON text for values that may hold bigints: they are written as plain JSON integers
 * (JSON.stringify alone throws on bigint).
 */
export function stringifyWithBigInts(value: unknown): string {
  // Fast path: without a replacer JSON.stringify is several times faster, and it throws on the
  // first bigint, which is rare (totals beyond 2^53).
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  let sawBigInt = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') {
      sawBigInt = true;
      return `\u0000bigint:${v.toString()}`;
    }
    return v;
  });
  return sawBigInt ? text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1') : text;
}
