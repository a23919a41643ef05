/** The trim report (pure): the plan in JSON-able form, and its text for the terminal. */
import type { Prefix } from '../../../worker/src/core/storage-keys';
import type { ChannelTrimSummary, DateSample, TrimAction, TrimPhase, TrimPlan } from './plan-trim';
import type { RetentionPolicy } from './retention-window';

export interface TrimActionSummary {
  phase: TrimPhase;
  kind: TrimAction['kind'];
  key: string;
  /** rewrite-shard only. */
  rowsDropped?: number;
}

export interface TrimReport {
  target: string;
  /** false for a dry run: nothing was changed. */
  applied: boolean;
  policy: RetentionPolicy;
  prefixes: Prefix[];
  channels: ChannelTrimSummary[];
  metaRemoved: string[];
  shardsInspected: number;
  totals: {
    /** (date, version) entries dropped from dates.json. */
    datesTrimmed: number;
    shardsDeleted: number;
    shardsRewritten: number;
    rowsDropped: number;
    indexObjectsWritten: number;
    indexObjectsDeleted: number;
  };
  actions: TrimActionSummary[];
  seconds: number;
}

export function makeTrimReport(parts: {
  target: string;
  applied: boolean;
  policy: RetentionPolicy;
  prefixes: Prefix[];
  plan: TrimPlan;
  seconds: number;
}): TrimReport {
  const { plan } = parts;
  const sum = (pick: (c: ChannelTrimSummary) => number) => plan.channels.reduce((total, c) => total + pick(c), 0);
  const count = (test: (a: TrimAction) => boolean) => plan.actions.filter(test).length;
  return {
    target: parts.target,
    applied: parts.applied,
    policy: parts.policy,
    prefixes: parts.prefixes,
    channels: plan.channels,
    metaRemoved: plan.metaRemoved,
    shardsInspected: plan.shardsInspected,
    totals: {
      datesTrimmed: sum((c) => c.datesTrimmed.entries),
      shardsDeleted: sum((c) => c.shardsDeleted),
      shardsRewritten: sum((c) => c.shardsRewritten),
      rowsDropped: sum((c) => c.rowsDropped),
      indexObjectsWritten: count((a) => a.kind === 'put-index'),
      indexObjectsDeleted: count((a) => a.kind === 'delete' && a.what !== 'shard'),
    },
    actions: plan.actions.map((action) => ({
      phase: action.phase,
      kind: action.kind,
      key: action.key,
      ...(action.kind === 'rewrite-shard' ? { rowsDropped: action.rowsDropped } : {}),
    })),
    seconds: parts.seconds,
  };
}

const SAMPLE_ACTIONS = 5;

export function formatTrimReport(report: TrimReport): string {
  const { policy, totals } = report;
  const lines: string[] = [];
  lines.push(`trim ${report.target}: ${report.applied ? 'applied' : 'dry run, nothing changed (--apply to trim)'}`);
  const overrides = Object.entries(policy.channelKeepDays).map(([channel, days]) => `${channel} ${days}`);
  lines.push(
    `base ${policy.baseDate}, keep ${policy.keepDays} days${overrides.length ? ` (${overrides.join(', ')})` : ''}, buffer ${policy.bufferDays} days; prefixes ${report.prefixes.join(', ')}`,
  );
  for (const c of report.channels) {
    const trimmed = c.datesTrimmed.dates ? ` (${formatSample(c.datesTrimmed)})` : '';
    const kept = c.datesKept.dates ? ` (${formatSample(c.datesKept)})` : '';
    lines.push(
      `  ${c.prefix}/${c.channel}: keeping ${c.window.first}..${c.window.last}; dates trimmed ${c.datesTrimmed.dates}${trimmed}, kept ${c.datesKept.dates}${kept}; ` +
        `shards deleted ${c.shardsDeleted}, rewritten ${c.shardsRewritten} (${c.rowsDropped} rows dropped)` +
        (c.versionsEmptied.length ? `; versions emptied: ${c.versionsEmptied.join(', ')}` : '') +
        (c.channelRemoved ? '; channel removed' : ''),
    );
  }
  if (report.metaRemoved.length) lines.push(`  meta removed for ${report.metaRemoved.join(', ')}`);
  lines.push(
    `${report.applied ? 'done' : 'would do'}: ${report.actions.length} actions; ${totals.shardsDeleted} shards deleted, ${totals.shardsRewritten} rewritten ` +
      `(${totals.rowsDropped} rows dropped), ${totals.indexObjectsWritten} index objects written, ${totals.indexObjectsDeleted} deleted; ` +
      `${report.shardsInspected} boundary shards read; ${report.seconds.toFixed(1)} s`,
  );
  for (const action of report.actions.slice(0, SAMPLE_ACTIONS)) lines.push(`  ${action.kind} ${action.key}`);
  if (report.actions.length > SAMPLE_ACTIONS)
    lines.push(`  ... and ${report.actions.length - SAMPLE_ACTIONS} more (--report FILE lists them all)`);
  return lines.join('\n');
}

function formatSample({ sample, dates }: DateSample): string {
  if (sample.length === dates) return sample.join(', ');
  const half = sample.length / 2;
  return `${sample.slice(0, half).join(', ')} ... ${sample.slice(half).join(', ')}`;
}
