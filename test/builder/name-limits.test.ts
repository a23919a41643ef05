/**
 * The longest names and labels the builder stores (MAX_METRIC_NAME_BYTES, MAX_LABEL_BYTES in
 * worker/src/core/metric-names.ts) make valid keys in every store: one CLI build of pings holding
 * a name of exactly the limit in each metric family, and labels of exactly the limit, publishes
 * the same objects to `dir:`, `local` (Miniflare R2) and `r2://` (a real S3 server); the names
 * and labels one byte longer are dropped and counted, never a failed write.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import { LocalR2Store } from '../../builder/src/publish/local-r2-store';
import type { ObjectStore } from '../../builder/src/publish/object-store';
import { S3Store } from '../../builder/src/publish/s3-store';
import { MAX_LABEL_BYTES, MAX_METRIC_NAME_BYTES } from '../../worker/src/core/metric-names';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import { shardKey } from '../../worker/src/core/storage-keys';
import { histogram, makePing } from '../helpers/pings';
import { runCli } from '../helpers/run-cli';
import type { S3Sandbox } from '../helpers/s3-sandbox';
import { S3RVER_CREDENTIALS, startS3Sandbox } from '../helpers/s3-sandbox';

const BUCKET = 'telemetry-aggregates';
const PREFIX = 'limits';

/** A name part that makes `prefix + part` exactly `bytes` long (ASCII). */
const filler = (prefix: string, bytes: number, letter: string) => letter.repeat(bytes - prefix.length);

// Stored names of exactly MAX_METRIC_NAME_BYTES in each family, and one byte longer.
const SCALAR = `a.${filler('SCALARS_A.', MAX_METRIC_NAME_BYTES, 'x')}`;
const SCALAR_TOO_LONG = `b.${filler('SCALARS_B.', MAX_METRIC_NAME_BYTES + 1, 'x')}`;
const SIMPLE = filler('SIMPLE_MEASURES_', MAX_METRIC_NAME_BYTES, 'u');
const COUNT = filler('[[COUNT]]_', MAX_METRIC_NAME_BYTES, 'C');
const USE_COUNTER = `USE_COUNTER2_${filler('USE_COUNTER2_', MAX_METRIC_NAME_BYTES - '_PAGE'.length, 'P')}_PAGE`;
const USE_COUNTER_TOO_LONG = `USE_COUNTER2_${filler('USE_COUNTER2_', MAX_METRIC_NAME_BYTES + 1 - '_PAGE'.length, 'Q')}_PAGE`;
// Labels of exactly MAX_LABEL_BYTES (one ASCII, one of 2-byte characters), and one byte longer.
const LABELS = ['k'.repeat(MAX_LABEL_BYTES), '\u00e9'.repeat(MAX_LABEL_BYTES / 2)];
const LABELS_TOO_LONG = ['l'.repeat(MAX_LABEL_BYTES + 1), `x${'\u00e9'.repeat(MAX_LABEL_BYTES / 2)}`];

const STORED = [
  `SCALARS_${SCALAR.toUpperCase()}`,
  `SIMPLE_MEASURES_${SIMPLE.toUpperCase()}`,
  `[[COUNT]]_${COUNT}`,
  USE_COUNTER,
  'SCALARS_K.LABELS',
  'TELEMETRY_TEST_KEYED_FLAG',
];

function pings(): string {
  const flag = histogram({ '1': 1 }, 1, 3);
  const keyed = Object.fromEntries([...LABELS, ...LABELS_TOO_LONG].map((label) => [label, flag]));
  const ping = makePing({
    histograms: { [COUNT]: histogram({ '0': 1 }, 3, 4), [USE_COUNTER]: flag, [USE_COUNTER_TOO_LONG]: flag },
    keyedHistograms: { TELEMETRY_TEST_KEYED_FLAG: keyed },
    simpleMeasurements: { [SIMPLE]: 5 },
    processes: {
      parent: {
        scalars: { [SCALAR]: 1, [SCALAR_TOO_LONG]: 1 },
        keyedScalars: { 'k.labels': Object.fromEntries([...LABELS, ...LABELS_TOO_LONG].map((label) => [label, 2])) },
      },
    },
  });
  return `${JSON.stringify(ping)}\n`;
}

