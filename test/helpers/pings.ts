/** Small hand-made pings and a way to aggregate them in memory, for builder tests. */
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import type { PingSelection } from '../../builder/src/aggregate/ping-dimensions';
import type { Definitions } from '../../builder/src/definitions/load-definitions';
import { loadDefinitions } from '../../builder/src/definitions/load-definitions';
import type { IndexUpdates } from '../../builder/src/shards/index-updates';
import type { RowsDropped } from '../../builder/src/shards/plan-build';
import { planBuild } from '../../builder/src/shards/plan-build';
import type { ShardContribution } from '../../builder/src/shards/shard-rows';
import type { ShardRow } from '../../worker/src/core/shard';
import type { Prefix } from '../../worker/src/core/storage-keys';

let definitions: Promise<Definitions> | undefined;
export function vendoredDefinitions(): Promise<Definitions> {
  definitions ??= loadDefinitions();
  return definitions;
}

export type PingOverrides = Record<string, unknown>;

export function makePing(
  payload: Record<string, unknown> = {},
  overrides: { meta?: PingOverrides; application?: PingOverrides; os?: PingOverrides; settings?: PingOverrides } = {},
): Record<string, unknown> {
  return {
    type: 'main',
    meta: { submissionDate: '20170130', sampleId: 42, ...overrides.meta },
    application: {
      channel: 'nightly',
      version: '54.0a1',
      buildId: '20170129030205',
      name: 'Firefox',
      architecture: 'x86-64',
      ...overrides.application,
    },
    environment: {
      system: { os: { name: 'Windows_NT', version: '10.0', ...overrides.os } },
      settings: { e10sEnabled: true, ...overrides.settings },
    },
    payload,
  };
}

export function histogram(values: Record<string, unknown>, sum: unknown, type: unknown = 0): Record<string, unknown> {
  return { bucket_count: 50, histogram_type: type, range: [1, 10000], sum, values };
}

/** A build materialised at once (production renders one shard at a time): every contribution, the index entries, the rows dropped. */
export interface MaterialisedBuild extends IndexUpdates {
  contributions: ShardContribution[];
  rowsDropped: RowsDropped;
  rowsClamped: number;
}

export async function materialise(aggregation: Pick<Aggregator, 'groups'>): Promise<MaterialisedBuild> {
  const plan = planBuild(aggregation, await vendoredDefinitions());
  return {
    contributions: plan.shards.flatMap((shard) => shard.contributions()),
    ...plan.indexes,
    rowsDropped: plan.rowsDropped,
    rowsClamped: plan.rowsClamped,
  };
}

export async function aggregate(
  pings: unknown[],
  selection: PingSelection = { sampleIdBelow: 100 },
): Promise<{ aggregator: Aggregator; output: MaterialisedBuild }> {
  const defs = await vendoredDefinitions();
  const aggregator = new Aggregator(defs.histograms, selection);
  for (const ping of pings) aggregator.addPing(ping);
  return { aggregator, output: await materialise(aggregator) };
}

/** All rows of one metric for one prefix, across every contribution. */
export function rowsOf(output: MaterialisedBuild, prefix: Prefix, metric: string): ShardRow[] {
  return output.contributions.filter((c) => c.prefix === prefix && c.metric === metric).flatMap((c) => c.rows);
}
