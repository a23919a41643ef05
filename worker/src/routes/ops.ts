/** Liveness and identity: /status, Dockerflow's /__heartbeat__, /__lbheartbeat__, /__version__, and /authed. */
import type { Hono } from 'hono';
import type { AppEnv } from '../context';
import { forbidden, jsonResponse } from '../http/errors';

export function registerOpsRoutes(app: Hono<AppEnv>): void {
  app.get('/status', (c) => c.text('OK'));

  app.get('/authed', async (c) => {
    const auth = await c.get('request').auth();
    return auth.ok ? c.text('Authenticated') : forbidden(auth.error);
  });

  app.get('/__lbheartbeat__', () => new Response(null, { status: 200 }));

  /** Checks that the bucket answers (one index read at most per index-cache period). */
  app.get('/__heartbeat__', async (c) => {
    const rc = c.get('request');
    try {
      const channels = await rc.reader.channels('build_id');
      const storage = channels === null ? 'warning' : 'ok';
      const details = channels === null ? { storage: 'no build_id channels index published yet' } : {};
      return jsonResponse(JSON.stringify({ status: storage, checks: { storage }, details }), 200);
    } catch (error) {
      console.error('heartbeat storage check failed', error);
      return jsonResponse(JSON.stringify({ status: 'error', checks: { storage: 'error' }, details: { storage: String(error) } }), 500);
    }
  });

  app.get('/__version__', (c) => {
    const { source, version, commit, build } = c.get('request').config.build;
    return jsonResponse(JSON.stringify({ source, version, commit, build }), 200);
  });
}
