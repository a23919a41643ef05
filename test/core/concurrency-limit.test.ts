/** The counting semaphore shared by the S3 store (requests in flight) and the worker's edge source (R2 reads per request). */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../worker/src/core/concurrency-limit';

describe('ConcurrencyLimit', () => {
  it('lets at most `limit` tasks run, and the others start in arrival order', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const tasks = [0, 1, 2, 3, 4].map((id) =>
      limit.run(async () => {
        started.push(id);
        await new Promise<void>((resolve) => (finish[id] = resolve));
      }),
    );
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limit.inProgress).toBe(2);
    finish[1]?.();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.inProgress).toBe(2);
    finish[0]?.();
    finish[2]?.();
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    finish[3]?.();
    finish[4]?.();
    await Promise.all(tasks);
    expect(limit.inProgress).toBe(0);
  });

  it('releases the permit when a task fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limit.inProgress).toBe(0);
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
    expect(() => new ConcurrencyLimit(1.5)).toThrow(RangeError);
  });
});
