/**
 * RequestBatcher (builder/src/publish/request-batcher.ts): requests gather into batches while
 * earlier batches are under way; never more batches in flight, items or bytes in a batch than
 * allowed; each request gets its own answer; a lone request is not held back.
 */
import { describe, expect, it } from 'vitest';
import type { ItemOutcome } from '../../builder/src/publish/request-batcher';
import { RequestBatcher } from '../../builder/src/publish/request-batcher';

interface Sent {
  items: string[];
  finish: (outcomes: ItemOutcome<string>[]) => void;
  fail: (error: Error) => void;
}

/** A batcher whose batches wait until the test answers them. */
function controlled(limits: { maxInFlight: number; maxItems: number; maxBytes: number }) {
  const sent: Sent[] = [];
  const batcher = new RequestBatcher<string, string>(
    (items) =>
      new Promise((resolve, reject) => {
        sent.push({ items, finish: resolve, fail: reject });
      }),
    limits,
    (item) => item.length,
  );
  return { batcher, sent };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const echo = (items: string[]): ItemOutcome<string>[] => items.map((item) => ({ ok: true, value: `done ${item}` }));

describe('RequestBatcher', () => {
  it('sends a lone request at once, and gathers the ones that arrive while batches are under way', async () => {
    const { batcher, sent } = controlled({ maxInFlight: 1, maxItems: 10, maxBytes: 1000 });
    const first = batcher.submit('a');
    await settle();
    expect(sent.map((batch) => batch.items)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((item) => batcher.submit(item));
    await settle();
    expect(sent).toHaveLength(1);
    sent[0]?.finish(echo(sent[0].items));
    expect(await first).toBe('done a');
    await settle();
    expect(sent.map((batch) => batch.items)).toEqual([['a'], ['b', 'c', 'd']]);
    sent[1]?.finish(echo(sent[1].items));
    expect(await Promise.all(rest)).toEqual(['done b', 'done c', 'done d']);
    expect(batcher.seen).toEqual({ batches: 2, largestBatch: 3, mostInFlight: 1 });
  });

  it('never has more batches in flight, nor more items or bytes in a batch, than allowed (a larger item goes alone)', async () => {
    const { batcher, sent } = controlled({ maxInFlight: 2, maxItems: 3, maxBytes: 6 });
    const items = ['aa', 'bb', 'cc', 'dd', 'eeeeeeeeee', 'f', 'g', 'h', 'i', 'j'];
    const answers = items.map((item) => batcher.submit(item));
    let answered = 0;
    while (answered < sent.length || sent.length === 0) {
      await settle();
      const open = sent.slice(answered);
      expect(open.length).toBeLessThanOrEqual(2);
      const next = sent[answered];
      if (!next) break;
      next.finish(echo(next.items));
      answered += 1;
    }
    expect(await Promise.all(answers)).toEqual(items.map((item) => `done ${item}`));
    for (const { items: batch } of sent) {
      expect(batch.length).toBeLessThanOrEqual(3);
      if (batch.length > 1) expect(batch.join('').length).toBeLessThanOrEqual(6);
    }
    expect(sent.flatMap((batch) => batch.items)).toEqual(items);
    expect(sent.map((batch) => batch.items)).toContainEqual(['eeeeeeeeee']);
    expect(batcher.seen.mostInFlight).toBe(2);
  });

  it('answers each request with its own outcome, and fails every request of a batch that failed', async () => {
    const { batcher, sent } = controlled({ maxInFlight: 1, maxItems: 10, maxBytes: 1000 });
    const lone = batcher.submit('x');
    const [good, bad] = [batcher.submit('good'), batcher.submit('bad')];
    await settle();
    sent[0]?.fail(new Error('connection lost'));
    await expect(lone).rejects.toThrow('connection lost');
    await settle();
    sent[1]?.finish([
      { ok: true, value: 'done good' },
      { ok: false, error: new Error('bad key') },
    ]);
    expect(await good).toBe('done good');
    await expect(bad).rejects.toThrow('bad key');
    // a batch answered with the wrong number of outcomes fails as a whole
    const hold = batcher.submit('hold');
    const short = [batcher.submit('p'), batcher.submit('q')];
    await settle();
    sent[2]?.finish(echo(['hold']));
    expect(await hold).toBe('done hold');
    await settle();
    expect(sent[3]?.items).toEqual(['p', 'q']);
    sent[3]?.finish(echo(['p']));
    for (const request of short) await expect(request).rejects.toThrow(/2 requests got 1 answers/);
  });

  it('refuses limits that are not positive integers', () => {
    for (const limits of [
      { maxInFlight: 0, maxItems: 1, maxBytes: 1 },
      { maxInFlight: 1, maxItems: 1.5, maxBytes: 1 },
    ]) {
      expect(
        () =>
          new RequestBatcher<string, string>(
            async () => [],
            limits,
            () => 0,
          ),
      ).toThrow(RangeError);
    }
  });
});
