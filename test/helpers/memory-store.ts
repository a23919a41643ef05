/** An ObjectStore in memory, for tests. */
import type { ObjectStore, PutCondition, PutResult, StoredObject } from '../../builder/src/publish/object-store';
import { conditionHolds, contentEtag } from '../../builder/src/publish/object-store';

export class MemoryStore implements ObjectStore {
  readonly description = 'memory';
  readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<StoredObject | null> {
    const bytes = this.objects.get(key);
    return bytes ? { bytes, etag: contentEtag(bytes) } : null;
  }

  async put(key: string, bytes: Uint8Array, _contentType: string, condition?: PutCondition): Promise<PutResult> {
    const current = this.objects.get(key);
    if (!conditionHolds(condition, current ? contentEtag(current) : undefined)) return { ok: false, reason: 'precondition-failed' };
    this.objects.set(key, bytes);
    return { ok: true, etag: contentEtag(bytes) };
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}
}
