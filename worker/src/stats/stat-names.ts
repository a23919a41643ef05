/**
 * The `stats=` query parameter of the data endpoint (pure): a comma-separated list of `mean`
 * and percentiles `pN` (0 <= N <= 100, up to two decimals, e.g. p5, p50, p99.9).
 */

/** A statistic a client can ask for. */
export type StatName = 'mean' | `p${number}`;

/** What the dashboard asks for, and the example in the API description. */
export const DEFAULT_STATS: readonly StatName[] = ['mean', 'p5', 'p25', 'p50', 'p75', 'p95'];

/** More names than this in one request answer 400. */
export const MAX_STATS = 20;

export const STATS_USAGE = `stats takes a comma-separated list of "mean" and percentiles pN with 0 <= N <= 100 (at most ${MAX_STATS}), e.g. stats=${DEFAULT_STATS.join(',')}.`;

const PERCENTILE = /^p(100|[0-9]{1,2})(\.[0-9]{1,2})?$/;

export type StatNamesResult = { ok: true; names: StatName[] } | { ok: false; message: string };

/** The names in request order, duplicates dropped; empty items (a trailing comma) are ignored. */
export function parseStatNames(text: string): StatNamesResult {
  const names: StatName[] = [];
  const invalid: string[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    if (item === 'mean' || (PERCENTILE.test(item) && Number(item.slice(1)) <= 100)) {
      if (!names.includes(item as StatName)) names.push(item as StatName);
    } else invalid.push(item);
  }
  if (invalid.length > 0) return { ok: false, message: `Unknown statistic(s): ${invalid.join(', ')}. ${STATS_USAGE}` };
  if (names.length === 0 || names.length > MAX_STATS) return { ok: false, message: STATS_USAGE };
  return { ok: true, names };
}

/** The percentile (0..100) a name asks for, or null for `mean`. */
export function percentileOf(name: StatName): number | null {
  return name === 'mean' ? null : Number(name.slice(1));
}
