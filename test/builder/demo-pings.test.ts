import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FENNEC_SHARE, generateDemoPings, MAX_BUILD_AGE_DAYS } from '../../builder/src/demo/generate-demo-pings';
import { loadBasePings } from '../../builder/src/demo/load-base-pings';
import { writeDemoInput } from '../../builder/src/demo/write-demo-input';

const PINGS_DIR = fileURLToPath(new URL('../fixtures/pings', import.meta.url));
const VERSIONS_BY_CHANNEL: Record<string, readonly string[]> = {
  nightly: ['54.0a1', '55.0a1'],
  aurora: ['53.0a2', '52.0a2'],
  beta: ['52.0', '51.0'],
  release: ['51.0.1', '50.1.0'],
};
const OS_VERSIONS: Record<string, RegExp> = {
  Windows_NT: /^(6\.1|10\.0)$/,
  Darwin: /^16\.4\.0$/,
  Linux: /^4\.4\.0-\d+-generic$/,
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(root: unknown, ...path: string[]): JsonObject {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) throw new Error(`${path.join('.')}: ${key} has no object parent`);
    node = node[key];
  }
  if (!isObject(node)) throw new Error(`${path.join('.')} is not an object`);
  return node;
}

function stringAt(root: unknown, ...path: string[]): string {
  const key = path[path.length - 1] ?? '';
  const value = objectAt(root, ...path.slice(0, -1))[key];
  if (typeof value !== 'string') throw new Error(`${path.join('.')} is not a string: ${String(value)}`);
  return value;
}

function dayNumber(yyyymmdd: string): number {
  return Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;
}

function toNdjson(pings: Iterable<Record<string, unknown>>): string {
  let text = '';
  for (const ping of pings) text += `${JSON.stringify(ping)}\n`;
  return text;
}

/** Every histogram of a ping, from payload, processes.* and childPayloads. */
function* histogramsOf(ping: JsonObject): Generator<JsonObject> {
  const payload = ping.payload;
  if (!isObject(payload)) return;
  const containers: unknown[] = [payload];
  if (isObject(payload.processes)) containers.push(...Object.values(payload.processes));
  if (Array.isArray(payload.childPayloads)) containers.push(...payload.childPayloads);
  for (const container of containers) {
    if (!isObject(container)) continue;
    if (isObject(container.histograms)) {
      for (const h of Object.values(container.histograms)) if (isObject(h)) yield h;
    }
    if (isObject(container.keyedHistograms)) {
      for (const byKey of Object.values(container.keyedHistograms)) {
        if (isObject(byKey)) for (const h of Object.values(byKey)) if (isObject(h)) yield h;
      }
    }
  }
}

interface PingSummary {
  submissionDate: string;
  sampleId: unknown;
  channel: string;
  version: string;
  buildId: string;
  name: string;
  architecture: string;
  osName: string;
  osVersion: string;
  e10sEnabled: unknown;
  hasE10sKey: boolean;
  clientId: unknown;
  hasChildProcesses: boolean;
  hasChildPayloads: boolean;
  badHistograms: number;
}

function summarize(ping: JsonObject): PingSummary {
  const settings = objectAt(ping, 'environment', 'settings');
  const payload = isObject(ping.payload) ? ping.payload : {};
  const processes = isObject(payload.processes) ? payload.processes : {};
  let badHistograms = 0;
  for (const h of histogramsOf(ping)) {
    const counts = isObject(h.values) ? Object.values(h.values) : [];
    const wellFormed =
      typeof h.sum === 'number' &&
      Number.isInteger(h.sum) &&
      h.sum >= 0 &&
      counts.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 0);
    if (!wellFormed) badHistograms++;
  }
  return {
    submissionDate: stringAt(ping, 'meta', 'submissionDate'),
    sampleId: objectAt(ping, 'meta').sampleId,
    channel: stringAt(ping, 'application', 'channel'),
    version: stringAt(ping, 'application', 'version'),
    buildId: stringAt(ping, 'application', 'buildId'),
    name: stringAt(ping, 'application', 'name'),
    architecture: stringAt(ping, 'application', 'architecture'),
    osName: stringAt(ping, 'environment', 'system', 'os', 'name'),
    osVersion: stringAt(ping, 'environment', 'system', 'os', 'version'),
    e10sEnabled: settings.e10sEnabled,
    hasE10sKey: 'e10sEnabled' in settings,
    clientId: ping.clientId,
    hasChildProcesses: isObject(processes.content) && isObject(processes.gpu),
    hasChildPayloads: Array.isArray(payload.childPayloads) && payload.childPayloads.length > 0,
    badHistograms,
  };
}

let basePings: unknown[];
let summaries: PingSummary[];
const SAMPLE_SIZE = 1000;

beforeAll(() => {
  basePings = loadBasePings(PINGS_DIR);
  summaries = Array.from(generateDemoPings({ count: SAMPLE_SIZE, seed: 2024, basePings }), summarize);
});

