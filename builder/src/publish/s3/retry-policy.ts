/**
 * Which failed S3 requests are worth repeating, and after how long: exponential backoff with
 * full jitter, bounded attempts. Pure: randomness comes in as a number in [0, 1).
 */
import type { BackoffPolicy } from '../backoff';
import { jitteredDelayMs } from '../backoff';

/** Retries of one S3 request; maxDelayMs caps Retry-After too. */
export type TransportRetryPolicy = BackoffPolicy;

export const DEFAULT_TRANSPORT_RETRY: TransportRetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 20_000 };

export type AttemptFailure =
  /** An HTTP answer the operation did not expect. */
  | { kind: 'status'; status: number; code?: string | undefined; retryAfterSeconds?: number | undefined }
  /** The connection failed (refused, reset, DNS...) before a whole answer arrived. */
  | { kind: 'network' }
  /** No whole answer within the request timeout. */
  | { kind: 'timeout' }
  /** A whole answer arrived but its bytes do not match their checksum. */
  | { kind: 'corrupt-response' };

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
/**
 * 4xx codes that a repeat can cure: the body was damaged on the way (the server checked
 * Content-MD5), or a concurrent conditional write on the same key was in progress.
 */
const TRANSIENT_CODES = new Set(['BadDigest', 'ConditionalRequestConflict']);

function isTransient(failure: AttemptFailure): boolean {
  if (failure.kind !== 'status') return true;
  return TRANSIENT_STATUSES.has(failure.status) || (failure.code !== undefined && TRANSIENT_CODES.has(failure.code));
}

/**
 * How long to wait before attempt number `failedAttempt + 1`: a uniform draw below
 * min(maxDelay, base * 2^(failedAttempt-1)), but at least the server's Retry-After (capped).
 */
function backoffDelayMs(policy: TransportRetryPolicy, failedAttempt: number, random: number, retryAfterSeconds?: number): number {
  const jittered = Math.floor(jitteredDelayMs(policy, Math.max(0, failedAttempt - 1), random));
  const serverAsked = retryAfterSeconds !== undefined && retryAfterSeconds > 0 ? Math.min(policy.maxDelayMs, retryAfterSeconds * 1000) : 0;
  return Math.max(jittered, serverAsked);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** After attempt number `failedAttempt` (1-based) failed this way: try again, and when? */
export function decideRetry(policy: TransportRetryPolicy, failure: AttemptFailure, failedAttempt: number, random: number): RetryDecision {
  if (!isTransient(failure) || failedAttempt >= policy.maxAttempts) return { retry: false };
  const retryAfter = failure.kind === 'status' ? failure.retryAfterSeconds : undefined;
  return { retry: true, delayMs: backoffDelayMs(policy, failedAttempt, random, retryAfter) };
}

/** Retry-After as seconds: a number of seconds or an HTTP date (relative to `now`); undefined if absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}
