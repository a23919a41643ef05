/** GET / (the dashboard), its files under /dashboard/, and GET /openapi.json. */
import { describe, expect, it } from 'vitest';
import { get, makeApp } from './helpers';

const app = makeApp();

describe('the dashboard', () => {
  it('serves the page with the CSP of every response and no inline script or style', async () => {
    const response = await get(app, '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('Content-Security-Policy')).toBe("frame-ancestors 'none'; default-src 'self'");
    expect(response.headers.get('Cache-Control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toContain('<title>Telemetry aggregates</title>');
    for (const script of html.match(/<script\b[^>]*>/g) ?? []) expect(script).toMatch(/\bsrc="\/dashboard\//);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves every file the page refers to, cached for a year, and 304s', async () => {
    const html = await (await get(app, '/')).text();
    const files = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((match) => match[1] as string);
    expect(files).toHaveLength(3);
    const types: string[] = [];
    for (const file of files) {
      const response = await get(app, file);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
      types.push(response.headers.get('content-type') as string);
      const body = await response.text();
      expect(body).not.toMatch(/https?:\/\/(?!github\.com\/leeoniya|www\.w3\.org\/)/);
      const again = await get(app, file, { headers: { 'If-None-Match': response.headers.get('ETag') as string } });
      expect(again.status).toBe(304);
    }
    expect(types.sort()).toEqual(['image/svg+xml', 'text/css; charset=utf-8', 'text/javascript; charset=utf-8']);
    const page = await get(app, '/');
    expect((await get(app, '/', { headers: { 'If-None-Match': page.headers.get('ETag') as string } })).status).toBe(304);
  });

  it('404s unknown files', async () => {
    for (const file of ['/dashboard/app.js', '/dashboard/constructor', '/dashboard/__proto__']) {
      const response = await get(app, file);
      expect(response.status, file).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not found.' });
    }
  });
});

describe('GET /openapi.json', () => {
  it('answers the OpenAPI 3.1 document', async () => {
    const response = await get(app, '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/aggregates_by/{prefix}/channels/{channel}/');
  });
});
