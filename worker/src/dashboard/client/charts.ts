/** The charts, drawn with uPlot (bundled from npm into the worker's dashboard assets). */
import uPlot from 'uplot';
import type { AxisLayout, ChartLayout } from './chart-layout';
import { MARK_COLOR } from './chart-layout';
import type { Distribution, Evolution } from './series';
import { everyNth, formatNumber } from './series';
import { withUnit } from './units';

const BLUE = '#1f6fb4';
const BAND_OUTER = 'rgba(31, 111, 180, 0.12)';
const BAND_INNER = 'rgba(31, 111, 180, 0.28)';
const PALETTE = ['#1f6fb4', '#d1570f', '#2c9b3c', '#c2283a', '#7b52b0', '#8a5a44', '#c04e9f', '#6b6b6b'];
/** Room right of the plot for half of the last x label (a date is ~65 px wide). */
const RIGHT_PADDING = 40;
/** The evolution charts share a cursor. */
const EVOLUTION_SYNC = 'evolution';

/** uPlot's axis as drawn (fields it keeps after layout). */
type DrawnAxis = uPlot.Axis & { _size?: number; _values?: string[] | null; _splits?: number[] | null; font?: unknown };

function axisFont(axis: DrawnAxis): string {
  return Array.isArray(axis.font) ? String(axis.font[0]) : '12px sans-serif';
}

/** Widths of texts in an axis' font, in CSS pixels. */
function textWidths(u: uPlot, axis: DrawnAxis, texts: readonly string[]): number[] {
  u.ctx.save();
  u.ctx.font = axisFont(axis);
  const widths = texts.map((text) => u.ctx.measureText(text).width / uPlot.pxRatio);
  u.ctx.restore();
  return widths;
}

function layoutOf(u: uPlot): ChartLayout {
  const plotLeft = u.bbox.left / uPlot.pxRatio;
  const axes = (u.axes as DrawnAxis[]).map((axis): AxisLayout => {
    const values = (axis._values ?? []).map(String);
    const widths = textWidths(u, axis, values);
    const lastSplit = axis._splits?.[axis._splits.length - 1];
    const lastCentre = lastSplit === undefined ? 0 : plotLeft + u.valToPos(lastSplit, axis.scale ?? 'x');
    return {
      label: String(axis.label ?? ''),
      size: axis._size ?? 0,
      ticks: axis.ticks?.size ?? 10,
      gap: axis.gap ?? 5,
      widest: Math.max(0, ...widths),
      values,
      lastRight: lastCentre + (widths[widths.length - 1] ?? 0) / 2,
    };
  });
  return { width: u.width, axes };
}

/** One chart in its container: replaced on every draw, resized with the window. */
export class ChartSlot {
  private chart: uPlot | null = null;

  constructor(
    readonly container: HTMLElement,
    private readonly height: number,
  ) {}

