/**
 * The real Firefox pings of test/fixtures/pings through the builder CLI, into a `dir:` target and
 * a `local` (Miniflare R2) target, decoded back and compared with expectations computed here,
 * straight from the ping JSON, builder/data/golden-buckets.json (made with the real
 * python_moztelemetry), the raw Histograms.json and Scalars.yaml — no builder helper involved.
 *
 * Only main-ff54-nightly-win-a.json and -b.json carry the `meta` the aggregator needs; the other
 * pings lack meta.sampleId and must be skipped as 'bad-sample-id'.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ShardContent } from '../../worker/src/core/shard';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import type { GoldenHistogram } from '../helpers/reference-buckets';
import {
  denseOf,
  exponentialBuckets,
  goldenLayout,
  labelIndex,
  linearBuckets,
  loadGolden,
  rawHistogramDefinitions,
} from '../helpers/reference-buckets';
import { runCli } from '../helpers/run-cli';

const PINGS_DIR = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));
const WITH_META = ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'];
const WITHOUT_META = ['main-ff45-beta-mac.json', 'main-ff48-nightly-mac.json', 'main-ff60-nightly-mac-gc.json'];
const PRINTABLE = /^[A-Za-z0-9_\-[\].]*$/;
const EXCLUDED_KEYED = new Set(['MESSAGE_MANAGER_MESSAGE_SIZE', 'VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION']);
const PROCESSES = ['parent', 'content', 'gpu'] as const;
type Process = (typeof PROCESSES)[number];
type Prefix = 'build_id' | 'submission_date';
type Json = Record<string, unknown>;

const golden = loadGolden();

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python's isinstance(v, (int, float)): booleans count. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'boolean') return Number(value);
  return typeof value === 'number' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Expectations from the ping JSON

interface Dimensions {
  submissionDate: string;
  buildDate: string;
  channel: string;
  version: string;
  application: string;
  architecture: string;
  os: string;
  osVersion: string;
  e10sEnabled: string;
}

function dimensionsOf(ping: Json): Dimensions {
  const meta = ping.meta as Json;
  const application = ping.application as Json;
  const environment = ping.environment as Json;
  const os = (environment.system as Json).os as Json;
  const e10s = (environment.settings as Json | undefined)?.e10sEnabled;
  return {
    submissionDate: meta.submissionDate as string,
    buildDate: (application.buildId as string).slice(0, 8),
    channel: application.channel as string,
    version: (application.version as string).split('.')[0] as string,
    application: application.name as string,
    architecture: application.architecture as string,
    os: os.name as string,
    osVersion: os.name === 'Linux' ? String(os.version).slice(0, 3) : (os.version as string),
    e10sEnabled: typeof e10s === 'boolean' ? String(e10s) : '',
  };
}

interface ExpectedRow {
  prefix: Prefix;
  channel: string;
  version: string;
  metric: string;
  date: string;
  application: string;
  architecture: string;
  os: string;
  osVersion: string;
  e10sEnabled: string;
  child: Process;
  label: string;
  histogram: number[];
  sum: number;
  count: number;
}

class Expectations {
  readonly rows = new Map<string, ExpectedRow>();

  constructor(readonly pings: Json[]) {
    for (const ping of pings) this.addPing(ping);
    for (const row of this.rows.values()) row.sum = Math.trunc(row.sum);
  }

  private dims!: Dimensions;

  private addPing(ping: Json): void {
    this.dims = dimensionsOf(ping);
    const payload = ping.payload as Json;
    const processes = (payload.processes ?? {}) as Json;
    this.histograms(payload, 'parent');
    this.simpleMeasures(payload.simpleMeasurements, 'parent');
    for (const child of (payload.childPayloads ?? []) as Json[]) {
      this.histograms(child, 'content');
      this.simpleMeasures(child.simpleMeasurements, 'content');
    }
    if (isObject(processes.content)) this.histograms(processes.content, 'content');
    if (isObject(processes.gpu)) this.histograms(processes.gpu, 'gpu');
    for (const process of PROCESSES) {
      const source = processes[process];
      if (!isObject(source)) continue;
      for (const [name, value] of Object.entries((source.scalars ?? {}) as Json)) this.scalar(name, '', value, process);
      for (const [name, byKey] of Object.entries((source.keyedScalars ?? {}) as Json)) {
        for (const [key, value] of Object.entries(byKey as Json)) this.scalar(name, key.toUpperCase(), value, process);
      }
    }
  }

  private histograms(source: Json, process: Process): void {
    for (const [name, histogram] of Object.entries((source.histograms ?? {}) as Json)) this.histogram(name, '', histogram, process);
    for (const [name, byKey] of Object.entries((source.keyedHistograms ?? {}) as Json)) {
      if (EXCLUDED_KEYED.has(name)) continue;
      for (const [key, histogram] of Object.entries(byKey as Json)) this.histogram(name, key, histogram, process);
    }
  }

  private histogram(name: string, label: string, histogram: unknown, process: Process): void {
    if (!isObject(histogram) || !isObject(histogram.values)) return;
    const { sum, histogram_type: type } = histogram;
    if (typeof sum !== 'number' || !Number.isInteger(sum) || sum < 0 || typeof type !== 'number') return;
    if (type === 4) {
      this.value(`[[COUNT]]_${name}`, label, sum, process, golden.count_histogram_labels);
      return;
    }
    const entry = golden.histograms[name];
    if (!entry) return; // only histograms whose buckets golden-buckets.json pins down
    const cells = denseOf(goldenLayout(entry), histogram.values);
    this.add(name, label, process, cells, sum);
  }

  private scalar(name: string, label: string, value: unknown, process: Process): void {
    const number = asNumber(value);
    if (number === undefined || name.startsWith('browser.engagement.navigation')) return;
    this.value(`SCALARS_${name.toUpperCase()}`, label, number, process, golden.count_histogram_labels);
  }

  private simpleMeasures(simple: unknown, process: Process): void {
    if (!isObject(simple)) return;
    for (const [name, value] of Object.entries(simple)) {
      if (isObject(value)) {
        for (const [sub, subValue] of Object.entries(value)) {
          const number = asNumber(subValue);
          if (number !== undefined)
            this.value(`SIMPLE_MEASURES_${name.toUpperCase()}_${sub.toUpperCase()}`, '', number, process, golden.simple_measures_labels);
        }
      } else {
        const number = asNumber(value);
        if (number !== undefined) this.value(`SIMPLE_MEASURES_${name.toUpperCase()}`, '', number, process, golden.simple_measures_labels);
      }
    }
  }

  private value(metric: string, label: string, value: number, process: Process, labels: number[]): void {
    if (value < 0) return;
    const cells = new Array<number>(labels.length).fill(0);
    cells[labelIndex(labels, value)] = 1;
    this.add(metric, label, process, cells, value);
  }

  private add(metric: string, label: string, child: Process, cells: number[], sum: number): void {
    if (!PRINTABLE.test(metric)) return;
    const d = this.dims;
    for (const prefix of ['build_id', 'submission_date'] as const) {
      const date = prefix === 'build_id' ? d.buildDate : d.submissionDate;
      const row = {
        prefix,
        channel: d.channel,
        version: d.version,
        metric,
        date,
        application: d.application,
        architecture: d.architecture,
        os: d.os,
        osVersion: d.osVersion,
        e10sEnabled: d.e10sEnabled,
        child,
        label,
      };
      const key = expectedKey(row);
      const existing = this.rows.get(key);
      if (existing) {
        existing.histogram = existing.histogram.map((v, i) => v + (cells[i] ?? 0));
        existing.sum += sum;
        existing.count += 1;
      } else {
        this.rows.set(key, { ...row, histogram: cells.slice(), sum, count: 1 });
      }
    }
  }

  /** Stored metrics whose every row these expectations describe. */
  covers(metric: string): boolean {
    return (
      metric.startsWith('[[COUNT]]_') ||
      metric.startsWith('SCALARS_') ||
      metric.startsWith('SIMPLE_MEASURES_') ||
      golden.histograms[metric] !== undefined
    );
  }
}

