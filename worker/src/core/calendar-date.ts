/**
 * YYYYMMDD dates (build dates, submission dates) and their months (YYYYMM, the period of a
 * shard): their form, calendar checks and day arithmetic, in UTC. Runtime-agnostic; the builder
 * and the worker both use it.
 */

const MS_PER_DAY = 86_400_000;
const EIGHT_DIGITS = /^\d{8}$/;

/** Eight digits: the form of every stored date. (Whether it names a real day: isCalendarDate.) */
export function isYyyymmdd(text: string): boolean {
  return EIGHT_DIGITS.test(text);
}

/** Eight digits naming a real day of the Gregorian calendar (20170229 does not). */
export function isCalendarDate(text: string): boolean {
  return isYyyymmdd(text) && dateOfDayNumber(dayNumber(text)) === text;
}

/** The month period (YYYYMM) a YYYYMMDD date belongs to. */
export function periodOf(date: string): string {
  return date.slice(0, 6);
}

/** Days since 1970-01-01 of a YYYYMMDD date (out-of-range months and days roll over, as Date.UTC does). */
export function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / MS_PER_DAY;
}

/** The YYYYMMDD date of a day number (days since 1970-01-01). */
export function dateOfDayNumber(day: number): string {
  return formatUtcDate(new Date(day * MS_PER_DAY));
}

export function addDays(date: string, days: number): string {
  return dateOfDayNumber(dayNumber(date) + days);
}

/** Today's date in UTC. */
export function todayUtc(now: Date = new Date()): string {
  return formatUtcDate(now);
}

/** The last day (YYYYMMDD) of a month period (YYYYMM). */
export function lastDayOfMonth(period: string): string {
  // Day 0 of the next month is the last day of this one.
  return formatUtcDate(new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(4, 6)), 0)));
}

function formatUtcDate(date: Date): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}`;
}
