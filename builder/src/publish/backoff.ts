/** Exponential backoff with "full jitter", shared by the S3 store's retries and the publisher's conflict retries. */

/** A uniform draw (`random` in [0, 1)) below min(maxDelayMs, baseDelayMs · 2^retry); `retry` counts from 0. */
export function jitteredDelayMs(baseDelayMs: number, maxDelayMs: number, retry: number, random: number): number {
  return random * Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
}