function expectedKey(row: Omit<ExpectedRow, 'histogram' | 'sum' | 'count'>): string {
  return [
    row.prefix,
    row.channel,
    row.version,
    row.metric,
    row.date,
    row.application,
    row.architecture,
    row.os,
    row.osVersion,
    row.e10sEnabled,
    row.child,
    row.label,
  ].join('\u0001');
}

// ---------------------------------------------------------------------------------------------
// Building and reading back

let tmp: string;
let pings: Record<string, Json>;
let expectations: Expectations;
const exitCodes: number[] = [];
let report: {
  inputs: number;
  pings: { read: number; accepted: number; skipped: Record<string, number> };
  shards: { written: number; alreadyPublished: number };
  bytesWritten: number;
  indexObjectsWritten: number;
};
let dirObjects: Map<string, Uint8Array>;
let r2Objects: Map<string, Uint8Array>;
/** Decoded shards of the dir target by key. */
const shards = new Map<string, ShardContent>();

async function walk(root: string, dir = root, out = new Map<string, Uint8Array>()): Promise<Map<string, Uint8Array>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else out.set(path.relative(root, full).split(path.sep).join('/'), new Uint8Array(await readFile(full)));
  }
  return out;
}

/** Lists the bucket and sends every object back in one body: u32 header length, JSON [[key, size]], bodies. */
const DUMP_SCRIPT = `export default {
  async fetch(request, env) {
    const entries = [];
    const bodies = [];
    let cursor;
    do {
      const page = await env.B.list({ cursor });
      for (const { key } of page.objects) {
        const body = new Uint8Array(await (await env.B.get(key)).arrayBuffer());
        entries.push([key, body.byteLength]);
        bodies.push(body);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    const header = new TextEncoder().encode(JSON.stringify(entries));
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, header.byteLength);
    return new Response(new Blob([length, header, ...bodies]));
  },
};`;

