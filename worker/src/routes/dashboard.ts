/**
 * GET /                  the dashboard page (HTML; revalidated on every visit, 304 when unchanged)
 * GET /dashboard/{file}  its script, stylesheet and icon (hashed names, cached for a year)
 *
 * Every file is in the worker bundle (dashboard/assets.generated.ts): nothing comes from R2, a
 * CDN or the network. The page has no inline script or style, so the CSP every response carries
 * (default-src 'self') applies unchanged.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../context';
import type { DashboardAsset } from '../dashboard/asset';
import { DASHBOARD_FILES, DASHBOARD_PAGE } from '../dashboard/assets.generated';
import { ifNoneMatchMatches } from '../http/conditional';
import { notFound } from '../http/errors';

export const PAGE_CACHE_CONTROL = 'no-cache';
export const FILE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

function serve(asset: DashboardAsset, cacheControl: string, ifNoneMatch: string | undefined): Response {
  const headers = { ETag: asset.etag, 'Cache-Control': cacheControl };
  if (ifNoneMatchMatches(ifNoneMatch, asset.etag)) return new Response(null, { status: 304, headers });
  return new Response(asset.body, { status: 200, headers: { ...headers, 'Content-Type': asset.contentType } });
}

export function registerDashboardRoutes(app: Hono<AppEnv>): void {
  app.get('/', (c) => serve(DASHBOARD_PAGE, PAGE_CACHE_CONTROL, c.req.header('If-None-Match')));

  app.get('/dashboard/:file', (c) => {
    const file = c.req.param('file');
    const asset = Object.hasOwn(DASHBOARD_FILES, file) ? DASHBOARD_FILES[file] : undefined;
    return asset ? serve(asset, FILE_CACHE_CONTROL, c.req.header('If-None-Match')) : notFound();
  });
}
