/**
 * The dashboard's bundled assets: the committed worker/src/dashboard/assets.generated.ts is what
 * `npm run build:dashboard` makes from the client sources today (so it never goes stale), the
 * page refers only to its own files, and the whole page stays small.
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildDashboardModule, GENERATED_MODULE } from '../../worker/scripts/build-dashboard';
import { DASHBOARD_FILES, DASHBOARD_PAGE } from '../../worker/src/dashboard/assets.generated';

describe('dashboard assets', () => {
  it('the committed module is up to date (run npm run build:dashboard otherwise)', async () => {
    const fresh = await buildDashboardModule();
    const committed = await readFile(GENERATED_MODULE, 'utf8');
    expect(fresh === committed, `${GENERATED_MODULE} is stale: run npm run build:dashboard`).toBe(true);
  });

  it('the page refers to exactly its hashed files, with no inline script or style', () => {
    const referenced = [...DASHBOARD_PAGE.body.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((match) => match[1]);
    expect(referenced.sort()).toEqual(Object.keys(DASHBOARD_FILES).sort());
    for (const name of Object.keys(DASHBOARD_FILES)) expect(name).toMatch(/^(app|favicon)\.[0-9a-f]{12}\.(js|css|svg)$/);
    expect(DASHBOARD_PAGE.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('is small: under 100 kB, under 40 kB gzipped, all files together', () => {
    const bodies = [DASHBOARD_PAGE.body, ...Object.values(DASHBOARD_FILES).map((file) => file.body)];
    const raw = bodies.reduce((total, body) => total + Buffer.byteLength(body), 0);
    const gzipped = bodies.reduce((total, body) => total + gzipSync(body).length, 0);
    expect(raw).toBeLessThan(100_000);
    expect(gzipped).toBeLessThan(40_000);
  });
});
