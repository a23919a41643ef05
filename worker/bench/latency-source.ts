/**
 * SIMULATED_R2_LATENCY_MS of the bench entry: an ObjectSource that waits a fixed time before each
 * read of the one it wraps. Local R2 answers in well under a millisecond; R2 from a Worker
 * typically takes tens of milliseconds. Wrapped by the app's EdgeSource, the wait is spent while
 * the read holds its connection slot, as a real round trip would.
 */
import type { ObjectSource } from '../src/storage/object-source';

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LatencySource implements ObjectSource {
  constructor(
    private readonly inner: ObjectSource,
    /** Added to every read; 0 adds nothing. */
    private readonly latencyMs: number,
    /** How the latency is waited (tests pass a controllable one). */
    private readonly sleep: (ms: number) => Promise<void> = sleepMs,
  ) {}

  async get(key: string): Promise<Uint8Array | null> {
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    return this.inner.get(key);
  }
}
