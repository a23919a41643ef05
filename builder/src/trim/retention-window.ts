/**
 * Which dates a trim keeps (pure). As in python_mozaggregator's trim_db.py, the kept dates are
 * [base - keepDays, base + bufferDays - 1]: everything older is trimmed, and so is anything dated
 * further in the future than the buffer (bogus build ids, clock skew).
 */
import { addDays, lastDayOfMonth } from '../../../worker/src/core/calendar-date';
import { CHANNELS } from '../../../worker/src/core/storage-keys';

/** The original's --retention-period default: two years. */
export const DEFAULT_KEEP_DAYS = 730;
/** The original's buffer: dates up to a week past the base date are kept. */
export const DEFAULT_BUFFER_DAYS = 7;

export interface RetentionPolicy {
  /** YYYYMMDD. */
  baseDate: string;
  keepDays: number;
  bufferDays: number;
  /** Per-channel keepDays, replacing the default for that channel. */
  channelKeepDays: Readonly<Record<string, number>>;
}

/** Kept dates, inclusive bounds, YYYYMMDD. */
export interface RetentionWindow {
  first: string;
  last: string;
}

export function windowFor(policy: RetentionPolicy, channel: string): RetentionWindow {
  const keepDays = policy.channelKeepDays[channel] ?? policy.keepDays;
  return { first: addDays(policy.baseDate, -keepDays), last: addDays(policy.baseDate, policy.bufferDays - 1) };
}

export function isKept(date: string, window: RetentionWindow): boolean {
  return date >= window.first && date <= window.last;
}

/** How a calendar month (YYYYMM) lies against the window. */
export type MonthCoverage = 'kept' | 'trimmed' | 'boundary';

export function monthCoverage(period: string, window: RetentionWindow): MonthCoverage {
  const firstDay = `${period}01`;
  const lastDay = lastDayOfMonth(period);
  if (lastDay < window.first || firstDay > window.last) return 'trimmed';
  if (firstDay >= window.first && lastDay <= window.last) return 'kept';
  return 'boundary';
}

/**
 * Parses `nightly=10,beta=30`: channel -> days. Throws on an unknown channel or a bad number.
 */
export function parseChannelKeepDays(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)=(\d+)$/.exec(part);
    if (!match) throw new Error(`--channel-keep-days: expected CHANNEL=DAYS, got "${part}"`);
    const [, channel, days] = match as unknown as [string, string, string];
    if (!(CHANNELS as readonly string[]).includes(channel)) throw new Error(`--channel-keep-days: unknown channel "${channel}"`);
    out[channel] = parseKeepDays(days, `--channel-keep-days ${channel}`);
  }
  return out;
}

export function parseKeepDays(text: string, what = '--keep-days'): number {
  const days = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(days) || days > 100_000)
    throw new Error(`${what} must be a whole number of days, got "${text}"`);
  return days;
}
