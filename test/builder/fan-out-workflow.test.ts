/** The fan-out workflow (docs/scaling-out.md) is valid YAML with the keys GitHub Actions requires. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const FILE = fileURLToPath(new URL('../../.github/workflows/fan-out-build.yml', import.meta.url));

describe('.github/workflows/fan-out-build.yml', () => {
  it('parses, with on, jobs, a partial matrix job and a merge job that needs it', () => {
    const workflow = parse(readFileSync(FILE, 'utf8')) as {
      on: Record<string, unknown>;
      jobs: Record<
        string,
        { 'runs-on': string; needs?: string; strategy?: { matrix: Record<string, unknown[]> }; steps: { uses?: string; run?: string }[] }
      >;
    };
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    const { partial, merge } = workflow.jobs;
    expect(partial?.strategy?.matrix.slice?.length).toBeGreaterThan(1);
    expect(merge?.needs).toBe('partial');
    for (const job of [partial, merge]) {
      expect(job?.['runs-on']).toBeTruthy();
      expect(job?.steps.length).toBeGreaterThan(0);
      for (const step of job?.steps ?? []) expect(step.uses ?? step.run).toBeTruthy();
    }
    expect(partial?.steps.some((s) => s.run?.includes('--partial'))).toBe(true);
    expect(merge?.steps.some((s) => s.run?.includes(' merge ') && s.run.includes('--target r2://'))).toBe(true);
  });
});
