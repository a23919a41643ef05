/** Dropping the rows of one shard that lie outside the retention window (pure). */
import type { ShardContent } from '../../../worker/src/core/shard';
import type { RetentionWindow } from './retention-window';
import { isKept } from './retention-window';

export type ShardTrim =
  | { kind: 'unchanged' }
  /** Some rows (or submission dates) go, some rows stay. */
  | { kind: 'rewrite'; content: ShardContent; rowsDropped: number; datesDropped: string[] }
  /** No row stays: the shard is deleted rather than rewritten empty. */
  | { kind: 'empty'; rowsDropped: number; datesDropped: string[] };

export function trimShard(shard: ShardContent, window: RetentionWindow): ShardTrim {
  const rows = shard.rows.filter((row) => isKept(row.date, window));
  // A submission_date shard's rows are dated by their submission date, so `submissions` lists
  // exactly the dates of its rows: the trimmed dates leave it too (a later build of such a date
  // would then add its rows again, consistently). A build_id shard's rows are dated by build id:
  // a submission date listed there also fed rows of kept build dates, and dropping it would let a
  // re-run of that submission date add those rows a second time; so it stays listed.
  const submissions = shard.prefix === 'submission_date' ? shard.submissions.filter((date) => isKept(date, window)) : shard.submissions;
  const rowsDropped = shard.rows.length - rows.length;
  const datesDropped = [...new Set(shard.rows.filter((row) => !isKept(row.date, window)).map((row) => row.date))].sort();
  if (rowsDropped === 0 && submissions.length === shard.submissions.length) return { kind: 'unchanged' };
  // An empty build_id shard goes: a re-run of its submission dates could only add rows of build
  // dates outside the window again. A submission_date shard still listing kept dates (whose rows
  // were all dropped when built, e.g. sum overflow) stays, to keep that record.
  if (rows.length === 0 && (shard.prefix === 'build_id' || submissions.length === 0)) return { kind: 'empty', rowsDropped, datesDropped };
  return { kind: 'rewrite', content: { ...shard, submissions, rows }, rowsDropped, datesDropped };
}
