/**
 * The dashboard's state and its URL form (pure, no DOM): everything a shared link needs to show
 * the same view. The token is never part of it.
 *
 *   /?prefix=build_id&channel=nightly&version=54&metric=GC_MS&os=Windows_NT&child=content&label=&date=20170120
 */

export const PREFIXES = ['build_id', 'submission_date'] as const;
export type DashboardPrefix = (typeof PREFIXES)[number];

/** Data filters the page sets from /filters/ (the label is chosen among the answer's labels). */
export const FILTER_PARAMS = ['application', 'architecture', 'os', 'osVersion', 'child', 'e10sEnabled'] as const;
export type FilterParam = (typeof FILTER_PARAMS)[number];

export interface DashboardState {
  prefix: DashboardPrefix;
  /** '' until chosen (the page then picks nightly, or the first channel). */
  channel: string;
  /** '' until chosen (the page then picks the newest version). */
  version: string;
  /** '' when no metric is chosen. */
  metric: string;
  filters: Partial<Record<FilterParam, string>>;
  /** '' sums every label. */
  label: string;
  /** The distribution's date; '' for the whole range. */
  date: string;
}

/** The cascade of loads of the page; a change reloads from its step on. */
export const Step = { Channels: 0, Versions: 1, Filters: 2, Data: 3 } as const;
export type Step = (typeof Step)[keyof typeof Step];

/**
 * What going from `before` to `after` (e.g. Back to an older URL) needs: the first load step
 * whose input changed, 'render' when only the label or date changed, null when nothing did. A
 * version is checked against, and takes its dates from, the channel's dates: the Versions step.
 */
export function reloadStepOf(before: DashboardState, after: DashboardState): Step | 'render' | null {
  if (before.prefix !== after.prefix) return Step.Channels;
  if (before.channel !== after.channel || before.version !== after.version) return Step.Versions;
  if (before.metric !== after.metric || FILTER_PARAMS.some((key) => before.filters[key] !== after.filters[key])) return Step.Data;
  if (before.label !== after.label || before.date !== after.date) return 'render';
  return null;
}

export function emptyState(): DashboardState {
  return { prefix: 'build_id', channel: '', version: '', metric: '', filters: {}, label: '', date: '' };
}

function isPrefix(value: string): value is DashboardPrefix {
  return (PREFIXES as readonly string[]).includes(value);
}

export function parseState(search: string): DashboardState {
  const params = new URLSearchParams(search);
  const state = emptyState();
  const prefix = params.get('prefix') ?? '';
  if (isPrefix(prefix)) state.prefix = prefix;
  state.channel = params.get('channel') ?? '';
  state.version = params.get('version') ?? '';
  state.metric = params.get('metric') ?? '';
  state.label = params.get('label') ?? '';
  state.date = params.get('date') ?? '';
  for (const key of FILTER_PARAMS) {
    const value = params.get(key);
    if (value) state.filters[key] = value;
  }
  return state;
}

/** The query string (without '?'), keys in a fixed order, empty values left out. */
export function stateToSearch(state: DashboardState): string {
  const params = new URLSearchParams();
  const put = (key: string, value: string | undefined): void => {
    if (value) params.set(key, value);
  };
  put('prefix', state.prefix);
  put('channel', state.channel);
  put('version', state.version);
  put('metric', state.metric);
  for (const key of FILTER_PARAMS) put(key, state.filters[key]);
  put('label', state.label);
  put('date', state.date);
  return params.toString();
}

/** The data endpoint's query for this state (label is a server filter only when `withLabel`). */
export function dataQuery(state: DashboardState, dates: readonly string[], extra: Record<string, string> = {}, withLabel = false): string {
  const params = new URLSearchParams({ version: state.version, dates: dates.join(','), metric: state.metric });
  for (const key of FILTER_PARAMS) {
    const value = state.filters[key];
    if (value) params.set(key, value);
  }
  if (withLabel && state.label) params.set('label', state.label);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
