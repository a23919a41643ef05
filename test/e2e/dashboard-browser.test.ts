/**
 * The dashboard in a real browser: Chromium from npm (@sparticuz/chromium, or the one
 * CHROMIUM_PATH names; see test/helpers/browser.ts) driven by playwright-core, against wrangler's production bundle of the worker in Miniflare, listening
 * on a free loopback port and serving demo data the builder wrote into its local R2.
 *
 * The page loads without console errors or requests leaving the worker, a metric search works,
 * a filter changes the chart's data, the URL round-trips the state, errors read as words, the
 * CSV download works, release data appears only after a token is pasted. Artifacts (gitignored):
 * test-results/dashboard.png (screenshot) and test-results/dashboard-transfer.json (bytes the
 * page transferred).
 *
 * No browser is not a reason to skip: if Chromium cannot be launched, every test here fails.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { ROOT } from '../helpers/built-worker';
import type { DashboardServer } from '../helpers/dashboard-server';
import { startDashboardServer } from '../helpers/dashboard-server';

const RESULTS = join(ROOT, 'test-results');
const METRIC = 'GC_MAX_PAUSE_MS';

let server: DashboardServer | undefined;
let origin = '';
let token = '';
let browser: Browser | undefined;
let launchError: unknown;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];

function requireBrowser(): Browser {
  if (!browser) {
    throw launchError instanceof Error ? launchError : new Error(String(launchError));
  }
  return browser;
}

async function newPage(): Promise<Page> {
  const context = await requireBrowser().newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const opened = await context.newPage();
  opened.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  opened.on('pageerror', (error) => consoleErrors.push(String(error)));
  opened.on('request', (request) => requests.push(request.url()));
  return opened;
}

/** Waits until the charts were drawn more than `after` times, and returns the count. */
async function rendered(target: Page, after: number): Promise<number> {
  // A function, not a string: the page's CSP forbids eval (which this also shows).
  const predicate = (count: number): boolean => {
    const { dataset } = (globalThis as unknown as { document: { body: { dataset: Record<string, string | undefined> } } }).document.body;
    return Number(dataset.renders ?? 0) > count && dataset.state !== 'loading';
  };
  await target.waitForFunction(predicate, after, { timeout: 20_000 });
  return Number(await target.getAttribute('body', 'data-renders'));
}

/** The option values of a select. */
async function optionValues(target: Page, select: string): Promise<string[]> {
  return Promise.all((await target.locator(`${select} option`).all()).map(async (option) => (await option.getAttribute('value')) ?? ''));
}

async function chartData(target: Page): Promise<{ samples: string | null; values: string | null }> {
  const chart = target.locator('#distribution-chart');
  return { samples: await chart.getAttribute('data-samples'), values: await chart.getAttribute('data-values') };
}

beforeAll(async () => {
  server = await startDashboardServer();
  origin = server.origin;
  token = server.token;
  try {
    browser = (await launchChromium()).browser;
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
  it('launches Chromium headless', async () => {
    const version = requireBrowser().version();
    expect(version).toMatch(/^\d+\./);
    page = await newPage();
  });

  it('loads: channel and newest version picked, an empty state in words, small transfer', async () => {
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
    // Once per file (chromium may ask for the icon twice; the second comes from its cache).
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
    expect(assets.map((t) => t.url.replace(/\.[0-9a-f]{12}\./, '.HASH.')).sort()).toEqual([
      '/',
      '/dashboard/app.HASH.css',
      '/dashboard/app.HASH.js',
      '/dashboard/favicon.HASH.svg',
    ]);
    expect(total).toBeLessThan(100_000);
    expect(consoleErrors).toEqual([]);
  });

  it('searches metrics and shows the chosen one with its description and charts', async () => {
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
    expect(await page.locator('#metric-name').textContent()).toBe(`${METRIC} (linear)`);
    expect((await page.locator('#metric-description').textContent())?.length).toBeGreaterThan(10);
    expect(await page.locator('#distribution-summary').textContent()).toMatch(
      /^[\d,]+ samples from [\d,]+ submissions over \d+ dates · median [\d.,]+ · mean [\d.,]+$/,
    );
    expect(await page.locator('#distribution-chart canvas').count()).toBe(1);
    expect(await page.locator('#evolution-chart canvas').count()).toBe(1);
    expect(await page.locator('#submissions-chart canvas').count()).toBe(1);
    expect(Number((await chartData(page)).samples)).toBeGreaterThan(0);
    expect(page.url()).toContain(`metric=${METRIC}`);
    expect(consoleErrors).toEqual([]);
  });

  it('a filter changes the chart data (and the URL)', async () => {
    requireBrowser();
    const before = await chartData(page);
    const renders = Number(await page.getAttribute('body', 'data-renders'));
    const osOptions = await optionValues(page, '#filter-os');
    expect(osOptions).toContain('Windows_NT');
    await page.selectOption('#filter-os', 'Windows_NT');
    await rendered(page, renders);
    const after = await chartData(page);
    expect(after.values).not.toBe(before.values);
    expect(Number(after.samples)).toBeLessThan(Number(before.samples));
    expect(page.url()).toContain('os=Windows_NT');
    await page.selectOption('#filter-child', 'content');
    await rendered(page, renders + 1);
    expect(page.url()).toContain('child=content');
    expect(consoleErrors).toEqual([]);
  });

  it('the URL round-trips the state into a fresh page, and a screenshot is saved', async () => {
    requireBrowser();
    const renders = Number(await page.getAttribute('body', 'data-renders'));
    const dates = (await optionValues(page, '#date')).filter((value) => value !== '');
    const date = dates[Math.floor(dates.length / 2)] as string;
    await page.selectOption('#date', date);
    await rendered(page, renders);
    expect(await page.locator('#distribution-summary').textContent()).toContain(`on ${date}`);
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
    await fresh.screenshot({ path: join(RESULTS, 'dashboard.png'), fullPage: true });
    await fresh.context().close();
    expect(consoleErrors).toEqual([]);
  });

  it('downloads the shown data as CSV', async () => {
    requireBrowser();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${METRIC}_nightly_54_build_id_\\d{8}(-\\d{8})?\\.csv$`));
    const text = await readFile((await download.path()) as string, 'utf8');
    expect(text.split('\r\n')[0]).toBe('date,label,bucket_index,bucket,value,count,sum,samples,mean,p5,p25,p50,p75,p95');
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
