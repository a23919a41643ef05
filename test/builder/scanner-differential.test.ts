/**
 * The byte scanner (`--parser scan`, the default) against JSON.parse (`--parser json`, the
 * reference): the same input gives byte-identical published targets and identical reports
 * (but for the report's own `parsing` counts), on the real pings, the hostile corpus, the
 * synthetic dataset, generated demo pings and a seeded mutation fuzzer; and each fuzzed line on
 * its own gives the same aggregate both ways (a failure shows the seed, the line and the line
 * minimised).
 *
 * A longer run: SCANNER_FUZZ_LINES=1000000 SCANNER_FUZZ_SEED=7 npx vitest run test/builder/scanner-differential.test.ts
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PingSelection } from '../../builder/src/aggregate/ping-dimensions';
import { generateDemoPings } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../../builder/src/demo/write-demo-input';
import { PingScanner } from '../../builder/src/scan/ping-scanner';
import type { BuildGolden } from '../fixtures/formats/golden-build';
import { buildWithCli, digestTarget, writeGoldenInput } from '../fixtures/formats/golden-build';
import { fuzzedPingLines } from '../fixtures/ping-fuzzer';
import { lineOutcome, minimise, ParserPair, showBytes } from '../helpers/parser-differential';
import { vendoredDefinitions } from '../helpers/pings';

const SEED = Number(process.env.SCANNER_FUZZ_SEED ?? 20261203);
const LINES = Number(process.env.SCANNER_FUZZ_LINES ?? 12_000);
const SELECTION: PingSelection = { sampleIdBelow: 100 };
const NEWLINE = Buffer.from('\n');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scanner-differential-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`the byte scanner against JSON.parse (fuzz seed ${SEED})`, () => {
  it(`gives the same aggregate for each of ${LINES} fuzzed lines, and for all of them in one aggregate`, async () => {
    const { histograms } = await vendoredDefinitions();
    const scanner = new PingScanner();
    const all = new ParserPair(histograms, SELECTION);
    let index = 0;
    for (const line of fuzzedPingLines(SEED, LINES)) {
      if (lineOutcome(line, histograms, SELECTION, scanner).disagree) {
        const smallest = minimise(line, (candidate) => lineOutcome(candidate, histograms, SELECTION, new PingScanner()).disagree);
        expect.fail(
          `seed ${SEED}, line ${index}: the scanner and JSON.parse disagree\n  minimised: ${showBytes(smallest)}\n  line:      ${showBytes(line)}`,
        );
      }
      all.add(Buffer.concat([line, NEWLINE]));
      index++;
    }
    expect(all.agree(), `seed ${SEED}: all ${LINES} lines in one aggregate`).toBe(true);

    // the fuzzer reaches what it is for: accepted pings with every kind of damage, and every kind of rejected line
    const { stats } = all.json;
    expect(stats.linesRead).toBeGreaterThan(LINES * 0.95);
    expect(stats.pingsAccepted).toBeGreaterThan(LINES * 0.3);
    expect(stats.pingsSkipped['invalid-json'] ?? 0).toBeGreaterThan(LINES * 0.05);
    for (const reason of ['not-an-object', 'bad-sample-id', 'unsupported-channel', 'invalid-dimension', 'invalid-payload'] as const) {
      expect(stats.pingsSkipped[reason] ?? 0, reason).toBeGreaterThan(0);
    }
    for (const reason of [
      'invalid-histogram',
      'no-definition',
      'negative-value',
      'non-numeric-value',
      'non-integer-bucket-key',
      'non-integer-bucket-count',
      'invalid-container',
    ] as const) {
      expect(stats.metricsSkipped[reason] ?? 0, reason).toBeGreaterThan(0);
    }
    // the scanner reads every line that is a JSON object; exactly the others go to JSON.parse
    const { parsing } = all.scan;
    expect(parsing.scanned + parsing.jsonParsed).toBe(stats.linesRead);
    expect(parsing.jsonParsed).toBe((stats.pingsSkipped['invalid-json'] ?? 0) + (stats.pingsSkipped['not-an-object'] ?? 0));
  }, 120_000);

  it('publishes byte-identical targets with identical reports from every corpus', async () => {
    // the golden input: the real pings, the hostile corpus with the hand-written lines, the synthetic dataset
    const inputs = await writeGoldenInput(dir);
    const demo = path.join(dir, 'demo.ndjson');
    const basePings = loadBasePings(DEFAULT_PINGS_DIR);
    await writeFile(demo, [...generateDemoPings({ count: 12, seed: 3, basePings })].map((p) => `${JSON.stringify(p)}\n`).join(''));
    const fuzzed = path.join(dir, 'fuzzed.ndjson');
    const lines = [...fuzzedPingLines(SEED + 1, 3000)];
    await writeFile(fuzzed, Buffer.concat(lines.flatMap((line) => [line, NEWLINE])));
    // JSON document inputs (json-document.ts) take JSON.parse with either parser: an array of
    // pings, a pretty-printed ping, and a "document" that does not parse, which is read as NDJSON
    // lines after all (the scanner's, then)
    const documentPings = [...generateDemoPings({ count: 4, seed: 5, basePings })];
    const array = path.join(dir, 'array.json');
    await writeFile(array, JSON.stringify(documentPings));
    const pretty = path.join(dir, 'pretty.json');
    await writeFile(pretty, JSON.stringify(documentPings[0], null, 2));
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, `${JSON.stringify(documentPings.slice(1), null, 1).slice(0, -3)}\n`);
    const documents = [array, pretty, broken];
    const built: Record<string, BuildGolden & { parsing: unknown }> = {};
    for (const parser of ['json', 'scan']) {
      const target = path.join(dir, `target-${parser}`);
      const {
        seconds: _s,
        target: _t,
        parsing,
        ...report
      } = await buildWithCli([...inputs, demo, fuzzed, ...documents], target, 1, ['--parser', parser]);
      built[parser] = { report, objects: await digestTarget(target), parsing };
    }
    const { json, scan } = built as Record<'json' | 'scan', BuildGolden & { parsing: unknown }>;
    expect(Object.keys(json.objects).length).toBeGreaterThan(3000);
    const changed = Object.keys(json.objects).filter((key) => JSON.stringify(json.objects[key]) !== JSON.stringify(scan.objects[key]));
    expect(changed).toEqual([]);
    expect(Object.keys(scan.objects)).toEqual(Object.keys(json.objects));
    expect(scan.report).toEqual(json.report);
    // the corpora reach the aggregation's own limits (names, labels, sums, counts)
    const metrics = json.report.metrics as { skipped: Record<string, number>; rowsClamped: number };
    for (const reason of ['name-too-long', 'label-too-long', 'sum-overflow', 'non-printable-name', 'nul-in-label']) {
      expect(metrics.skipped[reason] ?? 0, reason).toBeGreaterThan(0);
    }
    expect(metrics.rowsClamped).toBeGreaterThan(0);
    const read = (json.report.pings as { read: number }).read;
    expect(json.parsing).toEqual({ scanned: 0, jsonParsed: read, fallbackReasons: {} });
    // the scanner reads every line that is a JSON object; exactly the others go to JSON.parse
    const scanParsing = scan.parsing as { scanned: number; jsonParsed: number };
    const skipped = json.report.pings as { skipped: Record<string, number> };
    expect(scanParsing.scanned + scanParsing.jsonParsed).toBe(read);
    const fromDocuments = documentPings.length + 1;
    expect(scan.parsing).toMatchObject({ fallbackReasons: { 'json-document': fromDocuments } });
    expect(scanParsing.jsonParsed).toBe((skipped.skipped['invalid-json'] ?? 0) + (skipped.skipped['not-an-object'] ?? 0) + fromDocuments);
  }, 240_000);
});
