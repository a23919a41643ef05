/**
 * The dashboard in a real browser: Chromium from npm (@sparticuz/chromium, or the one
 * CHROMIUM_PATH names; see test/helpers/browser.ts) driven by playwright-core, against wrangler's
 * production bundle of the worker in Miniflare on a free loopback port, serving demo data the
 * builder wrote into its local R2 (test/helpers/dashboard-server.ts).
 *
 * The browser runs under LANG=C.UTF-8, so it reports the POSIX locale `en-US@posix` on which Intl
 * constructors throw: the page must load anyway (one test also runs under de-DE). Checked: the
 * page loads without console errors or requests leaving the worker; a metric search; a filter
 * changes the chart's data; units from the metric's name or description; axis labels that fit
 * (y-axis label clear of the values, last date not cut, the evolution charts aligned); dates
 * written one way; the chosen date marked on the evolution charts, which share a cursor and pick
 * a date on click; false/true for boolean and flag buckets; the URL round-trips the state; every
 * view change is a history entry that Back restores; the CSV and JSON downloads are named with
 * their date range; errors read as words, also uncaught ones and unhandled rejections; release
 * data appears only after a token is pasted.
 *
 * Artifacts (gitignored): screenshots test-results/dashboard*.png and test-results/dashboard-transfer.json
 * (bytes the page transferred).
 *
 * No browser is not a reason to skip: if Chromium cannot be launched, every test here fails.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARK_COLOR } from '../../worker/src/dashboard/client/chart-layout';
import { launchChromium } from '../helpers/browser';
import { ROOT } from '../helpers/built-worker';
import type { ChartId } from '../helpers/dashboard-page';
import {
  CHARTS,
  canvasHeight,
  canvasPixel,
  chartData,
  chartLayout,
  historyLength,
  legendDate,
  optionValues,
  pageLocale,
  rendered,
  renders,
  rgb,
} from '../helpers/dashboard-page';
import type { DashboardServer } from '../helpers/dashboard-server';
import { startDashboardServer } from '../helpers/dashboard-server';

const RESULTS = join(ROOT, 'test-results');
const METRIC = 'GC_MAX_PAUSE_MS';
/** Under this environment Chromium reports navigator.language = 'en-US@posix'. */
const POSIX_LOCALE_ENV = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', LANGUAGE: '' };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

let server: DashboardServer | undefined;
let origin = '';
let token = '';
let browser: Browser | undefined;
let browserSource = '';
let launchError: unknown;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];

function requireBrowser(): Browser {
  if (!browser) throw launchError instanceof Error ? launchError : new Error(String(launchError));
  return browser;
}

/** A page in a fresh context; `watch` collects its console errors and requests. */
async function newPage(options: { locale?: string; watch?: boolean } = {}): Promise<Page> {
  const context = await requireBrowser().newContext({
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    ...(options.locale ? { locale: options.locale } : {}),
  });
  const opened = await context.newPage();
  if (options.watch ?? true) {
    opened.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    opened.on('pageerror', (error) => consoleErrors.push(String(error)));
  }
  opened.on('request', (request) => requests.push(request.url()));
  return opened;
}

/** A fresh page showing `search` (after '/?'), once drawn. */
async function openView(search: string, options: { locale?: string } = {}): Promise<Page> {
  const opened = await newPage(options);
  await opened.goto(`${origin}/?${search}`);
  await rendered(opened, 0);
  return opened;
}

const view = (metric: string, extra = ''): string => `prefix=build_id&channel=nightly&version=54&metric=${metric}${extra}`;

