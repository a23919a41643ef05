/**
 * The constraints of R2 reads on the Workers platform, applied to any ObjectSource: at most
 * `maxConcurrentReads` reads in flight per request (Workers allows 6 simultaneous open
 * connections per invocation and queues the rest; doing the same here makes local runs, where
 * workerd does not enforce it, queue like production).
 *
 * One EdgeSource is made per request, so the limit is per request as on the platform. It also
 * reports how long the request had reads in flight (`onReadWait`), for the Server-Timing header.
 */
import { ConcurrencyLimit } from '../core/concurrency-limit';
import type { ObjectSource } from './object-source';

/** Simultaneous open connections per Workers invocation (fetch, R2, KV, Cache API...). */
export const WORKERS_CONNECTION_LIMIT = 6;

export interface EdgeSourceOptions {
  maxConcurrentReads: number;
  /** Called each time the reads in flight drop to none, with how long there had been some. */
  onReadWait?: (ms: number) => void;
  /** Clock for onReadWait; default performance.now. */
  now?: () => number;
}

export class EdgeSource implements ObjectSource {
  private readonly slots: ConcurrencyLimit;
  private readonly now: () => number;
  /** Since when some read has been in flight (undefined: none is). */
  private busySince: number | undefined;

  constructor(
    private readonly inner: ObjectSource,
    private readonly options: EdgeSourceOptions,
  ) {
    this.slots = new ConcurrencyLimit(options.maxConcurrentReads);
    this.now = options.now ?? (() => performance.now());
  }

  get(key: string): Promise<Uint8Array | null> {
    return this.slots.run(async () => {
      this.busySince ??= this.now();
      try {
        return await this.inner.get(key);
      } finally {
        // This read still holds its slot: it is the last one in flight when it is alone and nobody waits.
        if (this.slots.inProgress === 1 && !this.slots.hasWaiting) {
          this.options.onReadWait?.(this.now() - this.busySince);
          this.busySince = undefined;
        }
      }
    });
  }

  /** Reads in flight now (never above maxConcurrentReads). */
  get readsInFlight(): number {
    return this.slots.inProgress;
  }
}
