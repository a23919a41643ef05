/**
 * The unit of a metric's values, when its name or description says it (pure). The rule, in order:
 *
 * 1. Only measurements have units: `linear` and `exponential` histograms (and scalars served as
 *    such). Counts, booleans, flags, enumerations and categories have none.
 * 2. The name's last word, as Firefox names histograms: `_MS` ms, `_US` µs, `_SECONDS`/`_SEC` s,
 *    `_BYTES` bytes, `_KB` KB, `_MB` MB.
 * 3. Otherwise the description: a unit in parentheses, `(ms)`, `(in ms)`, `Time(msec)`,
 *    `(milliseconds)`, `(us)`, `(seconds)`, `(bytes)`, `(KB)`, `(MB)`; or the words `in
 *    milliseconds`, `in ms`, `in microseconds`, `in seconds`, `in bytes`; or a leading `ms `
 *    (`ms of SSL wait time`).
 * 4. Otherwise no unit is shown (none is guessed).
 */

const MEASUREMENT_KINDS = new Set(['linear', 'exponential']);

const NAME_SUFFIXES: Readonly<Record<string, string>> = {
  MS: 'ms',
  US: 'µs',
  SECONDS: 's',
  SEC: 's',
  BYTES: 'bytes',
  KB: 'KB',
  MB: 'MB',
};

/** Unit words as descriptions write them (lower case), and the unit shown. */
const DESCRIPTION_UNITS: Readonly<Record<string, string>> = {
  ms: 'ms',
  msec: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  us: 'µs',
  microsecond: 'µs',
  microseconds: 'µs',
  second: 's',
  seconds: 's',
  bytes: 'bytes',
  kb: 'KB',
  mb: 'MB',
};

const PARENTHESISED = /\(\s*(?:in\s+)?([a-z]+)\s*\)/gi;
const IN_WORDS = /\bin (milliseconds|ms|microseconds|seconds|bytes)\b|^(ms) /i;

export function unitOf(metric: string, kind: string, description: string): string {
  if (!MEASUREMENT_KINDS.has(kind)) return '';
  const lastWord = /[_.]([A-Za-z]+)$/.exec(metric)?.[1]?.toUpperCase() ?? '';
  const fromName = NAME_SUFFIXES[lastWord];
  if (fromName) return fromName;
  for (const match of description.matchAll(PARENTHESISED)) {
    const unit = DESCRIPTION_UNITS[(match[1] ?? '').toLowerCase()];
    if (unit) return unit;
  }
  const match = IN_WORDS.exec(description);
  const words = match?.[1] ?? match?.[2];
  return words ? (DESCRIPTION_UNITS[words.toLowerCase()] ?? '') : '';
}

/** A value with its unit ("35 ms"), or the value alone. */
export function withUnit(value: string, unit: string): string {
  return unit && value !== '–' ? `${value} ${unit}` : value;
}