/** The y-axis label stands clear of the values, the last x value is whole, dates are written as 2017-01-20. */
async function expectLabelsFit(target: Page): Promise<void> {
  for (const chart of CHARTS) {
    const { width, axes } = await chartLayout(target, chart);
    const [x, y] = axes;
    if (!x || !y) throw new Error(`${chart} has no axes`);
    expect(y.widest + y.ticks + y.gap, `${chart}: y values (${y.values.join(' ')}) run into the axis label`).toBeLessThanOrEqual(y.size);
    expect(x.lastRight, `${chart}: the last x value "${x.values.at(-1)}" is cut`).toBeLessThanOrEqual(width);
    if (chart !== 'distribution-chart') for (const value of x.values) expect(value).toMatch(ISO_DATE);
  }
  const evolution = await chartLayout(target, 'evolution-chart');
  const submissions = await chartLayout(target, 'submissions-chart');
  expect(evolution.axes[1]?.size, 'the two evolution charts line up').toBe(submissions.axes[1]?.size);
}

/** The chosen date's line is drawn on an evolution chart: its colour along the marked x. */
async function expectDateMarked(target: Page, chart: ChartId, date: string): Promise<void> {
  const container = target.locator(`#${chart}`);
  expect(await container.getAttribute('data-marked-date')).toBe(date);
  const x = Number(await container.getAttribute('data-mark-x'));
  const height = await canvasHeight(target, chart);
  const ys = [0.15, 0.25, 0.35, 0.45, 0.55, 0.65].map((share) => Math.round(height * share));
  const colours = await Promise.all(ys.map((y) => canvasPixel(target, chart, x, y)));
  const marked = colours.filter((colour) => colour.join() === rgb(MARK_COLOR).join());
  expect(marked.length, `${chart} at x=${x}: ${JSON.stringify(colours)}`).toBeGreaterThanOrEqual(4);
}