describe('loadBasePings', () => {
  it('reads the *.json files directly in the directory, sorted by name', () => {
    expect(basePings).toHaveLength(5); // edge-cases/ is a subdirectory and is skipped
    const applications = basePings.map((ping) => stringAt(ping, 'application', 'version'));
    expect(applications).toEqual(['45.0', '48.0a1', '54.0a1', '54.0a1', '60.0a1']);
  });
});

describe('generateDemoPings determinism', () => {
  it('gives byte-identical NDJSON for the same seed and different NDJSON for another seed', () => {
    const first = toNdjson(generateDemoPings({ count: 30, seed: 7, basePings }));
    const again = toNdjson(generateDemoPings({ count: 30, seed: 7, basePings }));
    const other = toNdjson(generateDemoPings({ count: 30, seed: 8, basePings }));
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(first.split('\n')).toHaveLength(31);
  });

  it('does not mutate the base pings', () => {
    const before = JSON.stringify(basePings);
    for (const ping of generateDemoPings({ count: 20, seed: 3, basePings })) void ping;
    expect(JSON.stringify(basePings)).toBe(before);
  });

  it('yields independent objects', () => {
    const [a, b] = Array.from(generateDemoPings({ count: 2, seed: 5, basePings: [{ payload: { x: { y: 1 } } }] }));
    expect(a?.payload).not.toBe(b?.payload);
  });
});

describe('generated fields', () => {
  it('are all present and well typed', () => {
    for (const s of summaries) {
      expect(s.submissionDate).toMatch(/^\d{8}$/);
      expect(Number.isInteger(s.sampleId) && (s.sampleId as number) >= 0 && (s.sampleId as number) <= 99).toBe(true);
      expect(VERSIONS_BY_CHANNEL[s.channel]).toContain(s.version);
      expect(s.buildId).toMatch(/^\d{14}$/);
      expect(['Firefox', 'Fennec']).toContain(s.name);
      expect(['x86', 'x86-64']).toContain(s.architecture);
      expect(s.osVersion).toMatch(OS_VERSIONS[s.osName] ?? /^$/);
      if (s.hasE10sKey) expect(typeof s.e10sEnabled).toBe('boolean');
      expect(s.clientId).toMatch(UUID);
      expect(s.badHistograms).toBe(0);
    }
  });

  it('creates meta, application, environment.system.os and environment.settings when missing', () => {
    const [ping] = Array.from(generateDemoPings({ count: 1, basePings: [{ payload: {} }] }));
    expect(ping).toBeDefined();
    const summary = summarize(ping as JsonObject);
    expect(summary.submissionDate).toMatch(/^\d{8}$/);
    expect(objectAt(ping, 'environment', 'settings')).toBeTypeOf('object');
  });

  it('spreads submission dates over the window and builds up to MAX_BUILD_AGE_DAYS before them', () => {
    const first = dayNumber('20170115');
    const days = new Set<string>();
    for (const s of summaries) {
      const submitted = dayNumber(s.submissionDate);
      const built = dayNumber(s.buildId.slice(0, 8));
      expect(submitted).toBeGreaterThanOrEqual(first);
      expect(submitted).toBeLessThan(first + 14);
      expect(built).toBeLessThanOrEqual(submitted);
      expect(submitted - built).toBeLessThanOrEqual(MAX_BUILD_AGE_DAYS);
      days.add(s.submissionDate);
    }
    expect(days.size).toBe(14);
  });

  it('honours startDate and days across a year boundary', () => {
    const dates = new Set<string>();
    for (const ping of generateDemoPings({ count: 200, seed: 9, basePings, startDate: '20161230', days: 4 })) {
      dates.add(stringAt(ping, 'meta', 'submissionDate'));
    }
    expect([...dates].sort()).toEqual(['20161230', '20161231', '20170101', '20170102']);
  });

  it('covers the channels (nightly most), both architectures, all OSes and a little Fennec', () => {
    const byChannel = new Map<string, number>();
    for (const s of summaries) byChannel.set(s.channel, (byChannel.get(s.channel) ?? 0) + 1);
    expect(byChannel.size).toBeGreaterThanOrEqual(3);
    const nightly = byChannel.get('nightly') ?? 0;
    for (const [channel, n] of byChannel) if (channel !== 'nightly') expect(n).toBeLessThan(nightly);

    const fennecShare = summaries.filter((s) => s.name === 'Fennec').length / SAMPLE_SIZE;
    expect(fennecShare).toBeGreaterThan(0);
    expect(fennecShare).toBeLessThan(Math.max(0.08, FENNEC_SHARE * 2));

    expect(new Set(summaries.map((s) => s.architecture)).size).toBe(2);
    expect(new Set(summaries.map((s) => `${s.osName} ${s.osVersion.slice(0, 3)}`))).toEqual(
      new Set(['Windows_NT 6.1', 'Windows_NT 10.', 'Darwin 16.', 'Linux 4.4']),
    );
    expect(new Set(summaries.map((s) => s.e10sEnabled))).toEqual(new Set([true, false, undefined]));
    expect(new Set(summaries.map((s) => s.clientId)).size).toBe(SAMPLE_SIZE);
  });

  it('keeps child-process data in a good share of pings', () => {
    expect(summaries.filter((s) => s.hasChildProcesses).length / SAMPLE_SIZE).toBeGreaterThan(0.4);
    expect(summaries.filter((s) => s.hasChildPayloads).length / SAMPLE_SIZE).toBeGreaterThan(0.4);
  });
});