/**
 * Every object of the local R2 bucket, through a fresh Miniflare on the same persistence folder
 * (Miniflare's getR2Bucket() proxy takes seconds to list a thousand objects, so the listing and
 * the bodies come from a tiny worker bound to the same bucket; one object is cross-checked
 * through getR2Bucket()).
 */
async function readR2(persistTo: string): Promise<Map<string, Uint8Array>> {
  const miniflare = new Miniflare({
    modules: true,
    script: DUMP_SCRIPT,
    r2Buckets: { B: 'telemetry-aggregates' },
    r2Persist: path.join(persistTo, 'v3', 'r2'),
  });
  try {
    const dump = new Uint8Array(await (await miniflare.dispatchFetch('http://r2.test/')).arrayBuffer());
    const headerLength = new DataView(dump.buffer, dump.byteOffset).getUint32(0);
    const entries = JSON.parse(new TextDecoder().decode(dump.subarray(4, 4 + headerLength))) as [string, number][];
    const out = new Map<string, Uint8Array>();
    let offset = 4 + headerLength;
    for (const [key, size] of entries) {
      out.set(key, dump.slice(offset, offset + size));
      offset += size;
    }
    expect(offset).toBe(dump.byteLength);
    const bucket = await miniflare.getR2Bucket('B');
    const probe = entries.find(([key]) => key.endsWith('/GC_MS'))?.[0] as string;
    const object = await bucket.get(probe);
    expect(Buffer.from(await (object as NonNullable<typeof object>).arrayBuffer()).equals(Buffer.from(out.get(probe) as Uint8Array))).toBe(
      true,
    );
    return out;
  } finally {
    await miniflare.dispose();
  }
}

function json<T>(key: string): T {
  const bytes = dirObjects.get(key);
  expect(bytes, key).toBeDefined();
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'real-pings-'));
  pings = {};
  for (const file of [...WITH_META, ...WITHOUT_META]) pings[file] = JSON.parse(await readFile(path.join(PINGS_DIR, file), 'utf8')) as Json;
  const input = path.join(tmp, 'pings.ndjson');
  await writeFile(
    input,
    `${Object.values(pings)
      .map((p) => JSON.stringify(p))
      .join('\n')}\n`,
  );
  expectations = new Expectations(WITH_META.map((file) => pings[file] as Json));

  const reportFile = path.join(tmp, 'report.json');
  // Both builds at once: the local one mostly waits on workerd.
  const runs = await Promise.all([
    runCli(['build', '--input', input, '--target', `dir:${path.join(tmp, 'out')}`, '--report', reportFile, '--quiet']),
    runCli(['build', '--input', input, '--target', 'local', '--persist-to', path.join(tmp, 'state'), '--quiet']),
  ]);
  exitCodes.push(...runs.map((run) => run.code));
  report = JSON.parse(await readFile(reportFile, 'utf8')) as typeof report;
  dirObjects = await walk(path.join(tmp, 'out'));
  r2Objects = await readR2(path.join(tmp, 'state'));
  for (const [key, bytes] of dirObjects) if (!key.endsWith('.json')) shards.set(key, decodeShardContent(bytes));
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function shardKeyOf(prefix: Prefix, channel: string, version: string, date: string, metric: string): string {
  return `v1/${prefix}/${channel}/${version}/${date.slice(0, 6)}/${metric}`;
}

