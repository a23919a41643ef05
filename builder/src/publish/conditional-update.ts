/**
 * Read → change → conditional put, retried on conflict: the one way the publisher writes.
 *
 * A write lands only on top of the version it was computed from (If-Match its etag, or
 * If-None-Match * when there was nothing); when another writer got there first, the object is
 * read again and the change recomputed from what is there now, a bounded number of times with
 * jittered exponential backoff.
 */
import type { BackoffPolicy } from './backoff';
import { jitteredDelayMs } from './backoff';
import type { ObjectStore, StoredObject } from './object-store';
import { conditionAfter, StoreError } from './object-store';

/** Rounds of read → change → conditional put of one object (the first write plus retries on conflict). */
export type ConflictRetryPolicy = BackoffPolicy;

export const DEFAULT_CONFLICT_RETRY: ConflictRetryPolicy = { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 2_000 };

/** What a change decides, given the object as it is now (null: absent). */
export type Change<T> = { write: Uint8Array; outcome: T } | { write?: undefined; outcome: T };

export interface UpdateOptions {
  contentType: string;
  policy: ConflictRetryPolicy;
  /** Uniform in [0, 1): the jitter source, so colliding writers spread out (default Math.random). */
  random?: () => number;
  /**
   * The object as the caller already read it (null: a listing or an earlier read showed it
   * absent): the first attempt merges onto that instead of reading again. The conditional put
   * still guards it, so a stale `known` costs one conflict, never a lost write.
   */
  known?: StoredObject | null;
  onConflict?: () => void;
}

export interface UpdateResult<T> {
  outcome: T;
  /** The bytes now stored by this update, if it wrote. */
  written?: Uint8Array;
}

export async function updateObject<T>(
  store: ObjectStore,
  key: string,
  change: (current: StoredObject | null) => Promise<Change<T>> | Change<T>,
  options: UpdateOptions,
): Promise<UpdateResult<T>> {
  const random = options.random ?? Math.random;
  for (let attempt = 0; attempt < options.policy.maxAttempts; attempt++) {
    if (attempt > 0) await sleep(jitteredDelayMs(options.policy, attempt - 1, random()));
    const current = attempt === 0 && options.known !== undefined ? options.known : await store.get(key);
    const decided = await change(current);
    if (decided.write === undefined) return { outcome: decided.outcome };
    const result = await store.put(key, decided.write, options.contentType, conditionAfter(current));
    if (result.ok) return { outcome: decided.outcome, written: decided.write };
    options.onConflict?.();
  }
  throw new StoreError(
    `gave up writing ${key} to ${store.description}: another writer changed it ${options.policy.maxAttempts} times in a row while this one merged (nothing is lost; run the build again)`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
