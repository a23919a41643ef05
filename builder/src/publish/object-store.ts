/** Where published objects go: a small interface so the publisher is testable against any store. */

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