function actualRow(row: ExpectedRow) {
  const shard = shards.get(shardKeyOf(row.prefix, row.channel, row.version, row.date, row.metric));
  return shard?.rows.find(
    (r) =>
      r.date === row.date &&
      r.application === row.application &&
      r.architecture === row.architecture &&
      r.os === row.os &&
      r.osVersion === row.osVersion &&
      r.e10sEnabled === row.e10sEnabled &&
      r.child === row.child &&
      r.label === row.label,
  );
}

function expectedRowsWhere(predicate: (row: ExpectedRow) => boolean): ExpectedRow[] {
  return [...expectations.rows.values()].filter(predicate);
}

function checkRows(rows: ExpectedRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const actual = actualRow(row);
    const where = `${row.prefix} ${row.metric} [${row.label}] ${row.child}`;
    expect(actual, where).toBeDefined();
    expect({ histogram: actual?.histogram, sum: actual?.sum, count: actual?.count }, where).toEqual({
      histogram: row.histogram,
      sum: row.sum,
      count: row.count,
    });
  }
}

// ---------------------------------------------------------------------------------------------

describe('the build', () => {
  it('exits 0 for both targets and reports the pings read, accepted and skipped', () => {
    expect(exitCodes).toEqual([0, 0]);
    expect(report.inputs).toBe(1);
    expect(report.pings.read).toBe(WITH_META.length + WITHOUT_META.length);
    expect(report.pings.accepted).toBe(WITH_META.length);
    expect(report.pings.skipped).toEqual({ 'bad-sample-id': WITHOUT_META.length });
    for (const file of WITHOUT_META) expect((pings[file] as Json).meta, file).toBeUndefined();
    expect(report.shards.written).toBe(shards.size);
    expect(report.shards.alreadyPublished).toBe(0);
    const total = [...dirObjects.values()].reduce((n, bytes) => n + bytes.byteLength, 0);
    expect(report.bytesWritten).toBe(total);
  });

  it('both targets hold the same keys with byte-identical objects', () => {
    expect(dirObjects.size).toBeGreaterThan(100);
    expect([...r2Objects.keys()].sort()).toEqual([...dirObjects.keys()].sort());
    for (const [key, bytes] of dirObjects) expect(Buffer.from(r2Objects.get(key) as Uint8Array).equals(Buffer.from(bytes)), key).toBe(true);
  });

  it('the two pings with meta have the same dimensions, so their rows add up', () => {
    const [a, b] = WITH_META.map((file) => dimensionsOf(pings[file] as Json));
    expect(a).toEqual(b);
    expect(a).toEqual({
      submissionDate: '20170130',
      buildDate: '20170130',
      channel: 'nightly',
      version: '54',
      application: 'Firefox',
      architecture: 'x86-64',
      os: 'Windows_NT',
      osVersion: '10.0',
      e10sEnabled: 'true',
    });
  });
});

