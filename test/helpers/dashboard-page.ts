/**
 * Reading the dashboard page in a browser test: when it has drawn, what its charts hold and how
 * they were laid out (the page writes body[data-renders] and each chart's data-* attributes for
 * tests and automation), and the pixels of a chart's canvas.
 */
import type { Page } from 'playwright-core';
import type { ChartLayout } from '../../worker/src/dashboard/client/chart-layout';

/** The charts' containers. */
export const CHARTS = ['distribution-chart', 'evolution-chart', 'submissions-chart'] as const;
export type ChartId = (typeof CHARTS)[number];

interface PageGlobals {
  navigator: { language: string; languages: readonly string[] };
  history: { length: number };
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): {
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
      height: number;
    } | null;
  };
}

/** Waits until the charts were drawn more than `after` times, and returns the count. */
export async function rendered(page: Page, after: number): Promise<number> {
  // A function, not a string: the page's CSP forbids eval (which this also shows).
  const predicate = (count: number): boolean => {
    const { dataset } = (globalThis as unknown as PageGlobals).document.body;
    return Number(dataset.renders ?? 0) > count && dataset.state !== 'loading';
  };
  await page.waitForFunction(predicate, after, { timeout: 20_000 });
  return renders(page);
}

/** How many times the charts were drawn so far. */
export async function renders(page: Page): Promise<number> {
  return Number((await page.getAttribute('body', 'data-renders')) ?? 0);
}

/** The option values of a select. */
export async function optionValues(page: Page, select: string): Promise<string[]> {
  return Promise.all((await page.locator(`${select} option`).all()).map(async (option) => (await option.getAttribute('value')) ?? ''));
}

/** What the distribution chart shows. */
export async function chartData(page: Page): Promise<{ samples: string | null; values: string | null; labels: string | null }> {
  const chart = page.locator('#distribution-chart');
  return {
    samples: await chart.getAttribute('data-samples'),
    values: await chart.getAttribute('data-values'),
    labels: await chart.getAttribute('data-labels'),
  };
}

export async function chartLayout(page: Page, chart: ChartId): Promise<ChartLayout> {
  const text = await page.getAttribute(`#${chart}`, 'data-layout');
  if (!text) throw new Error(`#${chart} has no layout: not drawn`);
  return JSON.parse(text) as ChartLayout;
}

/** The RGB of one canvas pixel of a chart (canvas pixels, not CSS pixels). */
export async function canvasPixel(page: Page, chart: ChartId, x: number, y: number): Promise<[number, number, number]> {
  return page.evaluate(
    ({ selector, x, y }) => {
      const canvas = (globalThis as unknown as PageGlobals).document.querySelector(selector);
      const pixel = canvas?.getContext('2d')?.getImageData(x, y, 1, 1).data;
      if (!pixel) throw new Error(`no canvas in ${selector}`);
      return [pixel[0], pixel[1], pixel[2]] as [number, number, number];
    },
    { selector: `#${chart} canvas`, x, y },
  );
}

/** The canvas height of a chart, in canvas pixels. */
export async function canvasHeight(page: Page, chart: ChartId): Promise<number> {
  return page.evaluate(
    (selector) => (globalThis as unknown as PageGlobals).document.querySelector(selector)?.height ?? 0,
    `#${chart} canvas`,
  );
}

/** The legend's text for the date under the cursor ('' when the cursor is elsewhere). */
export async function legendDate(page: Page, chart: ChartId): Promise<string> {
  return ((await page.locator(`#${chart} .u-legend .u-series`).first().locator('.u-value').textContent()) ?? '').trim();
}

/** "#rrggbb" as RGB. */
export function rgb(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** The browser's locale as the page's scripts see it, and whether Intl accepts navigator.language. */
export async function pageLocale(page: Page): Promise<{ language: string; languages: string[]; intlAccepts: boolean }> {
  return page.evaluate(() => {
    const { navigator } = globalThis as unknown as PageGlobals;
    let intlAccepts = true;
    try {
      new Intl.NumberFormat(navigator.language);
    } catch {
      intlAccepts = false;
    }
    return { language: navigator.language, languages: [...navigator.languages], intlAccepts };
  });
}

/** The number of entries in the tab's session history. */
export async function historyLength(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).history.length);
}
