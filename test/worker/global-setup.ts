/**
 * Runs in Node before the Workers-runtime tests: builds shards with the REAL builder from the
 * fixture pings (see fixtures/derive-pings.ts) and hands every published object, plus the pings,
 * to the tests through vitest's provide/inject.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import type { TestProject } from 'vitest/node';
import { runBuild } from '../../builder/src/build-command';
import { loadDefinitions } from '../../builder/src/definitions/load-definitions';
import { MemoryStore } from '../helpers/memory-store';
import { derivePings } from './fixtures/derive-pings';

/** The kid of the signing key the tests' tokens use. */
export const TEST_KEY_ID = 'worker-test-key';

const PINGS = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));

export default async function setup(project: TestProject): Promise<void> {
  const bases = await Promise.all(
    ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'].map(
      async (name) => JSON.parse(await readFile(join(PINGS, name), 'utf8')) as Record<string, unknown>,
    ),
  );
  const pings = derivePings([bases[0] as Record<string, unknown>, bases[1] as Record<string, unknown>]);
  const dir = await mkdtemp(join(tmpdir(), 'worker-tests-'));
  try {
    const input = join(dir, 'pings.ndjson');
    await writeFile(input, `${pings.map((ping) => JSON.stringify(ping)).join('\n')}\n`);
    const store = new MemoryStore();
    const report = await runBuild({ inputs: [input], store, definitions: await loadDefinitions(), selection: { sampleIdBelow: 100 } });
    if (report.pings.accepted !== pings.length) throw new Error(`builder accepted ${report.pings.accepted} of ${pings.length} test pings`);
    const objects: Record<string, string> = {};
    for (const [key, bytes] of store.objects) objects[key] = Buffer.from(bytes).toString('base64');
    project.provide('aggregateObjects', objects);
    project.provide(
      'testPings',
      pings.map((ping) => JSON.stringify(ping)),
    );
    const keys = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(keys.publicKey)), kid: TEST_KEY_ID, alg: 'RS256', use: 'sig' };
    const privateJwk = { ...(await exportJWK(keys.privateKey)), kid: TEST_KEY_ID, alg: 'RS256' };
    project.provide('testJwks', JSON.stringify({ keys: [publicJwk] }));
    project.provide('testPrivateJwk', JSON.stringify(privateJwk));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Every object the builder published, base64 by R2 key. */
    aggregateObjects: Record<string, string>;
    /** The pings the objects were built from (JSON text). */
    testPings: string[];
    /** The public JWKS (JSON text) the worker verifies tokens with (its AUTH_JWKS binding). */
    testJwks: string;
    /** The matching private key as a JWK (JSON text), for signing test tokens. */
    testPrivateJwk: string;
  }
}
