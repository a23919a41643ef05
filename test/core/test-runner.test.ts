/** test/run-all.ts (`npm test`): every step runs even after a failure, the summary counts, the exit code. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/built-worker';
import type { Step } from '../run-all';
import { runSteps } from '../run-all';

function nodeStep(name: string, script: string, report?: string): Step {
  return { name, command: process.execPath, args: ['-e', script], ...(report ? { report } : {}) };
}

describe('the test runner', () => {
  it('runs every step after a failure, sums the reports and exits 1', async () => {
    const temp = await tempDir('run-all-');
    try {
      const ran = join(temp.path, 'ran.txt');
      const report = join(temp.path, 'report.json');
      const json = JSON.stringify({ numPassedTests: 5, numFailedTests: 1, numPendingTests: 1, numTodoTests: 1, testResults: [{}, {}] });
      const append = (word: string): string => `require('node:fs').appendFileSync(${JSON.stringify(ran)}, '${word} ')`;
      let printed = '';
      const code = await runSteps(
        [
          nodeStep('lint', `${append('lint')}; process.exit(3)`),
          nodeStep(
            'node tests',
            `${append('tests')}; require('node:fs').writeFileSync(${JSON.stringify(report)}, ${JSON.stringify(json)}); process.exit(1)`,
            report,
          ),
          nodeStep('workerd tests', `${append('workerd')}`, join(temp.path, 'missing.json')),
        ],
        (text) => {
          printed += text;
        },
      );
      expect(code).toBe(1);
      expect(await readFile(ran, 'utf8')).toBe('lint tests workerd ');
      const lines = printed.split('\n');
      expect(lines.find((line) => line.startsWith('lint'))).toMatch(/^lint +FAILED \(exit 3\) +\d+\.\d s$/);
      expect(lines.find((line) => line.startsWith('node tests'))).toMatch(/FAILED \(exit 1\) .* 5 passed, 1 failed, 2 skipped in 2 files$/);
      expect(lines.find((line) => line.startsWith('workerd tests'))).toMatch(/passed .*\(no report: vitest did not finish\)$/);
      expect(lines).toContain('failed steps: lint, node tests');
      expect(lines.at(-2)).toBe('tests: 5 passed, 1 failed, 2 skipped');
    } finally {
      await temp.remove();
    }
  });

  it('exits 0 when every step passed', async () => {
    let printed = '';
    const code = await runSteps([nodeStep('lint', ''), nodeStep('typecheck', '')], (text) => {
      printed += text;
    });
    expect(code).toBe(0);
    expect(printed).not.toContain('failed steps');
    expect(printed.trimEnd().split('\n').at(-1)).toBe('tests: 0 passed, 0 failed, 0 skipped');
  });
});
