/** Where published objects go: a small interface so the publisher is testable against any store. */
import { createHash } from 'node:crypto';

export interface StoredObject {
  bytes: Uint8Array;
  /** An opaque version tag: it changes whenever the object's bytes change. */
  etag: string;
}

/**
 * A compare-and-swap condition for `put`, with the semantics of HTTP/S3 conditional writes:
 * `ifMatch` writes only if the object exists with that etag; `ifNoneMatch: '*'` only if it does not exist.
 */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: '*' };

export type PutResult =
  | { ok: true; etag: string }
  /** The condition did not hold: someone else wrote (or deleted) the object first. */
  | { ok: false; reason: 'precondition-failed' };

export interface ObjectStore {
  /** A human-readable description, for reports and errors. */
  readonly description: string;
  /** How many operations a publisher should keep under way at once (its default when unset). */
  readonly suggestedConcurrency?: number;
  get(key: string): Promise<StoredObject | null>;
  /** Without a condition the write always happens. Throws StoreError on I/O failure. */
  put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}

/** The condition that makes a write land only on top of what was read (or on nothing, if nothing was). */
export function conditionAfter(read: StoredObject | null): PutCondition {
  return read ? { ifMatch: read.etag } : { ifNoneMatch: '*' };
}

/** Whether a conditional write may land on an object whose current etag is `currentEtag` (undefined: absent). */
export function conditionHolds(condition: PutCondition | undefined, currentEtag: string | undefined): boolean {
  if (!condition) return true;
  if ('ifNoneMatch' in condition) return currentEtag === undefined;
  return currentEtag === condition.ifMatch;
}

/** The MD5 of the bytes, as S3 and R2 report for single-part uploads. */
export function contentEtag(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}
