/**
 * The requests of `npm run bench:hostile` (pure): a deterministic stream of data requests that a
 * hostile or broken client could send, over a channel and version that exist (so each request
 * gets as far as the index objects):
 *
 * - `random-name`: a metric name that looks like one (`HOSTILE_` + random letters) but is not;
 * - `long-name`: a metric name of `longLength` random characters;
 * - `random-version`: a version number no build published, with a random name;
 * - `long-label`: a real metric with a `label=` of `longLength` characters.
 *
 * Dates cover the dataset's dates plus two more months, so that a worker guessing shard keys from
 * the request would guess one per month (4 or more).
 */
import { dataPath } from './request-mix';

export const HOSTILE_KINDS = ['random-name', 'long-name', 'random-version', 'long-label'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

export interface HostileTarget {
  channel: string;
  version: string;
  buildIds: readonly string[];
  submissionDates: readonly string[];
  /** A metric that exists (for `long-label`). */
  metric: string;
}

export interface HostileRequest {
  kind: HostileKind;
  path: string;
}

export interface HostileMixOptions {
  count: number;
  seed: number;
  /** Characters of the long names and labels. */
  longLength: number;
}

/** Share of each kind in the stream, out of 20. */
const WEIGHTS: Readonly<Record<HostileKind, number>> = { 'random-name': 8, 'long-name': 6, 'random-version': 3, 'long-label': 3 };
const NAME_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';

/** A small deterministic generator (32-bit LCG); `next(n)` is in [0, n). */
export function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

function randomText(next: (bound: number) => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += NAME_ALPHABET[next(NAME_ALPHABET.length)];
  return text;
}

/** The first day of the month before the first date and of the month after the last one. */
function widenedDates(dates: readonly string[]): string[] {
  const sorted = [...dates].sort();
  const month = (date: string, delta: number): string => {
    const total = Number(date.slice(0, 4)) * 12 + Number(date.slice(4, 6)) - 1 + delta;
    return `${Math.floor(total / 12)}${String((total % 12) + 1).padStart(2, '0')}01`;
  };
  const first = sorted[0];
  const last = sorted.at(-1);
  return first && last ? [month(first, -1), ...sorted, month(last, 1)] : sorted;
}

/** Which kind the i-th request is: the weights spread evenly over every 20 requests. */
function kindAt(index: number): HostileKind {
  let slot = index % 20;
  for (const kind of HOSTILE_KINDS) {
    if (slot < WEIGHTS[kind]) return kind;
    slot -= WEIGHTS[kind];
  }
  return 'random-name';
}

export function hostileRequests(target: HostileTarget, options: HostileMixOptions): HostileRequest[] {
  const next = seededRandom(options.seed);
  const dates = { build_id: widenedDates(target.buildIds), submission_date: widenedDates(target.submissionDates) };
  const requests: HostileRequest[] = [];
  for (let i = 0; i < options.count; i++) {
    const kind = kindAt(i);
    const prefix = i % 2 === 0 ? 'build_id' : 'submission_date';
    const path = (metric: string, version = target.version, extra = ''): string =>
      dataPath(prefix, target.channel, version, dates[prefix], metric, extra);
    if (kind === 'random-name') requests.push({ kind, path: path(`HOSTILE_${randomText(next, 12)}`) });
    else if (kind === 'long-name') requests.push({ kind, path: path(randomText(next, options.longLength)) });
    else if (kind === 'random-version') {
      // Four digits at most (longer ones are not versions at all); never the target's own.
      let version = String(1000 + next(9000));
      if (version === target.version) version = '9999';
      requests.push({ kind, path: path(`HOSTILE_${randomText(next, 12)}`, version) });
    } else requests.push({ kind, path: path(target.metric, target.version, `label=${randomText(next, options.longLength)}`) });
  }
  return requests;
}
