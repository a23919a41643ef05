/**
 * Re-publishing a date: without --force a no-op that says so; with --force the date's rows in
 * submission_date shards are replaced (not added to) by the new input's, while build_id shards
 * that already hold the date are refused (their rows sum every date) and reported, with exit 4.
 *
 * Real pings through the CLI (`main`) into `dir:` targets. Input X and input Y are the same two
 * pings with different GC_MS counts, so replacing and adding give different bytes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../builder/src/cli/exit-status';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { differences, invariantViolations, ndjson, objectsOf, realPingsOn } from '../helpers/publish-scenarios';
import { buildIntoDir } from '../helpers/run-cli';

const [D1, D2, D3] = ['20170130', '20170131', '20170201'];
const GC_SUBMISSION = 'v1/submission_date/nightly/54/201701/GC_MS';

interface Report {
  shards: { written: number; alreadyPublished: number; replaced: number; refused: number; conflictsRetried: number };
}

let tmp: string;
let runs = 0;
const inputs: Record<string, string> = {};

async function build(target: string, input: string, ...extra: string[]): Promise<{ code: number; stderr: string; report: Report }> {
  const reportFile = path.join(tmp, `report-${++runs}.json`);
  return buildIntoDir<Report>(inputs[input] as string, target, reportFile, extra);
}

const objectsIn = async (target: string) => objectsOf(await DirectoryStore.open(target));
const only = (objects: Map<string, Uint8Array>, prefix: string) => new Map([...objects].filter(([key]) => key.startsWith(prefix)));
const SUBMISSION_SHARDS = 'v1/submission_date/';
const BUILD_ID = 'v1/build_id/';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'force-publish-'));
  const write = async (name: string, pings: unknown[]) => {
    inputs[name] = path.join(tmp, `${name}.ndjson`);
    await writeFile(inputs[name] as string, ndjson(pings));
  };
  await write('X@D1+D2', [...realPingsOn(D1), ...realPingsOn(D2)]);
  await write('Y@D2', realPingsOn(D2, 1));
  await write('X@D1+Y@D2', [...realPingsOn(D1), ...realPingsOn(D2, 1)]);
  await write('X@D3', realPingsOn(D3));
  await write('X@D1+Y@D2+X@D3', [...realPingsOn(D1), ...realPingsOn(D2, 1), ...realPingsOn(D3)]);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('re-publishing D2 with different input', () => {
  let target: string;
  let published: Map<string, Uint8Array>;
  let plain: Awaited<ReturnType<typeof build>>;
  let forced: Awaited<ReturnType<typeof build>>;
  let afterForce: Map<string, Uint8Array>;
  let expected: Map<string, Uint8Array>;

  beforeAll(async () => {
    target = path.join(tmp, 'target');
    expect((await build(target, 'X@D1+D2')).code).toBe(0);
    published = await objectsIn(target);
    plain = await build(target, 'Y@D2');
    forced = await build(target, 'Y@D2', '--force');
    afterForce = await objectsIn(target);
    const reference = path.join(tmp, 'reference');
    expect((await build(reference, 'X@D1+Y@D2')).code).toBe(0);
    expected = await objectsIn(reference);
  }, 180_000);

  it('without --force is a no-op, and the report says so', async () => {
    expect(plain.code).toBe(0);
    expect(plain.report.shards.written).toBe(0);
    expect(plain.report.shards.alreadyPublished).toBeGreaterThan(1000);
    expect(plain.stderr).toMatch(/\d+ already held these submission dates: nothing to do for them; use --force to rebuild/);
  });

  it('--force replaces D2 in every submission_date shard: byte for byte a clean build of X on D1 and Y on D2', () => {
    expect(differences(only(afterForce, SUBMISSION_SHARDS), only(expected, SUBMISSION_SHARDS))).toEqual([]);
    const gc = decodeShardContent(afterForce.get(GC_SUBMISSION) as Uint8Array);
    const before = decodeShardContent(published.get(GC_SUBMISSION) as Uint8Array);
    expect(gc.submissions).toEqual([D1, D2]);
    // Y doubles the GC_MS counts of D2: replaced, D2's rows hold Y's counts (adding would hold X's + Y's)
    const countsOn = (shard: typeof gc, date: string) =>
      shard.rows
        .filter((row) => row.date === date && row.child === 'parent')
        .map((row) => row.histogram.reduce((a: number, b) => a + Number(b), 0));
    expect(countsOn(gc, D2)).toEqual(countsOn(before, D2).map((n) => n * 2));
    expect(countsOn(gc, D1)).toEqual(countsOn(before, D1));
  });

  it('--force leaves build_id shards that hold D2 as they were, and reports them with exit status 4', () => {
    expect(differences(only(afterForce, BUILD_ID), only(published, BUILD_ID))).toEqual([]);
    expect(forced.code).toBe(EXIT.incomplete);
    const submissionShards = [...published.keys()].filter((key) => key.startsWith(SUBMISSION_SHARDS) && !key.endsWith('.json')).length;
    const buildIdShards = [...published.keys()].filter((key) => key.startsWith(BUILD_ID) && !key.endsWith('.json')).length;
    expect(forced.report.shards.replaced).toBe(submissionShards);
    expect(forced.report.shards.refused).toBe(buildIdShards);
    expect(forced.stderr).toContain(`refused:         ${buildIdShards} build_id shards already held some of these dates`);
    expect(forced.stderr).toMatch(/build that channel\/version's build-id view from all its inputs into a fresh target/);
  });

  it('leaves manifests, ledgers and dates consistent', () => {
    expect(invariantViolations(afterForce)).toEqual([]);
    for (const key of [
      'v1/submission_date/nightly/54/manifest.json',
      'v1/submission_date/nightly/54/ledger.json',
      'v1/submission_date/nightly/dates.json',
    ]) {
      expect(Buffer.from(afterForce.get(key) as Uint8Array).toString(), key).toBe(Buffer.from(expected.get(key) as Uint8Array).toString());
    }
  });

  it('--force again with the same input changes nothing', async () => {
    const again = await build(target, 'Y@D2', '--force');
    expect(again.code).toBe(EXIT.incomplete);
    expect(again.report.shards.written).toBe(0);
    expect(differences(await objectsIn(target), afterForce)).toEqual([]);
  });

  it('--force with a new date merges it everywhere and exits 0 (nothing refused)', async () => {
    const fresh = await build(target, 'X@D3', '--force');
    expect(fresh.code).toBe(0);
    expect(fresh.report.shards.refused).toBe(0);
    const reference = path.join(tmp, 'reference-3');
    expect((await build(reference, 'X@D1+Y@D2+X@D3')).code).toBe(0);
    const all = await objectsIn(target);
    const clean = await objectsIn(reference);
    expect(differences(only(all, SUBMISSION_SHARDS), only(clean, SUBMISSION_SHARDS))).toEqual([]);
    // build_id shards hold X's D2 (kept, refused earlier) where the clean build holds Y's
    expect(decodeShardContent(all.get('v1/build_id/nightly/54/201701/GC_MS') as Uint8Array).submissions).toEqual([D1, D2, D3]);
  });
});
