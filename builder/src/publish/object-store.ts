/** Where published objects go: a small interface so the publisher is testable against any store. */

export interface StoredObject {
  bytes: Uint8Array;
  etag: string;
}

export interface ObjectStore {
  /** A human-readable description, for reports and errors. */
  readonly description: string;
  get(key: string): Promise<StoredObject | null>;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  override name = 'StoreError';
}
