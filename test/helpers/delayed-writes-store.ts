/**
 * A store that waits before each write, so that a test can kill a real builder process while it
 * is publishing (see slow-publish-cli.ts).
 */
import type { ObjectStore, PutCondition, PutResult, StoredObject } from '../../builder/src/publish/object-store';

/** What slow-publish-cli.ts prints to stderr when its first write starts. */
export const PUBLISHING_LINE = 'slow-publish-cli: publishing, each write delayed';

export class DelayedWritesStore implements ObjectStore {
  readonly description: string;
  private announced = false;

  constructor(
    private readonly inner: ObjectStore,
    private readonly delayMs: number,
    /** Told once, when the first write starts. */
    private readonly onFirstWrite: () => void,
  ) {
    this.description = inner.description;
  }

  get(key: string): Promise<StoredObject | null> {
    return this.inner.get(key);
  }

  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    if (!this.announced) {
      this.announced = true;
      this.onFirstWrite();
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