describe('shard contents against the ping JSON', () => {
  it('GC_MS (parent) is the sum of both pings, laid over the golden buckets', () => {
    const [a, b] = WITH_META.map((file) => ((pings[file] as Json).payload as Json).histograms as Json);
    const ha = a?.GC_MS as Json;
    const hb = b?.GC_MS as Json;
    const layout = goldenLayout(golden.histograms.GC_MS as GoldenHistogram);
    const sum = denseOf(layout, ha.values as Json).map((v, i) => v + (denseOf(layout, hb.values as Json)[i] as number));
    // The test-side layout agrees with the dense fill the real python_moztelemetry made of ping a.
    const fill = golden.fill_examples.find((e) => e.name === 'GC_MS' && e.ping.endsWith(WITH_META[0] as string));
    expect(denseOf(layout, ha.values as Json)).toEqual(fill?.dense_values);
    for (const prefix of ['build_id', 'submission_date'] as const) {
      const shard = shards.get(`v1/${prefix}/nightly/54/201701/GC_MS`);
      const parent = shard?.rows.filter((r) => r.child === 'parent');
      expect(parent).toHaveLength(1);
      expect(parent?.[0]).toMatchObject({ date: '20170130', histogram: sum, sum: (ha.sum as number) + (hb.sum as number), count: 2 });
    }
  });

  it('every golden histogram of payload.histograms: parent rows equal the summed pings', () => {
    const names = new Set<string>();
    for (const file of WITH_META) {
      for (const [name, h] of Object.entries(((pings[file] as Json).payload as Json).histograms as Json)) {
        if (golden.histograms[name] && (h as Json).histogram_type !== 4) names.add(name);
      }
    }
    expect(names.size).toBeGreaterThanOrEqual(10);
    const rows = expectedRowsWhere((r) => names.has(r.metric) && r.child === 'parent' && r.label === '');
    expect(rows).toHaveLength(names.size * 2);
    checkRows(rows);
    // A categorical histogram sent as linear (type 1) still lands on labels plus spill.
    const categorical = rows.find((r) => r.metric === 'FX_PREFERENCES_CATEGORY_OPENED');
    expect(categorical?.histogram).toHaveLength((golden.histograms.FX_PREFERENCES_CATEGORY_OPENED?.definition.labels?.length ?? 0) + 1);
  });

  it('content (processes.content + childPayloads) and gpu histograms, keyed ones included', () => {
    const content = expectedRowsWhere((r) => r.child === 'content' && golden.histograms[r.metric] !== undefined);
    const gpu = expectedRowsWhere((r) => r.child === 'gpu' && golden.histograms[r.metric] !== undefined);
    expect(new Set(content.map((r) => r.metric))).toContain('GC_MS');
    expect(new Set(content.map((r) => r.metric))).toContain('USE_COUNTER2_PROPERTY_FILL_PAGE');
    expect(content.some((r) => r.metric === 'CONTENT_LARGE_PAINT_PHASE_WEIGHT' && r.label !== '')).toBe(true);
    expect(new Set(gpu.map((r) => r.metric))).toContain('COMPOSITE_TIME');
    checkRows(content);
    checkRows(gpu);
    // content GC_MS counts both pings' processes.content (no childPayload has histograms here)
    expect(actualRow(content.find((r) => r.metric === 'GC_MS' && r.prefix === 'build_id') as ExpectedRow)?.count).toBe(2);
  });

  it('numeric scalars, bucketed by the count labels', () => {
    const rows = expectedRowsWhere((r) => r.metric.startsWith('SCALARS_'));
    expect(new Set(rows.map((r) => r.metric))).toContain('SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT');
    checkRows(rows);
    const tabs = actualRow(rows.find((r) => r.metric === 'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT') as ExpectedRow);
    // a: 3, b: 5 -> labels 3 and 5 (indexes 3 and 5 of the count labels)
    expect(tabs).toMatchObject({ sum: 8, count: 2 });
    expect(tabs?.histogram[3]).toBe(1);
    expect(tabs?.histogram[5]).toBe(1);
  });

  it('simple measurements, parent and childPayloads, bucketed by the simple-measure labels', () => {
    const rows = expectedRowsWhere((r) => r.metric.startsWith('SIMPLE_MEASURES_'));
    expect(rows.some((r) => r.child === 'content')).toBe(true);
    checkRows(rows);
    // uptime of the 3 + 1 child payloads
    const uptime = rows.find((r) => r.metric === 'SIMPLE_MEASURES_UPTIME' && r.child === 'content');
    expect(uptime?.count).toBe(4);
  });

  it('count histograms, as [[COUNT]]_ rows bucketed by their sum', () => {
    const rows = expectedRowsWhere((r) => r.metric.startsWith('[[COUNT]]_'));
    expect(new Set(rows.map((r) => r.child))).toEqual(new Set(['parent', 'content', 'gpu']));
    checkRows(rows);
    const events = actualRow(rows.find((r) => r.metric === '[[COUNT]]_CREATE_EVENT_EVENTS' && r.child === 'parent') as ExpectedRow);
    // a: 683, b: 1073
    expect(events).toMatchObject({ sum: 683 + 1073, count: 2 });
    expect(events?.histogram).toHaveLength(100);
  });

  it('covered shards hold exactly the expected rows, no more', () => {
    let covered = 0;
    for (const [key, shard] of shards) {
      if (!expectations.covers(shard.metric)) continue;
      covered += 1;
      const expectedHere = expectedRowsWhere((r) => shardKeyOf(r.prefix, r.channel, r.version, r.date, r.metric) === key);
      expect(shard.rows.length, key).toBe(expectedHere.length);
      expect(shard.submissions).toEqual(['20170130']);
    }
    expect(covered).toBeGreaterThan(50);
    // and every expected row has a shard
    for (const row of expectations.rows.values())
      expect(shards.has(shardKeyOf(row.prefix, row.channel, row.version, row.date, row.metric)), row.metric).toBe(true);
  });
});

