/** A counting semaphore: at most `limit` tasks of `run` are in progress at once; the rest wait in order. Runtime-agnostic (builder S3 store, worker edge source). */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit must be a positive integer, got ${limit}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Tasks in progress now. */
  get inProgress(): number {
    return this.active;
  }

  /** Whether tasks wait for a slot. */
  get hasWaiting(): boolean {
    return this.waiting.length > 0;
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    // The slot is handed over by release(), so `active` stays at the limit meanwhile.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
