/**
 * The builder CLI with `--target r2://BUCKET/PREFIX --endpoint URL` against a real S3 server
 * (s3rver behind the fault proxy): the objects it publishes are byte for byte those of a `dir:`
 * build of the same pings, under PREFIX/; and its failures map to exit statuses 2 and 3.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import type { ObjectStore } from '../../builder/src/publish/object-store';
import { openStore } from '../../builder/src/publish/open-store';
import { S3Store } from '../../builder/src/publish/s3-store';
import type { CliResult } from '../helpers/run-cli';
import { runCli } from '../helpers/run-cli';
import type { S3Sandbox } from '../helpers/s3-sandbox';
import { S3RVER_CREDENTIALS, startS3Sandbox } from '../helpers/s3-sandbox';

const PINGS_DIR = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));
const BUCKET = 'telemetry-aggregates';
/** What the comparison needs of a store. */
type ReadableStore = Pick<ObjectStore, 'get' | 'list'>;

const R2_VARIABLES = ['R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY', 'R2_ACCOUNT_ID', 'R2_ENDPOINT'] as const;

let sandbox: S3Sandbox;
let tmp: string;
/** The real pings of test/fixtures/pings (pretty-printed JSON files) as one NDJSON input. */
let pings: string;

beforeAll(async () => {
  sandbox = await startS3Sandbox([BUCKET]);
  tmp = await mkdtemp(path.join(tmpdir(), 's3-cli-'));
  const files = (await readdir(PINGS_DIR)).filter((name) => name.endsWith('.json')).sort();
  const lines = await Promise.all(
    files.map(async (name) => JSON.stringify(JSON.parse(await readFile(path.join(PINGS_DIR, name), 'utf8')))),
  );
  pings = path.join(tmp, 'pings.ndjson');
  await writeFile(pings, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await sandbox?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI with these R2_* variables and no other environment. */
function cli(args: string[], env: Partial<Record<(typeof R2_VARIABLES)[number], string>>): Promise<CliResult> {
  return runCli(args, { env });
}

const CREDENTIALS = { R2_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, R2_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey };

function s3Store(prefix: string): S3Store {
  return new S3Store({ endpoint: sandbox.endpoint, bucket: BUCKET, prefix, ...S3RVER_CREDENTIALS });
}

/** Every object of `actual` equals the one of `expected` under the same key, and the key sets are equal. */
async function expectSameObjects(actual: ReadableStore, expected: ReadableStore): Promise<number> {
  const keys = await expected.list('');
  expect(await actual.list('')).toEqual(keys);
  // All at once: the S3 store bounds its own requests in flight.
  const differing = await Promise.all(
    keys.map(async (key) => {
      const [mine, theirs] = await Promise.all([actual.get(key), expected.get(key)]);
      return mine && theirs && Buffer.from(mine.bytes).equals(Buffer.from(theirs.bytes)) ? [] : [key];
    }),
  );
  expect(differing.flat()).toEqual([]);
  return keys.length;
}

describe('builder build --target r2://', () => {
  it('publishes exactly the objects of a dir: build, under the prefix, and a re-run changes nothing', async () => {
    const dir = path.join(tmp, 'dir-build');
    const fromDir = await cli(['build', '--input', pings, '--target', `dir:${dir}`, '--quiet'], {});
    expect(fromDir.code, fromDir.stderr).toBe(0);
    const target = `r2://${BUCKET}/runs/one`;
    const args = ['build', '--input', pings, '--target', target, '--endpoint', sandbox.endpoint, '--quiet'];
    const fromR2 = await cli(args, CREDENTIALS);
    expect(fromR2.code, fromR2.stderr).toBe(0);

    const directory = await DirectoryStore.open(dir);
    const objects = await expectSameObjects(s3Store('runs/one'), directory);
    expect(objects).toBeGreaterThan(20);
    const everything = await s3Store('').list('');
    expect(everything).toHaveLength(objects);
    expect(everything.every((key) => key.startsWith('runs/one/v1/'))).toBe(true);
    expect(sandbox.proxy.putsWithoutContentMd5).toBe(0);

    // Publishing merges into what is there: the same input again leaves every object as it was.
    const putsBefore = sandbox.proxy.seen.filter((seen) => seen.method === 'PUT').length;
    const again = await cli(args, CREDENTIALS);
    expect(again.code, again.stderr).toBe(0);
    expect(await expectSameObjects(s3Store('runs/one'), directory)).toBe(objects);
    expect(sandbox.proxy.seen.filter((seen) => seen.method === 'PUT').length - putsBefore).toBeLessThan(objects);
  }, 240_000);

  it('trims an r2:// target exactly as a dir: target (runs after the test above, on what it published)', async () => {
    const dir = path.join(tmp, 'dir-build');
    // The build-id view of 20170130 falls out of the window; the submission-date view is not trimmed.
    const trim = ['--prefix', 'build_id', '--base-date', '20170215', '--keep-days', '10', '--apply', '--quiet'];
    const buildIdObjects = (await s3Store('runs/one').list('v1/build_id/')).length;
    expect(buildIdObjects).toBeGreaterThan(10);
    const onDir = await cli(['trim', '--target', `dir:${dir}`, ...trim], {});
    expect(onDir.code, onDir.stderr).toBe(0);
    const onR2 = await cli(['trim', '--target', `r2://${BUCKET}/runs/one`, '--endpoint', sandbox.endpoint, ...trim], CREDENTIALS);
    expect(onR2.code, onR2.stderr).toBe(0);
    const remaining = await expectSameObjects(s3Store('runs/one'), await DirectoryStore.open(dir));
    // Only the (now empty) channel list is left of the build-id view.
    expect(await s3Store('runs/one').list('v1/build_id/')).toEqual(['v1/build_id/channels.json']);
    const channels = await s3Store('runs/one').get('v1/build_id/channels.json');
    expect(JSON.parse(new TextDecoder().decode(channels?.bytes))).toEqual([]);
    expect(remaining).toBeGreaterThan(10);
    expect(await s3Store('runs/one').list('v1/submission_date/nightly/54/')).not.toEqual([]);
  }, 240_000);

  it('takes the endpoint from R2_ENDPOINT too', async () => {
    sandbox.proxy.reset();
    const store = await openStore(`r2://${BUCKET}/runs/env`, { env: { ...CREDENTIALS, R2_ENDPOINT: sandbox.endpoint } });
    await store.put('probe', new Uint8Array([1, 2, 3]), 'application/octet-stream');
    expect(sandbox.proxy.seen.map(({ method, key }) => `${method} ${key}`)).toEqual(['GET ', `PUT runs/env/probe`]);
    await store.close();
  });

  it('exits 2 naming the variables when credentials are missing, before reading any input', async () => {
    sandbox.proxy.reset();
    const result = await cli(['build', '--input', pings, '--target', `r2://${BUCKET}`, '--endpoint', sandbox.endpoint], {
      R2_ACCESS_KEY_ID: 'S3RVER',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY');
    expect(result.stderr).toContain('missing: R2_SECRET_ACCESS_KEY');
    expect(sandbox.proxy.seen).toHaveLength(0);
  });

  it('exits 2 without an endpoint or account id', async () => {
    const result = await cli(['build', '--input', pings, '--target', `r2://${BUCKET}`], CREDENTIALS);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('R2_ACCOUNT_ID');
  });

  it('exits 3 with the S3 error (no stack trace) when the bucket refuses the credentials', async () => {
    const result = await cli(['build', '--input', pings, '--target', `r2://${BUCKET}/x`, '--endpoint', sandbox.endpoint], {
      R2_ACCESS_KEY_ID: 'NOT-A-KEY',
      R2_SECRET_ACCESS_KEY: 'x',
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/403 InvalidAccessKeyId/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 3 with the S3 error (no stack trace) when a write is refused mid-build', async () => {
    sandbox.proxy.reset();
    sandbox.proxy.inject({ method: 'PUT' }, { kind: 'status', status: 403, code: 'AccessDenied' }, 1_000_000);
    const result = await cli(
      ['build', '--input', pings, '--target', `r2://${BUCKET}/runs/refused`, '--endpoint', sandbox.endpoint, '--quiet'],
      CREDENTIALS,
    );
    sandbox.proxy.reset();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/S3 telemetry-aggregates\/runs\/refused\/v1\/\S+: PUT failed: 403 AccessDenied/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('documents the target and --endpoint in --help', async () => {
    const { stdout } = await cli(['--help'], {});
    expect(stdout).toContain('r2://BUCKET[/PREFIX]');
    expect(stdout).toContain('--endpoint URL');
    expect(stdout).toContain('R2_SECRET_ACCESS_KEY');
  });
});