describe('index objects', () => {
  const prefixes = ['build_id', 'submission_date'] as const;

  it('channels and dates (newest first)', () => {
    for (const prefix of prefixes) {
      expect(json<string[]>(`v1/${prefix}/channels.json`)).toEqual(['nightly']);
      expect(json<unknown>(`v1/${prefix}/nightly/dates.json`)).toEqual([{ date: '20170130', version: '54' }]);
    }
    expect([...dirObjects.keys()].filter((k) => k.endsWith('dates.json')).sort()).toEqual([
      'v1/build_id/nightly/dates.json',
      'v1/submission_date/nightly/dates.json',
    ]);
  });

  it('filters list every stored metric and the pings dimension values', () => {
    const stored = [...new Set([...shards.values()].map((s) => s.metric))].sort();
    expect(json<unknown>('v1/meta/nightly/54/filters.json')).toEqual({
      metric: stored,
      application: ['Firefox'],
      architecture: ['x86-64'],
      os: ['Windows_NT,10.0'],
      child: ['content', 'gpu', 'parent'],
      e10sEnabled: ['true'],
    });
  });

  it('metric metadata: kind, buckets and description from the definitions', () => {
    type Spec = { exponential?: number[]; linear?: number[]; list?: (number | string)[] };
    const metrics = json<{ metrics: Record<string, { kind: string; description: string; buckets: Spec }> }>(
      'v1/meta/nightly/54/metrics.json',
    ).metrics;
    const expand = (spec: Spec): (number | string)[] => {
      if (spec.exponential)
        return exponentialBuckets(spec.exponential[0] as number, spec.exponential[1] as number, spec.exponential[2] as number);
      if (spec.linear) return linearBuckets(spec.linear[0] as number, spec.linear[1] as number, spec.linear[2] as number);
      return spec.list as (number | string)[];
    };
    const definitions = rawHistogramDefinitions();
    const storedMetrics = new Set([...shards.values()].map((s) => s.metric));
    let checked = 0;
    for (const [name, entry] of Object.entries(golden.histograms)) {
      const storedName = entry.kind === 'count' ? `[[COUNT]]_${name}` : name;
      if (!storedMetrics.has(storedName)) continue;
      const info = metrics[name];
      expect(info, name).toBeDefined();
      expect(info?.kind, name).toBe(entry.kind);
      expect(expand(info?.buckets as Spec), name).toEqual(entry.service_buckets);
      expect(info?.description, name).toBe(definitions[name]?.description ?? '');
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(15);
    expect(Object.keys(metrics).filter((m) => m.startsWith('[[COUNT]]'))).toEqual([]);

    const uptime = metrics.SIMPLE_MEASURES_UPTIME;
    expect(uptime).toMatchObject({ kind: 'exponential', description: '' });
    expect(expand(uptime?.buckets as Spec)).toEqual(golden.simple_measures_labels);

    const scalarsYaml = parseYaml(readFileSyncText('Scalars.yaml')) as Record<string, Record<string, { description: string }>>;
    const tabs = metrics['SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT'];
    expect(tabs?.kind).toBe('exponential');
    expect(tabs?.description).toBe(scalarsYaml['browser.engagement']?.max_concurrent_tab_count?.description);
    expect(tabs?.description.length).toBeGreaterThan(0);
    expect(expand(tabs?.buckets as Spec)).toEqual(golden.count_histogram_labels);
    expect(Object.keys(metrics)).toEqual([...Object.keys(metrics)].sort());
  });

  it('manifests list every shard with the sha256 prefix of its stored bytes', () => {
    for (const prefix of prefixes) {
      const manifest = json<{ metrics: Record<string, Record<string, string>> }>(`v1/${prefix}/nightly/54/manifest.json`);
      const listed = new Map<string, string>();
      for (const [metric, periods] of Object.entries(manifest.metrics)) {
        for (const [period, revision] of Object.entries(periods)) listed.set(`v1/${prefix}/nightly/54/${period}/${metric}`, revision);
      }
      const stored = [...shards.keys()].filter((k) => k.startsWith(`v1/${prefix}/`));
      expect([...listed.keys()].sort()).toEqual(stored.sort());
      for (const key of stored) {
        const sha = createHash('sha256')
          .update(dirObjects.get(key) as Uint8Array)
          .digest('hex');
        expect(listed.get(key), key).toBe(sha.slice(0, 16));
      }
    }
  });
});

function readFileSyncText(file: string): string {
  return readFileSync(fileURLToPath(new URL(`../../builder/data/${file}`, import.meta.url)), 'utf8');
}