beforeAll(async () => {
  server = await startDashboardServer();
  origin = server.origin;
  token = server.token;
  try {
    const launched = await launchChromium({ env: POSIX_LOCALE_ENV });
    browser = launched.browser;
    browserSource = launched.source;
  } catch (error) {
    launchError = error;
  }
  await mkdir(RESULTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the dashboard in chromium', () => {
  it('launches Chromium headless, under a POSIX locale that Intl rejects', async () => {
    const version = requireBrowser().version();
    expect(version).toMatch(/^\d+\./);
    expect(browserSource).toMatch(process.env.CHROMIUM_PATH?.trim() ? /^CHROMIUM_PATH=/ : /^@sparticuz\/chromium \d+\.\d+\.\d+$/);
    page = await newPage();
    expect(await pageLocale(page)).toEqual({ language: 'en-US@posix', languages: ['en-US@posix'], intlAccepts: false });
  });

  it('loads under en-US@posix (no endless "Loading…"): channel and newest version picked, an empty state in words, small transfer', async () => {
    requireBrowser();
    const transfers: { url: string; type: string; bytes: number; gzipBytes: number; headerBytes: number }[] = [];
    const pending: Promise<void>[] = [];
    const measure = (request: Request): void => {
      pending.push(
        (async () => {
          const response = await request.response();
          if (!response) return;
          const body = await response.body();
          const sizes = await request.sizes();
          const url = new URL(request.url());
          transfers.push({
            url: url.pathname + url.search,
            type: request.resourceType(),
            bytes: body.length,
            gzipBytes: gzipSync(body).length,
            headerBytes: sizes.responseHeadersSize,
          });
        })(),
      );
    };
    page.on('requestfinished', measure);
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-state="empty"]', { timeout: 20_000 });
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^No metric chosen: search \d+ metrics above\.$/);
    expect(await page.locator('#channel').inputValue()).toBe('nightly');
    expect(await page.locator('#version').inputValue()).toBe('55');
    expect(await page.locator('#channel option').allTextContents()).not.toContain('release');
    expect(page.url()).toBe(`${origin}/?prefix=build_id&channel=nightly&version=55`);

    await page.waitForLoadState('networkidle');
    page.off('requestfinished', measure);
    await Promise.all(pending);
    // Once per file (a browser may ask for the icon twice; the second comes from its cache).
    const assets = [
      ...new Map(
        transfers.filter((t) => !t.url.startsWith('/aggregates_by') && !t.url.startsWith('/filters')).map((t) => [t.url, t]),
      ).values(),
    ];
    const total = assets.reduce((sum, t) => sum + t.bytes + t.headerBytes, 0);
    const gzipped = assets.reduce((sum, t) => sum + t.gzipBytes + t.headerBytes, 0);
    await writeFile(
      join(RESULTS, 'dashboard-transfer.json'),
      `${JSON.stringify({ assets, total, gzipEstimate: gzipped, api: transfers.filter((t) => !assets.includes(t)) }, null, 2)}\n`,
    );
    // The icon too, if the browser asks for it (headless shells do not).
    const fetched = assets.map((t) => t.url.replace(/\.[0-9a-f]{12}\./, '.HASH.')).filter((url) => url !== '/dashboard/favicon.HASH.svg');
    expect(fetched.sort()).toEqual(['/', '/dashboard/app.HASH.css', '/dashboard/app.HASH.js']);
    expect(total).toBeLessThan(100_000);
    // The page made the locale usable for the code it bundles (uPlot formats with it at load).
    expect(await pageLocale(page)).toEqual({ language: 'en-US', languages: ['en-US@posix'], intlAccepts: true });
    await page.screenshot({ path: join(RESULTS, 'dashboard-posix-locale.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('searches metrics and shows the chosen one with its description, units and charts', async () => {
    requireBrowser();
    await page.selectOption('#version', '54');
    await expect.poll(() => page.url()).toContain('version=54');
    await page.waitForSelector('body[data-state="empty"]', { timeout: 20_000 });
    await page.fill('#metric-search', 'max pause');
    const results = page.locator('#metric-results button');
    await expect.poll(() => results.allTextContents()).toContain(METRIC);
    expect((await results.allTextContents()).every((name) => /MAX/.test(name) && /PAUSE/.test(name))).toBe(true);
    await page.fill('#metric-search', 'no such metric anywhere');
    await expect.poll(() => page.locator('#metric-results').textContent()).toBe('No metric matches "no such metric anywhere".');
    await page.fill('#metric-search', 'gc_max_pause');
    await page.locator('#metric-results button', { hasText: METRIC }).click();
    await rendered(page, 0);
    // Units: the name ends in _MS (and the description says "(ms)").
    expect(await page.locator('#metric-name').textContent()).toBe(`${METRIC} (linear, in ms)`);
    expect(await page.locator('#metric-description').textContent()).toContain('(ms)');
    expect(await page.locator('#distribution-summary').textContent()).toMatch(
      /^[\d,]+ samples from [\d,]+ submissions over \d+ dates · median [\d.,]+ ms · mean [\d.,]+ ms$/,
    );
    expect((await chartLayout(page, 'distribution-chart')).axes[0]?.label).toBe('bucket (lower bound, ms)');
    expect((await chartLayout(page, 'evolution-chart')).axes[1]?.label).toBe('value (ms)');
    expect((await chartLayout(page, 'submissions-chart')).axes[1]?.label).toBe('submissions');
    for (const chart of CHARTS) expect(await page.locator(`#${chart} canvas`).count()).toBe(1);
    expect(Number((await chartData(page)).samples)).toBeGreaterThan(0);
    await expectLabelsFit(page);
    expect(page.url()).toContain(`metric=${METRIC}`);
    expect(consoleErrors).toEqual([]);
  });

  it('a filter changes the chart data (and the URL)', async () => {
    requireBrowser();
    const before = await chartData(page);
    const drawn = await renders(page);
    const osOptions = await optionValues(page, '#filter-os');
    expect(osOptions).toContain('Windows_NT');
    await page.selectOption('#filter-os', 'Windows_NT');
    await rendered(page, drawn);
    const after = await chartData(page);
    expect(after.values).not.toBe(before.values);
    expect(Number(after.samples)).toBeLessThan(Number(before.samples));
    expect(page.url()).toContain('os=Windows_NT');
    await page.selectOption('#filter-child', 'content');
    await rendered(page, drawn + 1);
    expect(page.url()).toContain('child=content');
    expect(consoleErrors).toEqual([]);
  });

  it('the URL round-trips the state into a fresh page; dates read 2017-01-20 everywhere; the chosen date is marked', async () => {
    requireBrowser();
    const drawn = await renders(page);
    const dates = (await optionValues(page, '#date')).filter((value) => value !== '');
    const date = dates[Math.floor(dates.length / 2)] as string;
    const shownDate = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`;
    const texts = (await page.locator('#date option').allTextContents()).slice(1);
    expect(texts.length).toBe(dates.length);
    for (const text of texts) expect(text).toMatch(ISO_DATE);
    await page.selectOption('#date', date);
    await rendered(page, drawn);
    expect(await page.locator('#date option:checked').textContent()).toBe(shownDate);
    expect(await page.locator('#distribution-summary').textContent()).toContain(`on ${shownDate} · median`);
    expect((await chartLayout(page, 'evolution-chart')).axes[0]?.values).toContain(shownDate);
    await expectDateMarked(page, 'evolution-chart', date);
    await expectDateMarked(page, 'submissions-chart', date);
    const url = page.url();
    expect(url).toContain(`date=${date}`);
    const shown = await chartData(page);

    const fresh = await newPage();
    await fresh.goto(url);
    await rendered(fresh, 0);
    for (const id of ['prefix', 'channel', 'version', 'filter-os', 'filter-child', 'date']) {
      expect(await fresh.locator(`#${id}`).inputValue(), id).toBe(await page.locator(`#${id}`).inputValue());
    }
    expect(await fresh.locator('#metric-search').inputValue()).toBe(METRIC);
    expect(await chartData(fresh)).toEqual(shown);
    expect(fresh.url()).toBe(url);
    await expectDateMarked(fresh, 'evolution-chart', date);
    await fresh.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });
    await fresh.context().close();
    expect(consoleErrors).toEqual([]);
  });

  it('the evolution charts share a cursor, and a click on them picks that date', async () => {
    requireBrowser();
    const over = page.locator('#evolution-chart .u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('the evolution chart has no plot area');
    await over.hover({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await expect.poll(() => legendDate(page, 'evolution-chart')).toMatch(ISO_DATE);
    const hovered = await legendDate(page, 'evolution-chart');
    expect(await legendDate(page, 'submissions-chart')).toBe(hovered);
    await page.locator('#submissions-chart .u-over').hover({ position: { x: 2, y: 20 } });
    await expect.poll(() => legendDate(page, 'evolution-chart')).not.toBe(hovered);
    const first = await legendDate(page, 'submissions-chart');
    expect(await legendDate(page, 'evolution-chart')).toBe(first);

    const drawn = await renders(page);
    await over.click({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await rendered(page, drawn);
    expect(await page.locator('#date option:checked').textContent()).toBe(hovered);
    const picked = hovered.replaceAll('-', '');
    expect(page.url()).toContain(`date=${picked}`);
    await expectDateMarked(page, 'evolution-chart', picked);
    expect(consoleErrors).toEqual([]);
  });

  it('every view change is a history entry: Back and Forward restore the views, Back never leaves early', async () => {
    requireBrowser();
    const tab = await openView(view(METRIC));
    const entries = await historyLength(tab);
    type Snapshot = { url: string; controls: string[]; data: Awaited<ReturnType<typeof chartData>> };
    const snapshot = async (): Promise<Snapshot> => ({
      url: tab.url(),
      controls: await Promise.all(['#version', '#filter-os', '#date', '#metric-search'].map((id) => tab.locator(id).inputValue())),
      data: await chartData(tab),
    });
    const views: Snapshot[] = [await snapshot()];
    let drawn = await renders(tab);
    await tab.selectOption('#filter-os', 'Windows_NT');
    drawn = await rendered(tab, drawn);
    views.push(await snapshot());
    const date = (await optionValues(tab, '#date')).filter((value) => value !== '')[2] as string;
    await tab.selectOption('#date', date);
    drawn = await rendered(tab, drawn);
    views.push(await snapshot());
    await tab.fill('#metric-search', 'cycle_collector');
    await tab.locator('#metric-results button', { hasText: 'CYCLE_COLLECTOR' }).click();
    drawn = await rendered(tab, drawn);
    views.push(await snapshot());
    expect(new Set(views.map((v) => v.url)).size).toBe(4);
    expect(await historyLength(tab)).toBe(entries + 3);

    for (const back of [2, 1, 0]) {
      await tab.goBack();
      drawn = await rendered(tab, drawn);
      expect(await snapshot(), `Back to view ${back}`).toEqual(views[back]);
    }
    expect(tab.url().startsWith(`${origin}/?`)).toBe(true);
    await tab.goForward();
    drawn = await rendered(tab, drawn);
    expect(await snapshot()).toEqual(views[1]);
    await tab.context().close();
    expect(consoleErrors).toEqual([]);
  });

  it('keyed charts: the y-axis label stands clear of wide values', async () => {
    requireBrowser();
    const keyed = await openView(view('IPC_MESSAGE_SIZE'));
    const values = (await chartLayout(keyed, 'evolution-chart')).axes[1]?.values ?? [];
    expect(values.some((value) => value.length >= 6)).toBe(true);
    await expectLabelsFit(keyed);
    // No unit in the name or the description: none shown.
    expect(await keyed.locator('#metric-name').textContent()).toBe('IPC_MESSAGE_SIZE (exponential)');
    expect((await chartLayout(keyed, 'evolution-chart')).axes[1]?.label).toBe('value');
    await keyed.screenshot({ path: join(RESULTS, 'dashboard-keyed.png'), fullPage: true });
    await keyed.context().close();
  });

  it('boolean and flag buckets read false and true', async () => {
    requireBrowser();
    for (const [metric, kind] of [
      ['CANVAS_2D_USED', 'boolean'],
      ['A11Y_INSTANTIATED_FLAG', 'flag'],
    ] as const) {
      const tab = await openView(view(metric));
      expect(await tab.locator('#metric-name').textContent()).toBe(`${metric} (${kind})`);
      expect((await chartData(tab)).labels).toBe('false,true');
      const layout = await chartLayout(tab, 'distribution-chart');
      expect(layout.axes[0]?.label).toBe('bucket');
      expect(layout.axes[0]?.values).toEqual(['false', 'true']);
      const shares = await tab.locator('#evolution-chart .u-legend .u-series th').allTextContents();
      expect(shares.slice(1).length).toBeGreaterThan(0);
      for (const share of shares.slice(1)) expect(share.trim()).toMatch(/^(false|true)$/);
      await expectLabelsFit(tab);
      await tab.screenshot({ path: join(RESULTS, `dashboard-${kind}.png`), fullPage: true });
      await tab.context().close();
    }
    expect(consoleErrors).toEqual([]);
  });

  it('works under a normal locale too (de-DE), with the same number format', async () => {
    requireBrowser();
    const german = await openView(view(METRIC), { locale: 'de-DE' });
    expect((await pageLocale(german)).language).toBe('de-DE');
    expect(await german.locator('#distribution-summary').textContent()).toMatch(
      /^[\d,]+ samples from [\d,]+ submissions over \d+ dates · median [\d.,]+ ms · mean [\d.,]+ ms$/,
    );
    await expectLabelsFit(german);
    await german.screenshot({ path: join(RESULTS, 'dashboard-de-DE.png'), fullPage: true });
    await german.context().close();
    expect(consoleErrors).toEqual([]);
  });

  it('downloads the shown data as CSV and JSON, both named with their date range', async () => {
    requireBrowser();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const csvName = csv.suggestedFilename();
    expect(csvName).toMatch(new RegExp(`^${METRIC}_nightly_54_build_id_\\d{8}-\\d{8}\\.csv$`));
    const text = await readFile((await csv.path()) as string, 'utf8');
    expect(text.split('\r\n')[0]).toBe('date,label,bucket_index,bucket,value,count,sum,samples,mean,p5,p25,p50,p75,p95');
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    expect(json.suggestedFilename()).toBe(csvName.replace(/\.csv$/, '.json'));
    const body = JSON.parse(await readFile((await json.path()) as string, 'utf8')) as { data: unknown[]; kind: string };
    expect(body.kind).toBe('linear');
    expect(body.data.length).toBeGreaterThan(0);
    // The range is the dates asked for: every date of version 54.
    const entries = (await (await fetch(`${origin}/aggregates_by/build_id/channels/nightly/dates/`)).json()) as {
      date: string;
      version: string;
    }[];
    const dates = entries
      .filter((entry) => entry.version === '54')
      .map((entry) => entry.date)
      .sort();
    expect(csvName).toBe(`${METRIC}_nightly_54_build_id_${dates[0]}-${dates.at(-1)}.csv`);
  });

  it('shows errors in words: an unknown metric, no data for the filters', async () => {
    requireBrowser();
    const errorPage = await newPage();
    await errorPage.goto(`${origin}/?channel=nightly&metric=NO_SUCH_METRIC`);
    await errorPage.waitForSelector('body[data-state="error"]', { timeout: 20_000 });
    expect(await errorPage.locator('#status').textContent()).toBe(
      'Unknown metric "NO_SUCH_METRIC": Cannot find this histogram definition. Pick another metric.',
    );
    expect(await errorPage.locator('#views').isHidden()).toBe(true);
    await errorPage.goto(`${origin}/?channel=nightly&metric=${METRIC}&application=Nope`);
    await errorPage.waitForSelector('body[data-state="error"]', { timeout: 20_000 });
    expect(await errorPage.locator('#status').textContent()).toBe(
      `No data for "${METRIC}" with these filters. Remove a filter or pick another version.`,
    );
    await errorPage.context().close();
  });

  it('shows an uncaught error at load and an unhandled rejection in words, instead of "Loading…"', async () => {
    requireBrowser();
    const broken = await newPage({ watch: false });
    // A library that throws while the page loads (as uPlot did on en-US@posix).
    await broken.addInitScript(() => {
      Intl.NumberFormat = function brokenNumberFormat(): never {
        throw new RangeError('Intl is broken in this test');
      } as unknown as typeof Intl.NumberFormat;
    });
    await broken.goto(`${origin}/`);
    await broken.waitForSelector('body[data-state="error"]', { timeout: 20_000 });
    expect(await broken.locator('#status').textContent()).toBe(
      'Something went wrong in the page: RangeError: Intl is broken in this test. Reload the page to try again.',
    );
    await broken.screenshot({ path: join(RESULTS, 'dashboard-error.png'), fullPage: true });
    await broken.context().close();

    const loaded = await newPage({ watch: false });
    await loaded.goto(`${origin}/`);
    await loaded.waitForSelector('body[data-state="empty"]', { timeout: 20_000 });
    await loaded.evaluate(() => {
      void Promise.reject(new Error('a rejection nobody handled'));
    });
    await loaded.waitForSelector('body[data-state="error"]', { timeout: 5_000 });
    expect(await loaded.locator('#status').textContent()).toBe(
      'Something went wrong in the page: Error: a rejection nobody handled. Reload the page to try again.',
    );
    await loaded.context().close();
  });

  it('shows release data only after a token is pasted (kept out of the URL)', async () => {
    requireBrowser();
    expect(await page.locator('#channel option').allTextContents()).not.toContain('release');
    await page.fill('#token', 'not-a-token');
    await page.click('#token-form button[type="submit"]');
    await expect.poll(() => page.locator('#token-status').textContent()).toMatch(/^Token rejected: /);
    await page.fill('#token', token);
    await page.click('#token-form button[type="submit"]');
    await expect.poll(() => page.locator('#token-status').textContent()).toBe('Token accepted: release data is available.');
    await expect.poll(() => page.locator('#channel option').allTextContents()).toContain('release');
    expect(page.url()).not.toContain(token.slice(0, 20));
  });

  it('never requested anything outside the worker', () => {
    requireBrowser();
    const outside = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:'));
    expect(outside).toEqual([]);
    expect(requests.length).toBeGreaterThan(10);
  });
});
