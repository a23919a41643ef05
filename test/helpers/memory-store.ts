/** An ObjectStore in memory: for tests, and for building into something that is then uploaded. */
import { createHash } from 'node:crypto';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';

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

/** The MD5 of the bytes, as S3 and R2 report for single-part uploads. */
export function contentEtag(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Whether a conditional write may land on an object whose current etag is `currentEtag` (undefined: absent). */
export function conditionHolds(condition: PutCondition | undefined, currentEtag: string | undefined): boolean {
  if (!condition) return true;
  if ('ifNoneMatch' in condition) return currentEtag === undefined;
  return currentEtag === condition.ifMatch;
}