  draw(options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void {
    this.clear();
    const hooks = { ...options.hooks, draw: [...(options.hooks?.draw ?? []), (u: uPlot) => this.recordLayout(u)] };
    this.chart = new uPlot({ ...options, hooks, width: this.width(), height: this.height }, data, this.container);
  }

  /** Lays the axes out again (after a chart of its group widened the shared value axis). */
  refit(): void {
    this.chart?.redraw(false, true);
  }

  private recordLayout(u: uPlot): void {
    this.container.dataset.layout = JSON.stringify(layoutOf(u));
  }

  resize(): void {
    this.chart?.setSize({ width: this.width(), height: this.height });
  }

  clear(): void {
    this.chart?.destroy();
    this.chart = null;
    delete this.container.dataset.layout;
    delete this.container.dataset.markedDate;
    delete this.container.dataset.markX;
  }

  private width(): number {
    return Math.max(320, Math.floor(this.container.clientWidth || 800));
  }
}

/**
 * Charts stacked over the same dates share one value-axis width, so that their plots line up
 * under the synced cursor: each fits its values, the group keeps the widest, and charts drawn
 * before the widest one are refitted.
 */
export class AxisGroup {
  size = 0;
}

/** What the evolution charts show besides the data. */
export interface EvolutionOptions {
  /** The values' unit ('' for none). */
  unit: string;
  /** The value-axis width the evolution charts share. */
  axisGroup: AxisGroup;
  /** The chosen date (an index into evolution.dates), marked with a line; null for none. */
  marked: number | null;
  /** Called with the index of a date clicked on the chart. */
  onPick: (index: number) => void;
}

const utcDate = (seconds: number): Date => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

function dateLabel(seconds: number | null): string {
  if (seconds === null) return '';
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** "value (ms)", "bucket (lower bound, ms)". */
function axisLabel(text: string, unit: string): string {
  if (!unit) return text;
  return text.endsWith(')') ? `${text.slice(0, -1)}, ${unit})` : `${text} (${unit})`;
}

/** An axis size that fits its widest value (uPlot's default, 50 px, runs "30,000" into the axis label). */
function fitValues(u: uPlot, values: string[] | null, axisIndex: number, cycle: number): number {
  const axis = u.axes[axisIndex] as DrawnAxis;
  if (cycle > 1 && axis._size !== undefined) return axis._size;
  const widest = Math.max(0, ...textWidths(u, axis, values ?? []));
  return Math.ceil((axis.ticks?.size ?? 10) + (axis.gap ?? 5) + widest) + 2;
}

const DAY = 86_400;

/** The time axis of daily data: ticks on whole days, written as dates. */
const dateAxis: uPlot.Axis = {
  space: 80,
  incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY],
  values: (_u, splits) => splits.map((seconds) => dateLabel(seconds)),
};

function valueAxis(label: string, format: (value: number) => string, group?: AxisGroup): uPlot.Axis {
  const size = (u: uPlot, values: string[] | null, axisIndex: number, cycle: number): number => {
    const fitted = fitValues(u, values, axisIndex, cycle);
    if (!group) return fitted;
    group.size = Math.max(group.size, fitted);
    return group.size;
  };
  return { label, size, values: (_u, splits) => splits.map(format) };
}

const percent = (value: number): string => `${formatNumber(value)}%`;

/** Bars over the real bucket labels: each bucket's share of the samples. */
export function drawDistribution(slot: ChartSlot, distribution: Distribution, unit: string): void {
  const { labels, percents } = distribution;
  const x = labels.map((_, i) => i);
  slot.draw(
    {
      scales: {
        // Half a bar of room on either side: the first and last bars are whole.
        x: { time: false, distr: 2, range: (_u, min, max) => [min - 0.5, max + 0.5] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      axes: [
        {
          label: axisLabel(distribution.axis, unit),
          space: 60,
          splits: (u) => everyNth(labels.length, Math.max(1, Math.floor(u.bbox.width / uPlot.pxRatio / 60))),
          values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
        },
        valueAxis('% of samples', percent),
      ],
      series: [
        { label: 'bucket', value: (_u, i) => (i === null || labels[i] === undefined ? '' : withUnit(labels[i], unit)) },
        {
          label: 'share of samples',
          stroke: BLUE,
          fill: 'rgba(31, 111, 180, 0.55)',
          paths: uPlot.paths.bars?.({ size: [0.85, 48] }),
          points: { show: false },
          value: (_u, v) => (v === null ? '' : percent(v)),
        },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    },
    [x, percents],
  );
}

/** Options every evolution chart shares: date axis, synced cursor, the chosen date's line, a click picks a date. */
function evolutionChart(
  slot: ChartSlot,
  evolution: Evolution,
  options: EvolutionOptions,
  valueLabel: string,
  format: (value: number) => string,
): Pick<uPlot.Options, 'tzDate' | 'padding' | 'axes' | 'cursor' | 'hooks'> {
  const marked = options.marked === null ? null : (evolution.times[options.marked] ?? null);
  return {
    tzDate: utcDate,
    padding: [null, RIGHT_PADDING, null, null],
    axes: [dateAxis, valueAxis(valueLabel, format, options.axisGroup)],
    cursor: { sync: { key: EVOLUTION_SYNC }, drag: { x: false, y: false } },
    hooks: {
      ready: [
        (u) =>
          u.over.addEventListener('click', () => {
            if (u.cursor.idx !== null && u.cursor.idx !== undefined) options.onPick(u.cursor.idx);
          }),
      ],
      draw: [
        (u) => {
          if (marked === null) return;
          const x = Math.round(u.valToPos(marked, 'x', true));
          const { top, height } = u.bbox;
          u.ctx.save();
          u.ctx.strokeStyle = MARK_COLOR;
          u.ctx.lineWidth = 2 * uPlot.pxRatio;
          u.ctx.beginPath();
          u.ctx.moveTo(x, top);
          u.ctx.lineTo(x, top + height);
          u.ctx.stroke();
          u.ctx.restore();
          slot.container.dataset.markedDate = evolution.dates[options.marked as number] ?? '';
          slot.container.dataset.markX = String(x);
        },
      ],
    },
  };
}

/** Median with p25–p75 and p5–p95 bands over the dates (the mean is in the summary: one outlier would flatten the scale). */
export function drawPercentiles(slot: ChartSlot, evolution: Evolution, options: EvolutionOptions): void {
  const s = evolution.stats;
  const line = (label: string, stroke: string, width: number): uPlot.Series => ({
    label,
    stroke,
    width,
    spanGaps: false,
    points: { show: evolution.dates.length <= 31, size: width + 3 },
    value: (_u, v) => withUnit(formatNumber(v), options.unit),
  });
  slot.draw(
    {
      ...evolutionChart(slot, evolution, options, axisLabel('value', options.unit), formatNumber),
      scales: { x: { time: true } },
      series: [
        { label: 'date', value: (_u, v) => dateLabel(v) },
        line('p5', 'rgba(31, 111, 180, 0.45)', 1),
        line('p25', 'rgba(31, 111, 180, 0.7)', 1),
        line('median', BLUE, 2.5),
        line('p75', 'rgba(31, 111, 180, 0.7)', 1),
        line('p95', 'rgba(31, 111, 180, 0.45)', 1),
      ],
      bands: [
        { series: [5, 1], fill: BAND_OUTER },
        { series: [4, 2], fill: BAND_INNER },
      ],
    },
    [evolution.times, s.p5 ?? [], s.p25 ?? [], s.p50 ?? [], s.p75 ?? [], s.p95 ?? []],
  );
}

/** For categorical, flag and boolean metrics: the share of the most common buckets over the dates. */
export function drawShares(slot: ChartSlot, evolution: Evolution, options: EvolutionOptions): void {
  slot.draw(
    {
      ...evolutionChart(slot, evolution, options, '% of samples', percent),
      scales: { x: { time: true }, y: { range: [0, 100] } },
      series: [
        { label: 'date', value: (_u, v) => dateLabel(v) },
        ...evolution.shares.map((share, i) => ({
          label: share.bucket,
          stroke: PALETTE[i % PALETTE.length] as string,
          width: 2,
          points: { show: evolution.dates.length <= 31 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : percent(v)),
        })),
      ],
    },
    [evolution.times, ...evolution.shares.map((share) => share.values)],
  );
}

/** Submissions per date (cursor synced with the chart above). */
export function drawSubmissions(slot: ChartSlot, evolution: Evolution, options: EvolutionOptions): void {
  slot.draw(
    {
      ...evolutionChart(slot, evolution, options, 'submissions', formatNumber),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      series: [
        { label: 'date', value: (_u, v) => dateLabel(v) },
        {
          label: 'submissions',
          stroke: '#2c9b3c',
          fill: 'rgba(44, 155, 60, 0.15)',
          width: 2,
          points: { show: evolution.dates.length <= 31 },
          value: (_u, v) => formatNumber(v),
        },
      ],
    },
    [evolution.times, evolution.submissions],
  );
}
