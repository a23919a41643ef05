/** GET /openapi.json: the API description (openapi/document.ts). */
import type { Hono } from 'hono';
import type { AppEnv } from '../context';
import { jsonResponse } from '../http/errors';
import { OPENAPI_JSON } from '../openapi/document';

export function registerOpenApiRoute(app: Hono<AppEnv>): void {
  app.get('/openapi.json', () => jsonResponse(OPENAPI_JSON, 200, { 'Cache-Control': 'public, max-age=3600' }));
}
