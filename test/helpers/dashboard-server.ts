/**
 * The dashboard as a browser meets it: wrangler's production bundle of the worker in plain
 * Miniflare on a free loopback port, serving demo data (nightly and release, a few metrics of
 * every kind) that the builder wrote into its local R2, with a JWKS of its own so a signed token
 * unlocks release data. Used by test/e2e/dashboard-browser.test.ts.
 */
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Miniflare } from 'miniflare';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../../builder/src/demo/write-demo-input';
import { DEFAULTS } from '../../worker/src/config';
import { trimPing } from '../worker/fixtures/derive-pings';
import { BUCKET, buildPingsIntoLocalR2, bundleWorker, readWranglerSettings, tempDir } from './built-worker';

export interface DashboardServer {
  /** http://127.0.0.1:{port} */
  origin: string;
  /** A token the worker accepts (release data). */
  token: string;
  stop(): Promise<void>;
}

/** Demo pings of nightly and release, trimmed to a few metrics of every kind (a small, quick build). */
function demoPings(): Record<string, unknown>[] {
  const pings = generateDemoPings({ count: 400, seed: 1, basePings: loadBasePings(DEFAULT_PINGS_DIR), days: 7 });
  const kept: Record<string, unknown>[] = [];
  for (const ping of pings) {
    const channel = (ping.application as { channel?: string } | undefined)?.channel;
    const processes = (ping.payload as { processes?: { parent?: unknown } } | undefined)?.processes;
    if ((channel === 'nightly' || channel === 'release') && processes?.parent) kept.push(trimPing(ping));
  }
  return kept;
}

export async function startDashboardServer(): Promise<DashboardServer> {
  const temp = await tempDir('dashboard-browser-');
  let miniflare: Miniflare | undefined;
  try {
    const [scriptPath, build] = await Promise.all([bundleWorker(join(temp.path, 'dist')), buildPingsIntoLocalR2(demoPings(), temp.path)]);

    const keys = await generateKeyPair('RS256', { extractable: true });
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'browser-test', alg: 'RS256', use: 'sig' }] });
    const token = await new SignJWT({ scope: DEFAULTS.requiredScope })
      .setProtectedHeader({ alg: 'RS256', kid: 'browser-test' })
      .setIssuer(DEFAULTS.issuer)
      .setAudience(DEFAULTS.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(keys.privateKey);

    const settings = await readWranglerSettings();
    miniflare = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      r2Persist: join(build.persistDir, 'v3', 'r2'),
      cf: false,
      workers: [
        {
          name: 'aggregates',
          scriptPath,
          modules: true,
          modulesRoot: join(scriptPath, '..'),
          compatibilityDate: settings.compatibilityDate,
          r2Buckets: { AGGREGATES: BUCKET },
          bindings: { ...settings.vars, AUTH_JWKS: jwks },
        },
      ],
    });
    const origin = (await miniflare.ready).origin;
    const running = miniflare;
    return {
      origin,
      token,
      async stop() {
        await running.dispose();
        await temp.remove();
      },
    };
  } catch (error) {
    await miniflare?.dispose();
    await temp.remove();
    throw error;
  }
}
