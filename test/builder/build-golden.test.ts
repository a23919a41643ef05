/**
 * The whole-build golden: the real builder over a fixed input (test/fixtures/formats/golden-build.ts)
 * publishes exactly the objects of test/fixtures/formats/build-golden.json (every key, its size
 * and sha256) with exactly its report counters, with one thread and with two. A change to any
 * published byte fails with the list of keys that changed. Regenerate only for a deliberate
 * change: npm run fixtures:update.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildGolden } from '../fixtures/formats/golden-build';
import { GOLDEN_FILE, goldenOf } from '../fixtures/formats/golden-build';

const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as BuildGolden;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'build-golden-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The keys added, removed and changed (with both digests) against the golden. */
function differences(objects: BuildGolden['objects']) {
  const added = Object.keys(objects).filter((key) => !(key in golden.objects));
  const removed = Object.keys(golden.objects).filter((key) => !(key in objects));
  const changed = Object.keys(objects)
    .filter((key) => key in golden.objects && JSON.stringify(objects[key]) !== JSON.stringify(golden.objects[key]))
    .map((key) => `${key}: ${JSON.stringify(golden.objects[key])} -> ${JSON.stringify(objects[key])}`);
  return { added, removed, changed };
}

describe('the whole-build golden', () => {
  it('covers every prefix, index object kind and a few thousand shards', () => {
    const keys = Object.keys(golden.objects);
    expect(keys.length).toBeGreaterThan(3000);
    for (const name of ['channels.json', 'dates.json', 'manifest.json', 'ledger.json', 'filters.json', 'metrics.json']) {
      expect(
        keys.some((key) => key.endsWith(`/${name}`)),
        name,
      ).toBe(true);
    }
    for (const prefix of ['v1/build_id/', 'v1/submission_date/', 'v1/meta/']) expect(keys.some((key) => key.startsWith(prefix))).toBe(true);
  });

  it.each([1, 2])(
    'a build with --threads %i publishes exactly the golden objects and report',
    async (threads) => {
      const built = await goldenOf(dir, threads);
      expect(differences(built.objects)).toEqual({ added: [], removed: [], changed: [] });
      expect(built.report).toEqual(golden.report);
    },
    240_000,
  );
});
