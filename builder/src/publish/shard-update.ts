/**
 * What publishing a build's contributions does to one stored shard. Pure: no I/O.
 *
 * The shard's `submissions` list decides which dates are already in: those are never merged
 * again. With `force`, a submission-date shard drops the rows of the dates it already holds
 * (there the date is a row dimension) and takes the new ones instead; a build-id shard cannot
 * (each row sums every submission date), so its already-held dates are refused.
 */
import type { ShardContent } from '../../../worker/src/core/shard';
import type { ShardContribution } from '../shards/shard-rows';
import { mergeRowLists, mergeShards } from './shard-merge';

export interface ShardUpdate {
  /** The new content, or undefined when the stored shard stays as it is. */
  content: ShardContent | undefined;
  /** Already-held dates whose rows were replaced (force, submission-date shards). */
  replaced: string[];
  /** Already-held dates left as they were although force asked to rebuild them (build-id shards). */
  refused: string[];
  /** Already-held dates left as they were (no force). */
  alreadyHeld: string[];
}

export function planShardUpdate(
  current: ShardContent | undefined,
  contributions: readonly ShardContribution[],
  force: boolean,
): ShardUpdate {
  const held = new Set(current?.submissions ?? []);
  const alreadyHeld = [...new Set(contributions.map((c) => c.submissionDate).filter((date) => held.has(date)))].sort();
  const fresh = contributions.filter((c) => !held.has(c.submissionDate));
  const replaceable = force && alreadyHeld.length > 0 && contributions[0]?.prefix === 'submission_date';
  if (current && replaceable) {
    const content = mergeShards(withoutDates(current, alreadyHeld), shardFrom(contributions));
    return { content, replaced: alreadyHeld, refused: [], alreadyHeld: [] };
  }
  const update = force ? { replaced: [], refused: alreadyHeld, alreadyHeld: [] } : { replaced: [], refused: [], alreadyHeld };
  if (fresh.length === 0) return { content: undefined, ...update };
  return { content: current ? mergeShards(current, shardFrom(fresh)) : shardFrom(fresh), ...update };
}

/** A submission-date shard without the rows and the record of some submission dates. */
function withoutDates(shard: ShardContent, dates: readonly string[]): ShardContent {
  const dropped = new Set(dates);
  return {
    ...shard,
    submissions: shard.submissions.filter((date) => !dropped.has(date)),
    rows: shard.rows.filter((row) => !dropped.has(row.date)),
  };
}

/** One shard from contributions of the same identity. */
function shardFrom(contributions: readonly ShardContribution[]): ShardContent {
  const first = contributions[0];
  if (!first) throw new Error('a shard needs at least one contribution');
  const rows = contributions.length === 1 ? first.rows : mergeRowLists(contributions.map((c) => c.rows));
  return {
    prefix: first.prefix,
    channel: first.channel,
    version: first.version,
    period: first.period,
    metric: first.metric,
    submissions: [...new Set(contributions.map((c) => c.submissionDate))].sort(),
    rows,
  };
}
