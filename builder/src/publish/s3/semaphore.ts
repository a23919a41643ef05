/** A counting semaphore: at most `limit` holders at once, the others wait in arrival order. */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a semaphore limit must be a positive integer, got ${limit}`);
  }

  /** How many hold a permit now. */
  get inUse(): number {
    return this.held;
  }

  async acquire(): Promise<void> {
    if (this.held < this.limit) {
      this.held++;
      return;
    }
    // The permit passes directly from the releaser to the waiter: `held` does not change.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else if (this.held > 0) this.held--;
    else throw new Error('Semaphore.release() without a matching acquire()');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }
}
