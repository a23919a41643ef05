/**
 * `npm test`: lint, typecheck, the Node test project and the workerd test project, one after
 * the other (a 2-core machine), each run even when an earlier one failed. Prints a summary line
 * per step with its time (and, for the test projects, the counts from vitest's JSON report under
 * test-results/), then a closing `tests: N passed, N failed, N skipped` line; exits 1 if any
 * step failed.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'test-results');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

export interface Step {
  name: string;
  command: string;
  args: string[];
  /** vitest's JSON report of the step, for its counts. */
  report?: string;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  files: number;
}

interface Outcome {
  step: Step;
  code: number;
  seconds: number;
  counts?: Counts;
}

function vitestStep(name: string, configArgs: string[], reportName: string): Step {
  const report = join(RESULTS, reportName);
  return {
    name,
    command: process.execPath,
    args: [VITEST, 'run', ...configArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    report,
  };
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const STEPS: Step[] = [
  { name: 'lint', command: npm, args: ['run', '--silent', 'lint'] },
  { name: 'typecheck', command: npm, args: ['run', '--silent', 'typecheck'] },
  vitestStep('node tests', [], 'vitest-node.json'),
  vitestStep('workerd tests', ['-c', 'vitest.workers.config.ts'], 'vitest-workers.json'),
];

function run(step: Step): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => {
      process.stderr.write(`cannot start ${step.command}: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** The counts of vitest's JSON report (Jest's format); undefined when the run wrote none. */
async function readCounts(path: string): Promise<Counts | undefined> {
  try {
    const report = JSON.parse(await readFile(path, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
      testResults: unknown[];
    };
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
      files: report.testResults.length,
    };
  } catch {
    return undefined;
  }
}

function summaryLine(outcome: Outcome): string {
  const status = outcome.code === 0 ? 'passed' : `FAILED (exit ${outcome.code})`;
  const counts = outcome.counts;
  const detail = counts
    ? `  ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped in ${counts.files} files`
    : outcome.step.report
      ? '  (no report: vitest did not finish)'
      : '';
  return `${outcome.step.name.padEnd(14)} ${status.padEnd(16)} ${outcome.seconds.toFixed(1).padStart(6)} s${detail}`;
}

/** Runs every step, even after a failure; writes the summary to `out`; 0 when all passed, else 1. */
export async function runSteps(
  steps: readonly Step[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    out(`\n▶ ${step.name}\n`);
    if (step.report) await rm(step.report, { force: true });
    const started = performance.now();
    const code = await run(step);
    const seconds = (performance.now() - started) / 1000;
    const counts = step.report ? await readCounts(step.report) : undefined;
    outcomes.push({ step, code, seconds, ...(counts ? { counts } : {}) });
  }
  const total = outcomes.reduce((sum, outcome) => sum + outcome.seconds, 0);
  const tests = outcomes.flatMap((outcome) => (outcome.counts ? [outcome.counts] : []));
  const add = (key: keyof Counts): number => tests.reduce((sum, counts) => sum + counts[key], 0);
  const failedSteps = outcomes.filter((outcome) => outcome.code !== 0).map((outcome) => outcome.step.name);
  out(`\nnpm test summary (${total.toFixed(1)} s)\n`);
  for (const outcome of outcomes) out(`${summaryLine(outcome)}\n`);
  if (failedSteps.length > 0) out(`failed steps: ${failedSteps.join(', ')}\n`);
  out(`tests: ${add('passed')} passed, ${add('failed')} failed, ${add('skipped')} skipped\n`);
  return failedSteps.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await mkdir(RESULTS, { recursive: true });
  process.exitCode = await runSteps(STEPS);
}
