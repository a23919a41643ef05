/**
 * Bounded retries with exponential backoff and "full jitter": the one policy shape of the S3
 * store's transport retries (s3/retry-policy.ts) and the publisher's conflict retries
 * (conditional-update.ts). Pure: randomness comes in as a number in [0, 1).
 */

export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The backoff ceiling of the first retry; doubles with each further one. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/** A uniform draw (`random` in [0, 1)) below min(maxDelayMs, baseDelayMs · 2^retry); `retry` counts from 0. */
export function jitteredDelayMs(policy: BackoffPolicy, retry: number, random: number): number {
  return random * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}
