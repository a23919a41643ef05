/**
 * Partial aggregates: any split of the input, aggregated separately and merged, gives exactly
 * the result of one aggregation over all of it (the property a fan-out across machines needs).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import { decodePartial, encodePartial, PartialFormatError } from '../../builder/src/aggregate/partial-aggregate';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { generateSyntheticPings } from '../fixtures/synthetic-dataset';
import { histogram, makePing, materialise, vendoredDefinitions } from '../helpers/pings';
import { runCli } from '../helpers/run-cli';

const pings = [
  ...[...generateSyntheticPings()].filter((_, i) => i % 7 === 0),
  makePing({ histograms: { GC_MS: histogram({ '1': 3, '10': 2 }, 23) } }, { application: { buildId: '20161230000000' } }),
  makePing({ processes: { parent: { scalars: { 'a.big': 2 ** 52 } } } }),
  makePing({ processes: { parent: { scalars: { 'a.big': 2 ** 52 } } } }),
  'not a ping',
];

async function aggregateAll(): Promise<Aggregator> {
  const aggregator = new Aggregator((await vendoredDefinitions()).histograms);
  for (const ping of pings) aggregator.addLine(JSON.stringify(ping));
  return aggregator;
}

describe('partial aggregates', () => {
  it('round-trip through their msgpack encoding, exact beyond 2^53', async () => {
    const whole = await aggregateAll();
    const decoded = decodePartial(encodePartial({ groups: whole.groups.values(), stats: whole.stats }));
    const again = new Aggregator((await vendoredDefinitions()).histograms);
    again.absorb(decoded);
    expect(await materialise(again)).toEqual(await materialise(whole));
    expect(again.stats).toEqual(whole.stats);
  });

  it('merge to exactly one aggregation over all input, for random splits', async () => {
    const expected = await materialise(await aggregateAll());
    const histograms = (await vendoredDefinitions()).histograms;
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = mulberry32(seed);
      const parts = 1 + Math.floor(random() * 5);
      const slices = Array.from({ length: parts }, () => new Aggregator(histograms));
      for (const ping of pings) (slices[Math.floor(random() * parts)] as Aggregator).addLine(JSON.stringify(ping));
      const merged = new Aggregator(histograms);
      // merge in a shuffled order: the merge is associative and commutative
      const order = slices.map((slice, i) => ({ slice, key: random() + i * 0 })).sort((a, b) => a.key - b.key);
      for (const { slice } of order) merged.absorb(decodePartial(encodePartial({ groups: slice.groups.values(), stats: slice.stats })));
      expect(await materialise(merged), `seed ${seed}, ${parts} parts`).toEqual(expected);
      expect(merged.stats.linesRead).toBe(pings.length);
      expect(merged.stats.pingsSkipped['not-an-object']).toBe(1);
    }
  });

  it('rejects bytes that are not a partial aggregate', () => {
    expect(() => decodePartial(new Uint8Array([1, 2, 3]))).toThrow(PartialFormatError);
  });
});

describe('build --partial and merge on the command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'partial-merge-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function objects(root: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const walk = async (d: string): Promise<void> => {
      for (const entry of await readdir(d, { withFileTypes: true })) {
        const full = path.join(d, entry.name);
        if (entry.isDirectory()) await walk(full);
        else out.set(path.relative(root, full), (await readFile(full)).toString('base64'));
      }
    };
    await walk(root);
    return out;
  }

  it('gives the same published objects as one build over every input file', async () => {
    const lines = pings.map((ping) => JSON.stringify(ping));
    const files = [0, 1, 2].map((i) => path.join(dir, `slice-${i}.ndjson`));
    await Promise.all(files.map((file, i) => writeFile(file, `${lines.filter((_, j) => j % 3 === i).join('\n')}\n`)));
    const quiet = ['--quiet'];
    expect((await runCli(['build', '--input', ...files, '--target', `dir:${path.join(dir, 'whole')}`, ...quiet])).code).toBe(0);
    for (const [i, file] of files.entries()) {
      expect((await runCli(['build', '--input', file, '--partial', path.join(dir, `part-${i}.partial`), ...quiet])).code).toBe(0);
    }
    expect(
      (await runCli(['merge', '--input', path.join(dir, '*.partial'), '--target', `dir:${path.join(dir, 'merged')}`, ...quiet])).code,
    ).toBe(0);
    const whole = await objects(path.join(dir, 'whole'));
    expect(whole.size).toBeGreaterThan(20);
    expect(await objects(path.join(dir, 'merged'))).toEqual(whole);
  });

  it('refuses a build with both --target and --partial, and a merge of a file that is not a partial', async () => {
    const input = path.join(dir, 'slice-0.ndjson');
    expect((await runCli(['build', '--input', input, '--target', `dir:${dir}/x`, '--partial', `${dir}/p`, '--quiet'])).code).toBe(2);
    expect((await runCli(['merge', '--input', input, '--target', `dir:${dir}/y`, '--quiet'])).code).toBe(3);
  });
});
