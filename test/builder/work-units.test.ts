/**
 * Work units for the aggregation threads: byte ranges of a plain file read exactly its lines, each
 * once, whatever the cut points; the work queue hands out every byte of every file exactly once,
 * gzip files whole, with plain-file units shrinking as the input runs out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { forEachLineOf, readLineBatches } from '../../builder/src/input/read-lines';
import type { WorkUnit } from '../../builder/src/input/work-queue';
import { WorkQueue } from '../../builder/src/input/work-queue';
import { linesOfText } from '../helpers/text-lines';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'work-units-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function linesOfRange(file: string, start: number, end: number, bytes: { bytesRead: number }, batchBytes: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of readLineBatches({ kind: 'file', path: file }, bytes, batchBytes, { start, end }))
    forEachLineOf(batch, (line) => lines.push(line));
  return lines;
}

describe('byte ranges of a plain file', () => {
  const texts: [string, string][] = [
    ['mixed lines', ['{"a":1}', '', 'x'.repeat(3000), 'héllo ✓', '{"b":2}\r', 'y'.repeat(70_000), '', '', 'z', 'last'].join('\n')],
    ['trailing newline', `${['one', 'two', '', 'three'].join('\n')}\n`],
    ['blank lines only', '\n\n\n\n'],
    ['one long line', 'w'.repeat(200_000)],
  ];

  it.each(texts)('partitions give exactly the lines of the file, each once (%s)', async (name, text) => {
    const file = path.join(dir, `${name.replaceAll(' ', '-')}.ndjson`);
    await writeFile(file, text);
    const size = Buffer.byteLength(text);
    const expected = linesOfText(text);
    const random = mulberry32(size);
    for (let trial = 0; trial < 25; trial++) {
      // random cut points, including cuts on and next to newlines, at 0 and at the end
      const cuts = new Set<number>([0, size]);
      const pieces = 1 + Math.floor(random() * 8);
      for (let i = 0; i < pieces; i++) cuts.add(Math.floor(random() * (size + 1)));
      if (trial === 0) for (let i = 0; i <= size && i < 40; i++) cuts.add(i);
      const sorted = [...cuts].sort((a, b) => a - b);
      const got: string[] = [];
      const bytes = { bytesRead: 0 };
      const batchBytes = [1, 7, 100, 5000, 1 << 20][trial % 5] as number;
      for (let i = 0; i + 1 < sorted.length; i++)
        got.push(...(await linesOfRange(file, sorted[i] as number, sorted[i + 1] as number, bytes, batchBytes)));
      expect(got, `${name}: cuts ${sorted.join(',')}`).toEqual(expected);
      expect(bytes.bytesRead).toBe(size);
    }
  });

  it('refuses a byte range of a gzip file', async () => {
    const file = path.join(dir, 'lines.gz');
    await writeFile(file, gzipSync('a\nb\n'));
    await expect(linesOfRange(file, 0, 2, { bytesRead: 0 }, 100)).rejects.toThrow(/byte range/);
  });
});

describe('work queue', () => {
  function drain(queue: WorkQueue): WorkUnit[] {
    const units: WorkUnit[] = [];
    for (let unit = queue.next(); unit; unit = queue.next()) units.push(unit);
    expect(queue.isEmpty).toBe(true);
    return units;
  }

  it('hands out every byte of every file exactly once, gzip files whole and first', () => {
    const files = [
      { path: '/a.ndjson', bytes: 300_000_000, splittable: true },
      { path: '/b.gz', bytes: 20_000_000, splittable: false },
      { path: '/c.ndjson', bytes: 5_000, splittable: true },
      { path: '/d.gz', bytes: 90_000_000, splittable: false },
      { path: '/e.ndjson', bytes: 0, splittable: true },
    ];
    const units = drain(new WorkQueue(files, { threads: 2 }));
    expect(units.slice(0, 2).map((u) => [u.source, u.range])).toEqual([
      [{ kind: 'file', path: '/d.gz' }, undefined],
      [{ kind: 'file', path: '/b.gz' }, undefined],
    ]);
    for (const file of files.filter((f) => f.splittable && f.bytes > 0)) {
      const ranges = units
        .filter((u) => u.source.kind === 'file' && u.source.path === file.path)
        .map((u) => u.range ?? { start: 0, end: file.bytes });
      let at = 0;
      for (const range of ranges) {
        expect(range.start).toBe(at);
        expect(range.end).toBeGreaterThan(range.start);
        at = range.end;
      }
      expect(at, file.path).toBe(file.bytes);
    }
    expect(units.reduce((total, u) => total + u.bytes, 0)).toBe(files.reduce((total, f) => total + f.bytes, 0));
  });

  it('shrinks plain-file units as the input runs out, within the size bounds', () => {
    const units = drain(
      new WorkQueue([{ path: '/big.ndjson', bytes: 1_200_000_000, splittable: true }], {
        threads: 2,
        minUnitBytes: 1 << 20,
        maxUnitBytes: 64 << 20,
      }),
    );
    const sizes = units.map((u) => u.bytes);
    expect(sizes[0]).toBe(64 << 20);
    // non-increasing; the last one takes the rest when less than two minimum units would be left
    for (let i = 1; i < sizes.length - 1; i++) expect(sizes[i] as number).toBeLessThanOrEqual(sizes[i - 1] as number);
    expect(sizes.every((s) => s >= 1 << 20)).toBe(true);
    expect(sizes[sizes.length - 1] as number).toBeLessThanOrEqual(2 << 20);
    expect(sizes.length).toBeGreaterThan(20);
  });

  it('gives a small file to one unit, whole', () => {
    expect(drain(new WorkQueue([{ path: '/small.ndjson', bytes: 1000, splittable: true }], { threads: 4 }))).toEqual([
      { source: { kind: 'file', path: '/small.ndjson' }, bytes: 1000 },
    ]);
  });
});
