/**
 * What a drawn chart tells about itself (no DOM, so Node-side tests can import it): its layout,
 * written to the chart container's data-layout after every draw, and the colour of the chosen
 * date's line on the evolution charts.
 */

/** The chosen date's line on the evolution charts. */
export const MARK_COLOR = '#e69f00';

/** One axis as drawn, in CSS pixels: what a test needs to see that labels fit. */
export interface AxisLayout {
  label: string;
  /** Room for ticks, gap and values (the axis label lies outside it). */
  size: number;
  ticks: number;
  gap: number;
  /** The widest value's width. */
  widest: number;
  values: string[];
  /** The right edge of the last value, from the canvas' left edge (x axes). */
  lastRight: number;
}

/** A chart's drawn layout (written to the container's data-layout after each draw, for tests and automation). */
export interface ChartLayout {
  width: number;
  axes: AxisLayout[];
}
