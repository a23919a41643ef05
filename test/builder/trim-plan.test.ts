/**
 * Trim planning and applying against an in-memory store: the retention window's arithmetic, the
 * per-shard rule, and the two ways a trim can be cut short (interrupted, or a concurrent build
 * changing an object it planned from): the store stays safe for readers and a re-run converges.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../builder/src/build-command';
import { shardRevision } from '../../builder/src/publish/publish-build';
import { applyTrim, TrimConflictError } from '../../builder/src/trim/apply-trim';
import type { TrimAction } from '../../builder/src/trim/plan-trim';
import { planTrim, shardsToInspect, TRIM_PHASES } from '../../builder/src/trim/plan-trim';
import { inspectShards, readPublishedState } from '../../builder/src/trim/read-published';
import type { RetentionPolicy } from '../../builder/src/trim/retention-window';
import { monthCoverage, windowFor } from '../../builder/src/trim/retention-window';
import { runTrim } from '../../builder/src/trim/run-trim';
import { trimShard } from '../../builder/src/trim/trim-shard';
import { addDays } from '../../worker/src/core/calendar-date';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import type { Prefix } from '../../worker/src/core/storage-keys';
import { PREFIXES } from '../../worker/src/core/storage-keys';
import { MemoryStore } from '../helpers/memory-store';
import { vendoredDefinitions } from '../helpers/pings';
import {
  TRIM_BASE_DATE,
  TRIM_FIRST_KEPT,
  TRIM_KEEP_DAYS,
  TRIM_LAST_KEPT,
  trimDatasetNdjson,
  trimDatasetPings,
} from '../helpers/trim-dataset';

const POLICY: RetentionPolicy = { baseDate: TRIM_BASE_DATE, keepDays: TRIM_KEEP_DAYS, bufferDays: 7, channelKeepDays: {} };
const PREFIX_LIST: Prefix[] = [...PREFIXES];

describe('the retention window', () => {
  it('keeps [base - keep days, base + buffer - 1], as trim_db.py', () => {
    expect(windowFor({ baseDate: '20240101', keepDays: 730, bufferDays: 7, channelKeepDays: {} }, 'nightly')).toEqual({
      first: '20220101',
      last: '20240107',
    });
    expect(windowFor(POLICY, 'release')).toEqual({ first: TRIM_FIRST_KEPT, last: TRIM_LAST_KEPT });
    expect(windowFor({ ...POLICY, channelKeepDays: { nightly: 10 } }, 'nightly')).toEqual({ first: '20170223', last: TRIM_LAST_KEPT });
    expect(windowFor({ ...POLICY, channelKeepDays: { nightly: 10 } }, 'beta').first).toBe(TRIM_FIRST_KEPT);
  });

  it('counts days across months, leap days and years', () => {
    expect(addDays('20160228', 1)).toBe('20160229');
    expect(addDays('20170228', 1)).toBe('20170301');
    expect(addDays('20170101', -1)).toBe('20161231');
    expect(addDays('20170305', -TRIM_KEEP_DAYS)).toBe(TRIM_FIRST_KEPT);
  });

  it('tells whole months from boundary months', () => {
    const window = { first: '20240215', last: '20240229' };
    expect(monthCoverage('202401', window)).toBe('trimmed');
    expect(monthCoverage('202403', window)).toBe('trimmed');
    expect(monthCoverage('202402', window)).toBe('boundary');
    expect(monthCoverage('202402', { first: '20240201', last: '20240229' })).toBe('kept');
    expect(monthCoverage('202402', { first: '20240201', last: '20240228' })).toBe('boundary');
  });
});

describe('trimming one shard', () => {
  const row = (date: string, child: string): ShardRow => ({
    date,
    application: 'Firefox',
    architecture: 'x86-64',
    os: 'Windows_NT',
    osVersion: '10.0',
    e10sEnabled: 'true',
    child,
    label: '',
    histogram: [1, 2],
    sum: 3,
    count: 1,
  });
  const shard = (prefix: Prefix, submissions: string[], rows: ShardRow[]): ShardContent => ({
    prefix,
    channel: 'nightly',
    version: '54',
    period: '201701',
    metric: 'GC_MS',
    submissions,
    rows,
  });
  const window = { first: '20170115', last: '20170320' };

  it('drops rows and submission dates outside the window from a submission_date shard', () => {
    const trimmed = trimShard(
      shard('submission_date', ['20170110', '20170120'], [row('20170110', 'parent'), row('20170120', 'parent')]),
      window,
    );
    expect(trimmed).toEqual({
      kind: 'rewrite',
      rowsDropped: 1,
      datesDropped: ['20170110'],
      content: shard('submission_date', ['20170120'], [row('20170120', 'parent')]),
    });
  });

  it('keeps the submission dates of a build_id shard', () => {
    const trimmed = trimShard(
      shard('build_id', ['20170120'], [row('20170110', 'content'), row('20170110', 'parent'), row('20170118', 'parent')]),
      window,
    );
    expect(trimmed).toEqual({
      kind: 'rewrite',
      rowsDropped: 2,
      datesDropped: ['20170110'],
      content: shard('build_id', ['20170120'], [row('20170118', 'parent')]),
    });
  });

  it('leaves a shard with nothing to drop, and empties one with nothing to keep', () => {
    expect(trimShard(shard('build_id', ['20170110'], [row('20170118', 'parent')]), window)).toEqual({ kind: 'unchanged' });
    expect(trimShard(shard('build_id', ['20170120'], [row('20170110', 'parent')]), window)).toMatchObject({
      kind: 'empty',
      rowsDropped: 1,
    });
    expect(trimShard(shard('submission_date', ['20170110'], [row('20170110', 'parent')]), window)).toMatchObject({
      kind: 'empty',
      rowsDropped: 1,
    });
  });
});

describe('interrupted and concurrent trims', () => {
  let tmp: string;
  let input: string;
  let built: Map<string, Uint8Array>;
  let trimmed: Map<string, Uint8Array>;
  let fullPlan: TrimAction[];

  async function storeWith(objects: ReadonlyMap<string, Uint8Array>): Promise<MemoryStore> {
    const store = new MemoryStore();
    for (const [key, bytes] of objects) store.objects.set(key, bytes);
    return store;
  }

  async function plan(store: MemoryStore): Promise<TrimAction[]> {
    const state = await readPublishedState(store);
    const inspected = await inspectShards(store, shardsToInspect(state, POLICY, PREFIX_LIST), POLICY);
    return planTrim(state, inspected, POLICY, PREFIX_LIST).actions;
  }

  /** What a reader relies on: every manifest entry names a shard that is there, with that revision or the one before the trim. */
  function expectReadable(store: MemoryStore): void {
    for (const [key, bytes] of store.objects) {
      if (!key.endsWith('/manifest.json')) continue;
      const manifest = JSON.parse(new TextDecoder().decode(bytes)) as ManifestIndex;
      const base = key.slice(0, -'manifest.json'.length);
      for (const [metric, periods] of Object.entries(manifest.metrics)) {
        for (const period of Object.keys(periods)) {
          const shard = store.objects.get(`${base}${period}/${metric}`);
          expect(shard, `${base}${period}/${metric}`).toBeDefined();
          expect(() => decodeShardContent(shard as Uint8Array)).not.toThrow();
        }
      }
    }
  }

  function expectSame(actual: ReadonlyMap<string, Uint8Array>, expected: ReadonlyMap<string, Uint8Array>): void {
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    const differing = [...expected].filter(
      ([key, bytes]) => Buffer.compare(Buffer.from(bytes), Buffer.from(actual.get(key) as Uint8Array)) !== 0,
    );
    expect(differing.map(([key]) => key)).toEqual([]);
  }

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'trim-plan-'));
    input = path.join(tmp, 'pings.ndjson');
    await writeFile(input, trimDatasetNdjson());
    const store = new MemoryStore();
    await runBuild({ inputs: [input], store, definitions: await vendoredDefinitions(), selection: { sampleIdBelow: 100 } });
    built = new Map(store.objects);
    fullPlan = await plan(store);
    await runTrim({ store, policy: POLICY, prefixes: PREFIX_LIST, apply: true });
    trimmed = new Map(store.objects);
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('the plan has actions in every phase but the last ones it needs, in phase order', () => {
    const phases = fullPlan.map((action) => TRIM_PHASES.indexOf(action.phase));
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(new Set(fullPlan.map((a) => a.phase))).toEqual(new Set(TRIM_PHASES));
    // a rewritten shard's manifest entry is the revision of the rewritten bytes
    const rewrite = fullPlan.find((a) => a.kind === 'rewrite-shard' && a.key === 'v1/build_id/nightly/54/201701/GC_MS');
    expect(rewrite?.kind === 'rewrite-shard' && rewrite.revision).toBe(
      shardRevision(trimmed.get('v1/build_id/nightly/54/201701/GC_MS') as Uint8Array),
    );
  });

  // Cut after every phase, and in the middle of every phase with more than one action.
  const cuts = TRIM_PHASES.flatMap((phase, index) => [
    { name: `half of ${phase}`, index, half: true },
    { name: `after ${phase}`, index, half: false },
  ]);

  it.each(cuts)('a trim interrupted $name leaves a readable store, and running it again converges', async ({ index, half }) => {
    const store = await storeWith(built);
    const before = fullPlan.filter((a) => TRIM_PHASES.indexOf(a.phase) < index);
    const inPhase = fullPlan.filter((a) => TRIM_PHASES.indexOf(a.phase) === index);
    await applyTrim(store, [...before, ...(half ? inPhase.slice(0, Math.floor(inPhase.length / 2)) : inPhase)]);
    expectReadable(store);
    await runTrim({ store, policy: POLICY, prefixes: PREFIX_LIST, apply: true });
    expectSame(store.objects, trimmed);
    expect(await plan(store)).toEqual([]);
  });

  it('a build landing between planning and applying stops the trim at the changed object, without overwriting it', async () => {
    const store = await storeWith(built);
    const actions = await plan(store);
    // A concurrent build of a kept date: the same pings of 20170215, re-dated 20170216.
    const late = path.join(tmp, 'late.ndjson');
    const ping = trimDatasetPings().find((p) => (p.meta as { submissionDate: string }).submissionDate === '20170215') as Record<
      string,
      unknown
    >;
    (ping.meta as { submissionDate: string }).submissionDate = '20170216';
    await writeFile(late, `${JSON.stringify(ping)}\n`);
    await runBuild({ inputs: [late], store, definitions: await vendoredDefinitions(), selection: { sampleIdBelow: 100 } });
    const afterBuild = new Map(store.objects);

    const error = await applyTrim(store, actions).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrimConflictError);
    const conflictKey = (error as TrimConflictError).key;
    expect(store.objects.get(conflictKey)).toBe(afterBuild.get(conflictKey));
    // it stopped before deleting any shard
    expect(actions.some((a) => a.phase === 'delete-shards' && !store.objects.has(a.key))).toBe(false);
    expectReadable(store);

    // re-planned from what is there, the trim completes and keeps the new date
    await runTrim({ store, policy: POLICY, prefixes: PREFIX_LIST, apply: true });
    expect(await plan(store)).toEqual([]);
    expectReadable(store);
    const dates = JSON.parse(new TextDecoder().decode(store.objects.get('v1/submission_date/nightly/dates.json'))) as { date: string }[];
    expect(dates.map((d) => d.date)).toContain('20170216');
    expect(dates.every((d) => d.date >= TRIM_FIRST_KEPT && d.date <= TRIM_LAST_KEPT)).toBe(true);
    const february = decodeShardContent(store.objects.get('v1/submission_date/nightly/54/201702/GC_MS') as Uint8Array);
    expect(february.submissions).toEqual(['20170215', '20170216']);
  });
});
