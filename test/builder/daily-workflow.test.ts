/** The scheduled daily build (.github/workflows/daily-build.yml) is a valid GitHub Actions workflow. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { S3Store } from '../../builder/src/publish/s3-store';
import { readRealPings, trimPing } from '../helpers/e2e-pings';
import { S3RVER_CREDENTIALS, startS3Sandbox } from '../helpers/s3-sandbox';

const FILE = fileURLToPath(new URL('../../.github/workflows/daily-build.yml', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: { schedule?: { cron: string }[]; workflow_dispatch?: { inputs?: Record<string, { required?: boolean }> } };
  permissions?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; env?: Record<string, string>; steps: Step[]; 'timeout-minutes'?: number }>;
}

const CRON_FIELDS: [min: number, max: number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/** Whether one field of a POSIX cron expression (as GitHub accepts it: *, lists, ranges, steps) is valid. */
function validCronField(field: string, [min, max]: [number, number]): boolean {
  return field.split(',').every((part) => {
    const [range, step] = part.split('/') as [string, string | undefined];
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) > 0)) return false;
    if (range === '*') return true;
    const bounds = range.split('-');
    if (bounds.length > 2 || !bounds.every((b) => /^\d+$/.test(b))) return false;
    const numbers = bounds.map(Number);
    return numbers.every((n) => n >= min && n <= max) && (numbers.length === 1 || (numbers[0] as number) <= (numbers[1] as number));
  });
}

function validCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field, i) => validCronField(field, CRON_FIELDS[i] as [number, number]));
}

const workflow = parse(readFileSync(FILE, 'utf8')) as Workflow;

describe('cron validation used below', () => {
  it('accepts valid expressions and rejects invalid ones', () => {
    expect(validCron('30 3 * * *')).toBe(true);
    expect(validCron('*/15 0-6 1,15 * 1-5')).toBe(true);
    expect(validCron('60 3 * * *')).toBe(false);
    expect(validCron('30 3 * *')).toBe(false);
    expect(validCron('30 25 * * *')).toBe(false);
    expect(validCron('30 3 * * 5-1')).toBe(false);
  });
});

describe('.github/workflows/daily-build.yml', () => {
  const job = workflow.jobs.build;

  it('runs on a valid daily schedule and by hand with an optional date', () => {
    const schedules = workflow.on.schedule ?? [];
    expect(schedules.length).toBeGreaterThan(0);
    for (const { cron } of schedules) expect(validCron(cron), cron).toBe(true);
    expect(workflow.on.workflow_dispatch?.inputs?.date?.required).toBe(false);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('has one job whose steps all use an action or run a command', () => {
    expect(job?.['runs-on']).toBeTruthy();
    expect(job?.['timeout-minutes']).toBeGreaterThan(0);
    for (const step of job?.steps ?? []) expect(step.uses ?? step.run, JSON.stringify(step)).toBeTruthy();
    expect(job?.steps.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(true);
    expect(job?.steps.some((s) => s.uses?.startsWith('actions/setup-node@') && s.with?.['node-version'] === 20)).toBe(true);
    expect(job?.steps.some((s) => s.run?.trim() === 'npm ci')).toBe(true);
  });

  it('takes the R2 credentials the builder reads from repository secrets', () => {
    for (const name of ['R2_ACCOUNT_ID', 'R2_ACCESS_KEY_ID', 'R2_SECRET_ACCESS_KEY']) {
      expect(job?.env?.[name]).toBe(`\${{ secrets.${name} }}`);
    }
  });

  it('defaults to yesterday (UTC) and publishes that date to an r2:// target', () => {
    const day = job?.steps.find((s) => s.id === 'day');
    expect(day?.run).toContain('date -u -d yesterday +%Y%m%d');
    expect(day?.run).toContain('>> "$GITHUB_OUTPUT"');
    const build = job?.steps.find((s) => s.run?.includes('builder/src/cli.ts build'));
    expect(build?.run).toContain('--date "${{ steps.day.outputs.date }}"');
    expect(build?.run).toMatch(/--target "r2:\/\/\$\{AGGREGATES_BUCKET\}"/);
    expect(job?.env?.AGGREGATES_BUCKET).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  });

  it('its date step, run in bash, picks yesterday (UTC) or the requested date', () => {
    const script = job?.steps.find((s) => s.id === 'day')?.run ?? '';
    const run = (requested: string): string => {
      const output = path.join(mkdtempSync(path.join(tmpdir(), 'daily-')), 'out');
      execFileSync('bash', ['-e', '-c', script], { env: { ...process.env, REQUESTED: requested, GITHUB_OUTPUT: output } });
      return readFileSync(output, 'utf8');
    };
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    expect(run('')).toBe(`date=${yesterday}\n`);
    expect(run('20170120')).toBe('date=20170120\n');
  });

  it('its build command, run in bash as written, publishes the day to an S3 server', async () => {
    const bucket = job?.env?.AGGREGATES_BUCKET as string;
    const sandbox = await startS3Sandbox([bucket]);
    try {
      const work = mkdtempSync(path.join(tmpdir(), 'daily-build-'));
      mkdirSync(path.join(work, 'input'));
      // The two real pings submitted on 20170130, trimmed to a few dozen metrics so that the
      // upload through the test S3 server stays short.
      const lines = readRealPings().map((ping) => JSON.stringify(trimPing(ping)));
      writeFileSync(path.join(work, 'input', 'pings.ndjson'), `${lines.join('\n')}\n`);
      // The GitHub expression is substituted, and the checkout's paths made absolute (the job runs in
      // the checkout; this runs in a temporary directory); the shell runs the rest, variables included.
      const written = job?.steps.find((s) => s.run?.includes('builder/src/cli.ts build'))?.run ?? '';
      expect(written).toContain('npx tsx builder/src/cli.ts build ');
      const command = written
        .replaceAll('${{ steps.day.outputs.date }}', '20170130')
        .replace('npx tsx builder/src/cli.ts', `${path.join(ROOT, 'node_modules/.bin/tsx')} ${path.join(ROOT, 'builder/src/cli.ts')}`);
      // Asynchronously: the S3 server runs in this process and must keep answering.
      await promisify(execFile)('bash', ['-e', '-c', command], {
        cwd: work,
        env: {
          ...process.env,
          AGGREGATES_BUCKET: bucket,
          R2_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          R2_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
          R2_ENDPOINT: sandbox.endpoint,
        },
      });
      const report = JSON.parse(readFileSync(path.join(work, 'report.json'), 'utf8')) as { pings: { accepted: number } };
      expect(report.pings.accepted).toBe(2);
      const store = new S3Store({ bucket, prefix: '', endpoint: sandbox.endpoint, ...S3RVER_CREDENTIALS });
      const dates = await store.get('v1/submission_date/nightly/dates.json');
      expect(JSON.parse(new TextDecoder().decode(dates?.bytes))).toEqual([{ date: '20170130', version: '54' }]);
      expect(await store.list('v1/build_id/nightly/54/')).toContain('v1/build_id/nightly/54/201701/GC_MS');
    } finally {
      await sandbox.stop();
    }
  }, 120_000);
});