let tmp: string;
let sandbox: S3Sandbox;
let input: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'name-limits-'));
  sandbox = await startS3Sandbox([BUCKET]);
  input = path.join(tmp, 'pings.ndjson');
  await writeFile(input, pings());
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface Target {
  name: string;
  args: () => string[];
  env?: () => Record<string, string>;
  open: () => Promise<ObjectStore>;
}

const TARGETS: Target[] = [
  { name: 'dir:', args: () => ['--target', `dir:${path.join(tmp, 'dir')}`], open: () => DirectoryStore.open(path.join(tmp, 'dir')) },
  {
    name: 'local',
    args: () => ['--target', 'local', '--persist-to', path.join(tmp, 'state')],
    open: () => LocalR2Store.open({ persistDir: path.join(tmp, 'state') }),
  },
  {
    name: 'r2://',
    args: () => ['--target', `r2://${BUCKET}/${PREFIX}`, '--endpoint', sandbox.endpoint],
    env: () => ({ R2_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, R2_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey }),
    open: async () => new S3Store({ endpoint: sandbox.endpoint, bucket: BUCKET, prefix: PREFIX, ...S3RVER_CREDENTIALS }),
  },
];

describe('the longest stored names and labels', () => {
  it('the test names are exactly at (and one byte past) the limits', () => {
    for (const stored of STORED.slice(0, 4)) expect(Buffer.byteLength(stored)).toBe(MAX_METRIC_NAME_BYTES);
    expect(Buffer.byteLength(`SCALARS_${SCALAR_TOO_LONG}`)).toBe(MAX_METRIC_NAME_BYTES + 1);
    expect(Buffer.byteLength(USE_COUNTER_TOO_LONG)).toBe(MAX_METRIC_NAME_BYTES + 1);
    for (const label of LABELS) expect(Buffer.byteLength(label)).toBe(MAX_LABEL_BYTES);
    for (const label of LABELS_TOO_LONG) expect(Buffer.byteLength(label)).toBe(MAX_LABEL_BYTES + 1);
  });

  const published = new Map<string, Map<string, Uint8Array>>();

  it.each(TARGETS)(
    'publish to $name: exit 0, every shard of the longest names written, the longer ones counted',
    async (target) => {
      const reportFile = path.join(tmp, `report-${published.size}.json`);
      const { code, stderr } = await runCli(['build', '--input', input, ...target.args(), '--report', reportFile, '--quiet'], {
        env: target.env?.() ?? {},
      });
      expect(stderr).not.toMatch(/\n\s+at .+:\d+/);
      expect(code).toBe(0);
      const report = JSON.parse(await readFile(reportFile, 'utf8')) as { metrics: { rowsDropped: Record<string, number> } };
      // the scalar and the use counter (one row each); two labels each of the keyed scalar and the keyed histogram
      expect(report.metrics.rowsDropped).toMatchObject({ nameTooLong: 2, labelTooLong: 4 });
      const store = await target.open();
      try {
        const objects = new Map<string, Uint8Array>();
        for (const key of await store.list('')) objects.set(key, (await store.get(key))?.bytes ?? new Uint8Array());
        for (const metric of STORED) {
          for (const prefix of ['build_id', 'submission_date'] as const) {
            const key = shardKey(prefix, 'nightly', '54', '201701', metric);
            const bytes = objects.get(key);
            expect(bytes, key).toBeDefined();
            expect(decodeShardContent(bytes as Uint8Array).metric).toBe(metric);
          }
        }
        const labels = decodeShardContent(objects.get(shardKey('build_id', 'nightly', '54', '201701', 'SCALARS_K.LABELS')) as Uint8Array)
          .rows.map((row) => row.label)
          .sort();
        expect(labels).toEqual(LABELS.map((label) => label.toUpperCase()).sort());
        published.set(target.name, objects);
      } finally {
        await store.close();
      }
    },
    90_000,
  );

  it('every store holds the same objects', () => {
    const [first, ...rest] = [...published.values()];
    expect(published.size).toBe(TARGETS.length);
    for (const other of rest) {
      expect([...(other?.keys() ?? [])].sort()).toEqual([...(first?.keys() ?? [])].sort());
      for (const [key, bytes] of first ?? []) expect(Buffer.from(other?.get(key) ?? []).equals(Buffer.from(bytes)), key).toBe(true);
    }
  });
});
