/**
 * The dashboard page: prefix, channel and version; a metric search; the /filters/ options; the
 * distribution for a date or the whole range and the evolution over the dates. The state lives
 * in the URL: every view change the user makes is a browser history entry (Back and Forward
 * restore the view), the page's own choices (a default channel or version) replace the current
 * one. The token lives only in memory.
 */
// First: makes the browser's locale usable and reports page errors before anything else runs.
import './boot';
import { exportFileName } from '../../export/csv';
import { DEFAULT_STATS } from '../../stats/stat-names';
import { Api, ApiError, describeError } from './api';
import type { EvolutionOptions } from './charts';
import { AxisGroup, ChartSlot, drawDistribution, drawPercentiles, drawShares, drawSubmissions } from './charts';
import type { ApiData } from './series';
import { datesOf, displayDate, distribution, evolution, formatNumber, labelsOf } from './series';
import type { DashboardState, FilterParam } from './state';
import { dataQuery, PREFIXES, parseState, reloadStepOf, Step, stateToSearch } from './state';
import { unitOf, withUnit } from './units';

interface DateEntry {
  date: string;
  version: string;
}

type FilterOptions = Partial<Record<'metric' | 'application' | 'architecture' | 'os' | 'child' | 'e10sEnabled', string[]>>;

const MAX_RESULTS = 40;
/** The newest dates of a version that a data request asks for. */
const MAX_DATES = 120;
const PREFERRED_CHANNEL = 'nightly';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

function option(value: string, text: string): HTMLOptionElement {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = text;
  return element;
}

function fillSelect(select: HTMLSelectElement, options: readonly HTMLOptionElement[], value: string): void {
  select.replaceChildren(...options);
  select.value = value;
}

function compareVersions(a: string, b: string): number {
  return Number(b) - Number(a) || (a < b ? 1 : a > b ? -1 : 0);
}

/** os option values: "os" (any version) or "os,version" as /filters/ lists them. */
function osChoice(filters: DashboardState['filters']): string {
  if (!filters.os) return '';
  return filters.osVersion ? `${filters.os},${filters.osVersion}` : filters.os;
}

class Dashboard {
  private state: DashboardState = parseState(location.search);
  private readonly api = new Api();
  private metrics: string[] = [];
  /** Dates of the chosen version, oldest first. */
  private versionDates: string[] = [];
  private data: ApiData | null = null;
  /** The /filters/ answer of the chosen channel and version. */
  private filterOptions: FilterOptions = {};
  private generation = 0;
  /** How many times the charts were drawn (body[data-renders], for tests and automation). */
  private renders = 0;

  private readonly el = {
    prefix: byId<HTMLSelectElement>('prefix'),
    channel: byId<HTMLSelectElement>('channel'),
    version: byId<HTMLSelectElement>('version'),
    search: byId<HTMLInputElement>('metric-search'),
    results: byId<HTMLUListElement>('metric-results'),
    metricName: byId<HTMLElement>('metric-name'),
    metricDescription: byId<HTMLElement>('metric-description'),
    label: byId<HTMLSelectElement>('label'),
    date: byId<HTMLSelectElement>('date'),
    status: byId<HTMLElement>('status'),
    views: byId<HTMLElement>('views'),
    distributionSummary: byId<HTMLElement>('distribution-summary'),
    evolutionSummary: byId<HTMLElement>('evolution-summary'),
    tokenForm: byId<HTMLFormElement>('token-form'),
    token: byId<HTMLInputElement>('token'),
    tokenForget: byId<HTMLButtonElement>('token-forget'),
    tokenStatus: byId<HTMLElement>('token-status'),
    downloadCsv: byId<HTMLButtonElement>('download-csv'),
    downloadJson: byId<HTMLButtonElement>('download-json'),
    filters: {
      application: byId<HTMLSelectElement>('filter-application'),
      architecture: byId<HTMLSelectElement>('filter-architecture'),
      os: byId<HTMLSelectElement>('filter-os'),
      child: byId<HTMLSelectElement>('filter-child'),
      e10sEnabled: byId<HTMLSelectElement>('filter-e10sEnabled'),
    },
  };

  private readonly slots = {
    distribution: new ChartSlot(byId('distribution-chart'), 300),
    percentiles: new ChartSlot(byId('evolution-chart'), 300),
    submissions: new ChartSlot(byId('submissions-chart'), 180),
  };

