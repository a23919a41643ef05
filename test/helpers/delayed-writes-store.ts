/**
 * A testing hook: a store that waits before each write, so that a test can kill a real builder
 * process while it is publishing (AGGREGATES_BUILDER_PUBLISH_DELAY_MS). Not for production use.
 */
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';

export const PUBLISH_DELAY_VARIABLE = 'AGGREGATES_BUILDER_PUBLISH_DELAY_MS';

export class DelayedWritesStore implements ObjectStore {
  readonly description: string;
  private announced = false;

  constructor(
    private readonly inner: ObjectStore,
    private readonly delayMs: number,
    /** Told once, when the first write starts. */
    private readonly onFirstWrite: (message: string) => void,
  ) {
    this.description = inner.description;
  }

  get(key: string): Promise<StoredObject | null> {
    return this.inner.get(key);
  }

  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    if (!this.announced) {
      this.announced = true;
      this.onFirstWrite(`${PUBLISH_DELAY_VARIABLE}: publishing, each write delayed by ${this.delayMs} ms\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.inner.put(key, bytes, contentType, condition);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The store with the hook applied when the variable holds a positive number of milliseconds. */
export function withPublishDelayFromEnvironment(
  store: ObjectStore,
  environment: NodeJS.ProcessEnv,
  log: (message: string) => void,
): ObjectStore {
  const delayMs = Number(environment[PUBLISH_DELAY_VARIABLE] ?? '');
  return Number.isFinite(delayMs) && delayMs > 0 ? new DelayedWritesStore(store, delayMs, log) : store;
}