describe('measurement scaling', () => {
  const base = {
    payload: {
      histograms: {
        EXP: { histogram_type: 0, sum: 1000, values: { '0': 0, '10': 20, '100': 8 } },
        COUNT: { histogram_type: 4, sum: 17, values: { '0': 17, '1': 0 } },
        BOOL: { histogram_type: 2, sum: 3, values: { '0': 5, '1': 3, '2': 0 } },
        FLAG: { histogram_type: 3, sum: 0, values: { '0': 1, '1': 0 } },
      },
      simpleMeasurements: { uptime: 42, addonManager: { XPIDB_parseDB_MS: 7 }, flag: true },
      processes: { parent: { scalars: { count: 9, text: 'x' }, keyedScalars: { k: { a: 4 } } } },
    },
  };

  it('scales counts and sums within [0.5, 2], keeps integers and structural invariants', () => {
    let sawChange = false;
    for (const ping of generateDemoPings({ count: 100, seed: 11, basePings: [base] })) {
      const h = objectAt(ping, 'payload', 'histograms');
      const exp = objectAt(h, 'EXP');
      const expValues = objectAt(exp, 'values');
      expect(expValues['0']).toBe(0);
      for (const [original, value] of [
        [20, expValues['10']],
        [8, expValues['100']],
        [1000, exp.sum],
      ] as const) {
        expect(Number.isInteger(value)).toBe(true);
        expect(value as number).toBeGreaterThanOrEqual(Math.floor(original / 2));
        expect(value as number).toBeLessThanOrEqual(original * 2);
        if (value !== original) sawChange = true;
      }
      const count = objectAt(h, 'COUNT');
      expect(count.sum).toBe(objectAt(count, 'values')['0']);
      const bool = objectAt(h, 'BOOL');
      expect(bool.sum).toBe(objectAt(bool, 'values')['1']);
      expect(objectAt(h, 'FLAG')).toEqual(base.payload.histograms.FLAG);
      const simple = objectAt(ping, 'payload', 'simpleMeasurements');
      expect(simple.flag).toBe(true);
      expect(Number.isInteger(simple.uptime) && (simple.uptime as number) >= 21).toBe(true);
      expect(objectAt(simple, 'addonManager').XPIDB_parseDB_MS).toBeGreaterThanOrEqual(4);
      expect(objectAt(ping, 'payload', 'processes', 'parent', 'scalars').text).toBe('x');
      expect(objectAt(ping, 'payload', 'processes', 'parent', 'keyedScalars', 'k').a).toBeGreaterThanOrEqual(2);
    }
    expect(sawChange).toBe(true);
  });
});

describe('option validation', () => {
  it('rejects bad options eagerly', () => {
    expect(() => generateDemoPings({ count: -1, basePings })).toThrow(RangeError);
    expect(() => generateDemoPings({ count: 1, basePings, startDate: '20170230' })).toThrow(RangeError);
    expect(() => generateDemoPings({ count: 1, basePings, days: 0 })).toThrow(RangeError);
    expect(() => generateDemoPings({ count: 1, basePings: [] })).toThrow(RangeError);
    expect(() => generateDemoPings({ count: 1, basePings: [[1]] })).toThrow(TypeError);
    expect(Array.from(generateDemoPings({ count: 0, basePings: [] }))).toEqual([]);
  });
});

describe('writeDemoInput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes identical gzip NDJSON for the same seed', async () => {
    const a = await writeDemoInput({ out: join(dir, 'a', 'demo.ndjson.gz'), count: 12, seed: 4, pingsDir: PINGS_DIR });
    const b = await writeDemoInput({ out: join(dir, 'b.ndjson.gz'), count: 12, seed: 4 });
    expect(a.pings).toBe(12);
    expect(a.compressedBytes).toBe(b.compressedBytes);
    const bytes = readFileSync(a.out);
    expect(bytes.equals(readFileSync(b.out))).toBe(true);
    const text = gunzipSync(bytes).toString('utf8');
    expect(text.length).toBe(a.uncompressedBytes);
    expect(text).toBe(toNdjson(generateDemoPings({ count: 12, seed: 4, basePings })));
  });

  it('writes the same NDJSON uncompressed when the name does not end in .gz', async () => {
    const plain = await writeDemoInput({ out: join(dir, 'plain.ndjson'), count: 12, seed: 4 });
    const text = readFileSync(plain.out, 'utf8');
    expect(text).toBe(toNdjson(generateDemoPings({ count: 12, seed: 4, basePings })));
    expect(plain.compressedBytes).toBe(plain.uncompressedBytes);
  });
});
