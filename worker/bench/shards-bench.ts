/**
 * `npm run bench:shards`: shard compactness over published data (compactness.ts): shard bytes per
 * stored non-zero bucket, and the shards' size next to the JSON the API answers for their rows.
 *
 *   npm run bench:shards -- [--persist-to .wrangler/state] [--json FILE]
 *
 * Reads every shard of the local R2 bucket under --persist-to (default: what `npm run demo`
 * built; `.bench/state` is what the serving benchmarks use).
 */
import { writeFileSync } from 'node:fs';
import type { MetricsIndex } from '../src/core/index-objects';
import { publicMetricName } from '../src/core/metric-names';
import { LAYOUT_VERSION, metricsKey } from '../src/core/storage-keys';
import type { DataDefinition } from '../src/export/data-output';
import { resolveMetric } from '../src/query/metric-definition';
import type { ShardCompactness } from './compactness';
import { measureShard, summarizeCompactness } from './compactness';
import { openLocalBucket } from './local-bucket';
import { fixed, table } from './measure';
import { parseOptions, runMain } from './options';

const USAGE = 'usage: npm run bench:shards -- [--persist-to DIR] [--json FILE]';
const PARALLEL_READS = 16;

/** v1/{prefix}/{channel}/{version}/{YYYYMM}/{metric}; undefined for index objects. */
function parseShardKey(key: string): { prefix: string; channel: string; version: string; metric: string } | undefined {
  const match = /^[^/]+\/([^/]+)\/([^/]+)\/([^/]+)\/\d{6}\/(.+)$/.exec(key);
  if (!match || key.endsWith('.json')) return undefined;
  return { prefix: match[1] as string, channel: match[2] as string, version: match[3] as string, metric: match[4] as string };
}

async function main(): Promise<number> {
  const values = parseOptions(
    process.argv.slice(2),
    { 'persist-to': { type: 'string', default: '.wrangler/state' }, json: { type: 'string' } },
    USAGE,
  );
  const persistDir = String(values['persist-to']);
  const store = await openLocalBucket(persistDir);
  try {
    const keys = (await store.list(`${LAYOUT_VERSION}/`)).filter((key) => parseShardKey(key) !== undefined);
    if (keys.length === 0) throw new Error(`no shards in ${store.description}: run npm run demo first`);
    process.stderr.write(`measuring ${keys.length} shards in ${store.description}...\n`);
    const byPrefix = new Map<string, ShardCompactness[]>();
    const metricsIndexes = new Map<string, Promise<MetricsIndex | null>>();
    let undefinedMetrics = 0;
    const definitionOf = async (channel: string, version: string, storedName: string): Promise<DataDefinition | undefined> => {
      const key = metricsKey(channel, version);
      if (!metricsIndexes.has(key)) {
        metricsIndexes.set(
          key,
          store.get(key).then((bytes) => (bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as MetricsIndex) : null)),
        );
      }
      const index = await metricsIndexes.get(key);
      const resolution = index ? resolveMetric(publicMetricName(storedName), index) : undefined;
      if (!resolution?.ok) undefinedMetrics += 1;
      return resolution?.ok ? resolution.definition : undefined;
    };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        const bytes = await store.get(key);
        if (!bytes) throw new Error(`${key} vanished while measuring`);
        const { prefix, channel, version, metric } = parseShardKey(key) as NonNullable<ReturnType<typeof parseShardKey>>;
        const measure = measureShard(bytes, await definitionOf(channel, version, metric));
        byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), measure]);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_READS }, worker));

    const groups = [
      ...[...byPrefix].map(([prefix, measures]) => ({ name: prefix, summary: summarizeCompactness(measures) })),
      { name: 'all', summary: summarizeCompactness([...byPrefix.values()].flat()) },
    ];
    const rows = groups.map(({ name, summary: s }) => [
      name,
      String(s.shards),
      String(s.rows),
      String(s.nonZeroBuckets),
      String(s.denseBuckets),
      String(s.shardBytes),
      fixed(s.bytesPerNonZeroBucket),
      String(s.answers),
      String(s.answerJsonBytes),
      `${fixed(s.ratio)}x`,
      `${fixed(s.perShardRatio.min)}x / ${fixed(s.perShardRatio.p10)}x / ${fixed(s.perShardRatio.median)}x`,
      `${fixed(s.entriesRatio)}x`,
    ]);
    const all = groups.at(-1)?.summary;
    process.stdout.write(
      `${[
        `Shards in ${store.description}:`,
        table(
          [
            'prefix',
            'shards',
            'rows',
            'non-zero buckets',
            'dense buckets',
            'shard bytes',
            'bytes/non-zero bucket',
            'answers',
            'answer JSON bytes',
            'JSON/shard',
            'per shard min / p10 / median',
            'entries only',
          ],
          rows,
        ),
        '',
        'answers: per shard, one data request per combination of the filter dimensions (application, architecture, os, osVersion,',
        "e10sEnabled, child) with that combination pinned and the dates it has: together their answers hold exactly the shard's rows.",
        'answer JSON bytes: those answers as the worker renders them (HTTP headers not counted); entries only: their data entries alone.',
        `metrics without a definition in the metrics index (empty envelope counted): ${undefinedMetrics}`,
        `Target (shards at least 5x smaller than the API's JSON for the same data): ${all && all.ratio >= 5 ? 'met' : 'NOT MET'} (${fixed(all?.ratio ?? Number.NaN)}x overall; ${fixed(all?.entriesRatio ?? Number.NaN)}x against the entries alone)`,
      ].join('\n')}\n`,
    );
    if (typeof values.json === 'string')
      writeFileSync(values.json, `${JSON.stringify(Object.fromEntries(groups.map((g) => [g.name, g.summary])), null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

runMain(main);