  start(): void {
    fillSelect(
      this.el.prefix,
      PREFIXES.map((prefix) => option(prefix, prefix === 'build_id' ? 'build id' : 'submission date')),
      this.state.prefix,
    );
    this.el.prefix.addEventListener('change', () => {
      this.state.prefix = this.el.prefix.value === 'submission_date' ? 'submission_date' : 'build_id';
      this.state.date = '';
      this.change(Step.Channels);
    });
    this.el.channel.addEventListener('change', () => {
      this.state.channel = this.el.channel.value;
      this.change(Step.Versions);
    });
    this.el.version.addEventListener('change', () => {
      this.state.version = this.el.version.value;
      this.state.date = '';
      this.change(Step.Versions);
    });
    this.el.search.addEventListener('input', () => this.showResults());
    this.el.search.addEventListener('focus', () => this.showResults());
    this.el.search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        const first = this.matches()[0];
        if (first) this.pickMetric(first);
      } else if (event.key === 'Escape') this.el.results.replaceChildren();
    });
    const filterSelects: [keyof Dashboard['el']['filters'], HTMLSelectElement][] = Object.entries(this.el.filters) as [
      keyof Dashboard['el']['filters'],
      HTMLSelectElement,
    ][];
    for (const [key, select] of filterSelects) {
      select.addEventListener('change', () => {
        if (key === 'os') {
          const [os = '', osVersion = ''] = select.value.split(',');
          this.setFilter('os', os);
          this.setFilter('osVersion', osVersion);
        } else this.setFilter(key, select.value);
        this.change(Step.Data);
      });
    }
    this.el.label.addEventListener('change', () => {
      this.state.label = this.el.label.value;
      this.change('render');
    });
    this.el.date.addEventListener('change', () => {
      this.state.date = this.el.date.value;
      this.change('render');
    });
    this.el.tokenForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.useToken(this.el.token.value);
    });
    this.el.tokenForget.addEventListener('click', () => {
      this.el.token.value = '';
      this.api.setToken(null);
      this.el.tokenStatus.textContent = 'No token: release data is hidden.';
      void this.reload(Step.Channels);
    });
    this.el.downloadCsv.addEventListener('click', () => void this.download('csv'));
    this.el.downloadJson.addEventListener('click', () => void this.download('json'));
    window.addEventListener('resize', () => {
      for (const slot of Object.values(this.slots)) slot.resize();
    });
    window.addEventListener('popstate', () => this.restore(parseState(location.search)));
    void this.reload(Step.Channels);
  }

  /** A view change the user made: a new history entry, then the reload (or redraw) it needs. */
  private change(step: Step | 'render'): void {
    const url = this.url();
    if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
    if (step === 'render') this.render();
    else void this.reload(step);
  }

  /** Back or Forward: the state of that history entry, loaded from the first step it changes. */
  private restore(next: DashboardState): void {
    const step = reloadStepOf(this.state, next);
    this.state = next;
    this.el.prefix.value = next.prefix;
    this.el.channel.value = next.channel;
    this.el.search.value = next.metric;
    this.el.results.replaceChildren();
    if (step === null) return;
    if (step === 'render') this.render();
    else {
      if (step === Step.Data) this.fillFilters(this.filterOptions);
      void this.reload(step);
    }
  }

  private setFilter(key: FilterParam, value: string): void {
    if (value) this.state.filters[key] = value;
    else delete this.state.filters[key];
  }

  private url(): string {
    const search = stateToSearch(this.state);
    return search ? `${location.pathname}?${search}` : location.pathname;
  }

  /** The page's own choices (defaults, a label or date that no longer exists) replace the current history entry. */
  private writeUrl(): void {
    history.replaceState(null, '', this.url());
  }

  private setStatus(text: string, kind: 'loading' | 'error' | 'empty' | 'ready'): void {
    this.el.status.textContent = text;
    this.el.status.dataset.kind = kind;
    document.body.dataset.state = kind;
  }

  private hideViews(): void {
    this.el.views.hidden = true;
    for (const slot of Object.values(this.slots)) slot.clear();
  }

  private async reload(step: Step): Promise<void> {
    const generation = ++this.generation;
    const current = (): boolean => generation === this.generation;
    const state = this.state;
    this.writeUrl();
    try {
      if (step <= Step.Channels) {
        this.setStatus('Loading channels…', 'loading');
        const channels = await this.api.json<string[]>(`/aggregates_by/${state.prefix}/channels/`);
        if (!current()) return;
        if (channels.length === 0) throw new Error('no channels');
        if (!channels.includes(state.channel))
          state.channel = channels.includes(PREFERRED_CHANNEL) ? PREFERRED_CHANNEL : (channels[0] as string);
        fillSelect(
          this.el.channel,
          channels.map((channel) => option(channel, channel)),
          state.channel,
        );
      }
      if (step <= Step.Versions) {
        this.setStatus(`Loading the dates of ${state.channel}…`, 'loading');
        const entries = await this.api.json<DateEntry[]>(
          `/aggregates_by/${state.prefix}/channels/${encodeURIComponent(state.channel)}/dates/`,
        );
        if (!current()) return;
        const versions = [...new Set(entries.map((entry) => entry.version))].sort(compareVersions);
        if (versions.length === 0) {
          fillSelect(this.el.version, [], '');
          this.data = null;
          this.hideViews();
          this.setStatus(`No data yet for ${state.channel} by ${state.prefix.replace('_', ' ')}.`, 'empty');
          return;
        }
        if (!versions.includes(state.version)) state.version = versions[0] as string;
        fillSelect(
          this.el.version,
          versions.map((version) => option(version, version)),
          state.version,
        );
        this.versionDates = entries
          .filter((entry) => entry.version === state.version)
          .map((entry) => entry.date)
          .sort()
          .slice(-MAX_DATES);
      }
      if (step <= Step.Filters) {
        this.setStatus('Loading metrics and filters…', 'loading');
        const options = await this.api.json<FilterOptions>(
          `/filters/?channel=${encodeURIComponent(state.channel)}&version=${encodeURIComponent(state.version)}`,
        );
        if (!current()) return;
        this.metrics = [...(options.metric ?? [])].sort();
        this.filterOptions = options;
        this.fillFilters(options);
      }
      if (!state.metric) {
        this.data = null;
        this.hideViews();
        this.el.metricName.textContent = '';
        this.el.metricDescription.textContent = '';
        this.setStatus(`No metric chosen: search ${this.metrics.length.toLocaleString('en-US')} metrics above.`, 'empty');
        return;
      }
      this.el.search.value = state.metric;
      this.el.metricName.textContent = state.metric;
      this.setStatus(`Loading ${state.metric}…`, 'loading');
      const path = `/aggregates_by/${state.prefix}/channels/${encodeURIComponent(state.channel)}/?${dataQuery(state, this.versionDates)}`;
      const data = await this.api.json<ApiData>(path);
      if (!current()) return;
      this.data = data;
      this.render();
    } catch (error) {
      if (!current()) return;
      this.data = null;
      this.hideViews();
      const noChannels = error instanceof Error && error.message === 'no channels';
      this.setStatus(noChannels ? 'No data has been published yet.' : describeError(error, state.metric), 'error');
    } finally {
      if (current()) this.writeUrl();
    }
  }

  private fillFilters(options: FilterOptions): void {
    const { filters } = this.state;
    const fill = (
      select: HTMLSelectElement,
      values: readonly string[],
      chosen: string,
      text: (value: string) => string = (v) => v,
    ): void => {
      const all = chosen && !values.includes(chosen) ? [...values, chosen] : values;
      fillSelect(select, [option('', 'any'), ...all.map((value) => option(value, text(value)))], chosen);
    };
    fill(this.el.filters.application, options.application ?? [], filters.application ?? '');
    fill(this.el.filters.architecture, options.architecture ?? [], filters.architecture ?? '');
    fill(this.el.filters.child, options.child ?? [], filters.child ?? '');
    fill(this.el.filters.e10sEnabled, options.e10sEnabled ?? [], filters.e10sEnabled ?? '', (v) =>
      v === 'true' ? 'e10s on' : v === 'false' ? 'e10s off' : v,
    );
    const pairs = options.os ?? [];
    const names = [...new Set(pairs.map((pair) => pair.split(',')[0] ?? ''))].filter((name) => name !== '').sort();
    const osValues = names.flatMap((name) => [name, ...pairs.filter((pair) => pair.startsWith(`${name},`)).sort()]);
    fill(this.el.filters.os, osValues, osChoice(filters), (v) => (v.includes(',') ? `  ${v.replace(',', ' ')}` : `${v} (any version)`));
  }

  private matches(): string[] {
    const words = this.el.search.value
      .trim()
      .toLowerCase()
      .split(/\s+/)
      .filter((word) => word !== '');
    if (words.length === 0) return this.metrics.slice(0, MAX_RESULTS);
    return this.metrics.filter((name) => words.every((word) => name.toLowerCase().includes(word)));
  }

  private showResults(): void {
    const matches = this.matches();
    const items = matches.slice(0, MAX_RESULTS).map((name) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = name;
      button.addEventListener('click', () => this.pickMetric(name));
      item.append(button);
      return item;
    });
    const note = document.createElement('li');
    note.className = 'note';
    if (matches.length === 0) note.textContent = `No metric matches "${this.el.search.value.trim()}".`;
    else if (matches.length > MAX_RESULTS) note.textContent = `${matches.length - MAX_RESULTS} more: type more of the name.`;
    this.el.results.replaceChildren(...items, ...(note.textContent ? [note] : []));
  }

  private pickMetric(name: string): void {
    this.el.results.replaceChildren();
    this.el.search.value = name;
    this.state.metric = name;
    this.state.label = '';
    this.change(Step.Data);
  }

  private render(): void {
    const data = this.data;
    if (!data) return;
    const state = this.state;
    const unit = unitOf(state.metric, data.kind, data.description);
    this.el.metricName.textContent = `${state.metric} (${data.kind}${unit ? `, in ${unit}` : ''})`;
    this.el.metricDescription.textContent = data.description || 'No description.';

    const labels = labelsOf(data);
    if (state.label && !labels.includes(state.label)) state.label = '';
    this.el.label.disabled = labels.length <= 1;
    fillSelect(
      this.el.label,
      [option('', labels.length > 1 ? `all ${labels.length} labels` : 'all'), ...labels.filter((l) => l !== '').map((l) => option(l, l))],
      state.label,
    );
    const dates = datesOf(data);
    if (state.date && !dates.includes(state.date)) state.date = '';
    fillSelect(
      this.el.date,
      [option('', `whole range (${dates.length} dates)`), ...[...dates].reverse().map((d) => option(d, displayDate(d)))],
      state.date,
    );

    const shown = distribution(data, state.label, state.date);
    const evolved = evolution(data, state.label);
    this.el.views.hidden = false;
    const chart = this.slots.distribution.container;
    chart.dataset.samples = String(shown.samples);
    chart.dataset.submissions = String(shown.submissions);
    chart.dataset.values = shown.percents.map((p) => p.toFixed(4)).join(',');
    chart.dataset.labels = shown.labels.join(',');
    const where = state.date ? `on ${displayDate(state.date)}` : `over ${dates.length} dates`;
    const numeric = shown.stats.p50 !== undefined && shown.stats.p50 !== null;
    this.el.distributionSummary.textContent =
      `${formatNumber(shown.samples)} samples from ${formatNumber(shown.submissions)} submissions ${where}` +
      (numeric
        ? ` · median ${withUnit(formatNumber(shown.stats.p50), unit)} · mean ${withUnit(formatNumber(shown.stats.mean), unit)}`
        : '');
    this.el.evolutionSummary.textContent =
      evolved.shares.length > 0
        ? `Share of the ${evolved.shares.length} most common buckets per date, and submissions.`
        : 'Median with the 25th–75th and 5th–95th percentile bands, and submissions per date.';
    if (shown.samples === 0) {
      this.slots.distribution.clear();
      this.setStatus(`No samples for ${state.metric} ${where} with these filters.`, 'empty');
    } else {
      drawDistribution(this.slots.distribution, shown, unit);
      this.setStatus('', 'ready');
    }
    const marked = evolved.dates.indexOf(state.date);
    const options: EvolutionOptions = {
      unit,
      axisGroup: new AxisGroup(),
      marked: marked >= 0 ? marked : null,
      onPick: (index) => {
        const date = evolved.dates[index];
        if (date === undefined || date === this.state.date) return;
        this.state.date = date;
        this.change('render');
      },
    };
    if (evolved.shares.length > 0) drawShares(this.slots.percentiles, evolved, options);
    else drawPercentiles(this.slots.percentiles, evolved, options);
    drawSubmissions(this.slots.submissions, evolved, options);
    this.slots.percentiles.refit();
    this.writeUrl();
    document.body.dataset.renders = String(++this.renders);
  }

  private async useToken(token: string): Promise<void> {
    this.api.setToken(token);
    if (!this.api.hasToken()) return;
    this.el.tokenStatus.textContent = 'Checking the token…';
    try {
      await this.api.get('/authed');
      this.el.tokenStatus.textContent = 'Token accepted: release data is available.';
    } catch (error) {
      this.api.setToken(null);
      const reason = error instanceof ApiError ? (error.body.description ?? error.message) : describeError(error);
      this.el.tokenStatus.textContent = `Token rejected: ${reason}`;
    }
    await this.reload(Step.Channels);
  }

  private async download(format: 'csv' | 'json'): Promise<void> {
    const state = this.state;
    if (!state.metric || this.versionDates.length === 0) return;
    const extra: Record<string, string> = { stats: DEFAULT_STATS.join(',') };
    if (format === 'csv') extra.format = 'csv';
    const path = `/aggregates_by/${state.prefix}/channels/${encodeURIComponent(state.channel)}/?${dataQuery(state, this.versionDates, extra, true)}`;
    try {
      const response = await this.api.get(path);
      const disposition = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1];
      const name = disposition ?? exportFileName({ ...state, dates: this.versionDates }, format);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.setStatus(`Download failed: ${describeError(error, state.metric)}`, 'error');
    }
  }
}

new Dashboard().start();
