/** `trim`: read the published objects, plan, and (with apply) carry the plan out. */
import { writeFile } from 'node:fs/promises';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import type { ObjectStore } from '../publish/object-store';
import { applyTrim } from './apply-trim';
import { planTrim, shardsToInspect } from './plan-trim';
import { inspectShards, readPublishedState } from './read-published';
import type { RetentionPolicy } from './retention-window';
import type { TrimReport } from './trim-report';
import { makeTrimReport } from './trim-report';

export interface TrimOptions {
  store: ObjectStore;
  policy: RetentionPolicy;
  prefixes: Prefix[];
  /** Without it, a dry run: the plan is reported and nothing is changed. */
  apply: boolean;
  reportFile?: string;
}

export async function runTrim(options: TrimOptions): Promise<TrimReport> {
  const started = performance.now();
  const state = await readPublishedState(options.store);
  const inspected = await inspectShards(options.store, shardsToInspect(state, options.policy, options.prefixes), options.policy);
  const plan = planTrim(state, inspected, options.policy, options.prefixes);
  if (options.apply) await applyTrim(options.store, plan.actions);
  const report = makeTrimReport({
    target: options.store.description,
    applied: options.apply,
    policy: options.policy,
    prefixes: options.prefixes,
    plan,
    seconds: (performance.now() - started) / 1000,
  });
  if (options.reportFile) await writeFile(options.reportFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
