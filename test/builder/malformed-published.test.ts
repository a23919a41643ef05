/**
 * A malformed index object already in the target: `build` and `trim` stop with exit status 1
 * and a message naming its key, and leave it as it is. It is never merged into (and so
 * overwritten), and never decides what a trim deletes.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { histogram, makePing } from '../helpers/pings';
import { runCli } from '../helpers/run-cli';

type Objects = Map<string, Buffer>;

let tmp: string;
let built: string;
let seq = 0;

const ndjson = (pings: unknown[]) => `${pings.map((p) => JSON.stringify(p)).join('\n')}\n`;
const pingOn = (submissionDate: string) =>
  makePing(
    { histograms: { GC_MS: histogram({ '1': 2 }, 3) } },
    { meta: { submissionDate }, application: { buildId: `${submissionDate}030205` } },
  );

async function snapshot(root: string): Promise<Objects> {
  const out: Objects = new Map();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      out.set(path.relative(root, file).split(path.sep).join('/'), await readFile(file));
    }
  }
  return out;
}

function changedKeys(before: Objects, after: Objects): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => !before.get(key)?.equals(after.get(key) ?? Buffer.alloc(0))).sort();
}

/** A copy of the built target with `text` as the object under `key`. */
async function targetWith(key: string, text: string): Promise<string> {
  const dir = path.join(tmp, `${++seq}-target`);
  await cp(built, dir, { recursive: true });
  await writeFile(path.join(dir, key), text);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'malformed-published-'));
  await writeFile(path.join(tmp, 'first.ndjson'), ndjson([pingOn('20170130')]));
  await writeFile(path.join(tmp, 'second.ndjson'), ndjson([pingOn('20170131')]));
  built = path.join(tmp, 'built');
  const result = await runCli(['build', '--input', path.join(tmp, 'first.ndjson'), '--target', `dir:${built}`, '--quiet']);
  expect(result.code, result.stderr).toBe(0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const MANIFEST = 'v1/build_id/nightly/54/manifest.json';
const LEDGER = 'v1/submission_date/nightly/54/ledger.json';
const DATES = 'v1/build_id/nightly/dates.json';

const CASES: [what: string, key: string, text: string, problem: string][] = [
  ['a manifest whose metrics are a list', MANIFEST, '{"metrics":[]}', 'not a valid index object (metrics: is not an object)'],
  ['a manifest that is not JSON', MANIFEST, '{"metrics":', 'not JSON'],
  [
    'a ledger holding a date instead of a list',
    LEDGER,
    '{"shards":{"201701/GC_MS":"20170130"}}',
    'not a valid index object (shards.201701/GC_MS: is not a list)',
  ],
  ['dates that are an object', DATES, '{"date":"20170130","version":"54"}', 'not a valid index object (is not a list)'],
];

describe('build into a target holding a malformed index object', () => {
  it.each(CASES)('%s: exit 1, the key named, the object left as it is', async (_, key, text, problem) => {
    const dir = await targetWith(key, text);
    const before = await snapshot(dir);
    const result = await runCli(['build', '--input', path.join(tmp, 'second.ndjson'), '--target', `dir:${dir}`, '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`builder: ${key}: ${problem}`);
    const after = await snapshot(dir);
    expect(after.get(key)?.toString()).toBe(text);
    // every index object the build merges into is read (and checked) before anything is written
    expect(changedKeys(before, after)).toEqual([]);
  });
});

describe('trim of a target holding a malformed index object', () => {
  it.each(CASES)('%s: exit 1, the key named, nothing deleted or written', async (_, key, text, problem) => {
    const dir = await targetWith(key, text);
    const before = await snapshot(dir);
    // a window that would trim every date of the target
    const result = await runCli(['trim', '--target', `dir:${dir}`, '--base-date', '20200101', '--keep-days', '1', '--apply', '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`builder trim: ${key}: ${problem}`);
    expect(changedKeys(before, await snapshot(dir))).toEqual([]);
  });

  it('the same target without the malformed object is trimmed (the window does delete)', async () => {
    const dir = await targetWith('v1/unrelated.txt', '');
    const result = await runCli(['trim', '--target', `dir:${dir}`, '--base-date', '20200101', '--keep-days', '1', '--apply', '--quiet']);
    expect(result.code, result.stderr).toBe(0);
    expect((await snapshot(dir)).has(MANIFEST)).toBe(false);
  });
});
