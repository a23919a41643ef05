/** An ObjectStore in memory: for tests, and for building into something that is then uploaded. */
import type { ObjectStore, StoredObject } from './object-store';

export class MemoryStore implements ObjectStore {
  readonly description = 'memory';
  readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<StoredObject | null> {
    const bytes = this.objects.get(key);
    return bytes ? { bytes, etag: String(bytes.byteLength) } : null;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.objects.set(key, bytes);
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}
}
