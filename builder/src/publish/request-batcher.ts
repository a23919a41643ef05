/**
 * Gathers single requests into batches, for a store whose cost is per round trip rather than per
 * byte (local R2: every request crosses from Node into workerd). Pure scheduling, no I/O: the
 * batch is sent by the function given.
 *
 * No timer: a request goes out at once while fewer than `maxInFlight` batches are under way;
 * otherwise it waits, and when a batch comes back everything waiting (up to `maxItems` requests
 * or `maxBytes` of payload, at least one request) leaves together. Under load the batches fill
 * by themselves; a lone request is never delayed.
 */

export interface BatchLimits {
  /** Batches under way at once, at most. */
  maxInFlight: number;
  /** Requests in one batch, at most. */
  maxItems: number;
  /** Payload bytes in one batch, at most (a single larger request still goes, alone). */
  maxBytes: number;
}

/** Each request's own outcome: a batch answers every request separately. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: Error };

interface Waiting<T, R> {
  item: T;
  bytes: number;
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

export class RequestBatcher<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  /** The largest batch sent and the most batches under way at once, for tests and reports. */
  readonly seen = { largestBatch: 0, mostInFlight: 0, batches: 0 };

  constructor(
    /** Sends one batch; answers one outcome per request, in order. A throw fails the whole batch. */
    private readonly send: (items: T[]) => Promise<ItemOutcome<R>[]>,
    private readonly limits: BatchLimits,
    private readonly sizeOf: (item: T) => number,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, bytes: this.sizeOf(item), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      this.seen.batches += 1;
      this.seen.largestBatch = Math.max(this.seen.largestBatch, batch.length);
      this.seen.mostInFlight = Math.max(this.seen.mostInFlight, this.inFlight);
      void this.dispatch(batch);
    }
  }

  private takeBatch(): Waiting<T, R>[] {
    const batch: Waiting<T, R>[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < this.limits.maxItems) {
      const next = this.queue[0] as Waiting<T, R>;
      if (batch.length > 0 && bytes + next.bytes > this.limits.maxBytes) break;
      batch.push(next);
      bytes += next.bytes;
      this.queue.shift();
    }
    return batch;
  }

  private async dispatch(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const outcomes = await this.send(batch.map((waiting) => waiting.item));
      if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} requests got ${outcomes.length} answers`);
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i] as ItemOutcome<R>;
        if (outcome.ok) waiting.resolve(outcome.value);
        else waiting.reject(outcome.error);
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error as Error);
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }
}
