/** The charts, drawn with uPlot (bundled from npm into the worker's dashboard assets). */
import uPlot from 'uplot';
import type { Distribution, Evolution } from './series';
import { formatNumber } from './series';

const BLUE = '#1f6fb4';
const BAND_OUTER = 'rgba(31, 111, 180, 0.12)';
const BAND_INNER = 'rgba(31, 111, 180, 0.28)';
const PALETTE = ['#1f6fb4', '#d1570f', '#2c9b3c', '#c2283a', '#7b52b0', '#8a5a44', '#c04e9f', '#6b6b6b'];

/** One chart in its container: replaced on every draw, resized with the window. */
export class ChartSlot {
  private chart: uPlot | null = null;

  constructor(
    readonly container: HTMLElement,
    private readonly height: number,
  ) {}

  draw(options: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData): void {
    this.clear();
    this.chart = new uPlot({ ...options, width: this.width(), height: this.height }, data, this.container);
  }

  resize(): void {
    this.chart?.setSize({ width: this.width(), height: this.height });
  }

  clear(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private width(): number {
    return Math.max(320, Math.floor(this.container.clientWidth || 800));
  }
}

const utcDate = (seconds: number): Date => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');

function dateLabel(seconds: number | null): string {
  if (seconds === null) return '';
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

const DAY = 86_400;

/** The time axis of daily data: ticks on whole days, written as dates. */
const dateAxis: uPlot.Axis = {
  space: 80,
  incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY],
  values: (_u, splits) => splits.map((seconds) => dateLabel(seconds)),
};

/** Bars over the real bucket labels: each bucket's share of the samples. */
export function drawDistribution(slot: ChartSlot, distribution: Distribution): void {
  const { labels, percents } = distribution;
  const x = labels.map((_, i) => i);
  slot.draw(
    {
      scales: { x: { time: false, distr: 2 }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
      axes: [
        { label: 'bucket (lower bound)', values: (_u, splits) => splits.map((i) => labels[i] ?? '') },
        { label: '% of samples', values: (_u, splits) => splits.map((v) => `${formatNumber(v)}%`) },
      ],
      series: [
        { label: 'bucket', value: (_u, i) => (i === null ? '' : (labels[i] ?? '')) },
        {
          label: 'share of samples',
          stroke: BLUE,
          fill: 'rgba(31, 111, 180, 0.55)',
          paths: uPlot.paths.bars?.({ size: [0.85, 48] }),
          points: { show: false },
          value: (_u, v) => (v === null ? '' : `${formatNumber(v)}%`),
        },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    },
    [x, percents],
  );
}

/** Median with p25–p75 and p5–p95 bands over the dates (the mean is in the summary: one outlier would flatten the scale). */
export function drawPercentiles(slot: ChartSlot, evolution: Evolution): void {
  const s = evolution.stats;
  const line = (label: string, stroke: string, width: number): uPlot.Series => ({
    label,
    stroke,
    width,
    spanGaps: false,
    points: { show: evolution.dates.length <= 31, size: width + 3 },
    value: (_u, v) => formatNumber(v),
  });
  slot.draw(
    {
      tzDate: utcDate,
      scales: { x: { time: true } },
      axes: [dateAxis, { label: 'value', values: (_u, splits) => splits.map((v) => formatNumber(v)) }],
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
export function drawShares(slot: ChartSlot, evolution: Evolution): void {
  slot.draw(
    {
      tzDate: utcDate,
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [dateAxis, { label: '% of samples', values: (_u, splits) => splits.map((v) => `${formatNumber(v)}%`) }],
      series: [
        { label: 'date', value: (_u, v) => dateLabel(v) },
        ...evolution.shares.map((share, i) => ({
          label: share.bucket,
          stroke: PALETTE[i % PALETTE.length] as string,
          width: 2,
          points: { show: evolution.dates.length <= 31 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${formatNumber(v)}%`),
        })),
      ],
    },
    [evolution.times, ...evolution.shares.map((share) => share.values)],
  );
}

/** Submissions per date. */
export function drawSubmissions(slot: ChartSlot, evolution: Evolution): void {
  slot.draw(
    {
      tzDate: utcDate,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [dateAxis, { label: 'submissions', values: (_u, splits) => splits.map((v) => formatNumber(v)) }],
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
