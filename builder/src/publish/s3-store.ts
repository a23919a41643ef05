/**
 * `--target r2://BUCKET[/PREFIX]`: an ObjectStore over the S3 API (R2's S3-compatible endpoint,
 * or any S3 server), signed with SigV4 by aws4fetch, path-style addressing.
 *
 * - Every PUT carries Content-MD5, so the server refuses a body damaged on the way; the ETag it
 *   answers must then equal the MD5 of the bytes sent (single-part PUT), otherwise the object
 *   stored is not ours and the put fails. A GET whose body does not match a plain-MD5 ETag is
 *   treated as a damaged transfer and repeated.
 * - Conditional puts send If-Match / If-None-Match: *; 412 is `{ ok: false }`.
 * - Transient failures (network errors, timeouts, 429, 5xx, BadDigest) are retried with
 *   exponential backoff and jitter (retry-policy.ts); other answers fail at once with a StoreError
 *   naming the key, the status and S3's error Code and Message.
 * - At most `maxInFlight` requests are in flight per store, whoever calls it.
 */
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { ConcurrencyLimit } from '../../../worker/src/core/concurrency-limit';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';
import { StoreError } from './object-store';
import type { S3Connection } from './s3/r2-target';
import type { AttemptFailure, TransportRetryPolicy } from './s3/retry-policy';
import { DEFAULT_TRANSPORT_RETRY, decideRetry, parseRetryAfter } from './s3/retry-policy';
import { listUrl, objectUrl, withoutPrefix, withPrefix } from './s3/s3-urls';
import { parseListObjectsV2, parseS3Error } from './s3/s3-xml';

export interface S3StoreConfig extends S3Connection {
  /** SigV4 region: R2 takes "auto". */
  region?: string;
  /** Requests in flight at once, at most. Default 32 (docs/performance.md: 16 → 32 gained a fifth at 30 ms latency, 64 nothing more). */
  maxInFlight?: number;
  retry?: TransportRetryPolicy;
  /** One attempt (answer and body) may take this long. Default 60 s. */
  requestTimeoutMs?: number;
  /** ListObjectsV2 max-keys; the server's default (1000) when unset. */
  listPageSize?: number;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

type Method = 'GET' | 'HEAD' | 'PUT' | 'DELETE';

interface S3Request {
  method: Method;
  url: string;
  /** What the request is about, for messages: the stored key, or the listed prefix. */
  subject: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses the caller handles itself; any other is a failure. */
  expected: readonly number[];
  /** A problem with an expected answer's bytes (then the attempt counts as a damaged transfer), or null. */
  verify?: (answer: HttpAnswer) => string | null;
}

interface S3Outcome {
  answer: HttpAnswer;
  /** An earlier attempt of this PUT failed in a way that does not tell whether it was applied. */
  earlierAttemptMayHaveApplied: boolean;
}

const DEFAULT_MAX_IN_FLIGHT = 32;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const PLAIN_MD5 = /^[0-9a-f]{32}$/;

export class S3Store implements ObjectStore {
  readonly description: string;
  /** As many publisher operations as requests may be in flight: each waits on the network, not the CPU. */
  readonly suggestedConcurrency: number;
  private readonly client: AwsClient;
  private readonly inFlight: ConcurrencyLimit;
  private readonly retry: TransportRetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly config: S3StoreConfig) {
    const where = config.prefix ? `${config.bucket}/${config.prefix}` : config.bucket;
    this.description = `S3 bucket ${where} at ${config.endpoint}`;
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      service: 's3',
      region: config.region ?? 'auto',
      // Retries are ours (retry-policy.ts): aws4fetch's own would repeat 5xx only, without a bound on time.
      retries: 0,
    });
    this.inFlight = new ConcurrencyLimit(config.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.suggestedConcurrency = this.inFlight.limit;
    this.retry = config.retry ?? DEFAULT_TRANSPORT_RETRY;
    this.requestTimeoutMs = config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.random = config.random ?? Math.random;
    this.sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Opens the store and lists one key under its prefix, so bad credentials or a missing bucket fail before any work. */
  static async open(config: S3StoreConfig): Promise<S3Store> {
    const store = new S3Store(config);
    await store.listPage(withPrefix(config.prefix, ''), undefined, 1);
    return store;
  }

  async get(key: string): Promise<StoredObject | null> {
    const storedKey = withPrefix(this.config.prefix, key);
    const { answer } = await this.perform({
      method: 'GET',
      url: this.urlOf(storedKey),
      subject: storedKey,
      expected: [200, 404],
      verify: (candidate) => {
        if (candidate.status !== 200) return null;
        const etag = etagOf(candidate.headers);
        if (!PLAIN_MD5.test(etag)) return null; // multipart ETags are not an MD5 of the bytes
        const actual = md5(candidate.body).toString('hex');
        return actual === etag ? null : `the body's MD5 ${actual} does not match its ETag ${etag}`;
      },
    });
    if (answer.status === 404) return null;
    return { bytes: answer.body, etag: etagOf(answer.headers) };
  }

  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    const storedKey = withPrefix(this.config.prefix, key);
    const digest = md5(bytes);
    const sentMd5 = digest.toString('hex');
    const headers: Record<string, string> = { 'content-type': contentType, 'content-md5': digest.toString('base64') };
    if (condition && 'ifMatch' in condition) headers['if-match'] = `"${condition.ifMatch}"`;
    if (condition && 'ifNoneMatch' in condition) headers['if-none-match'] = condition.ifNoneMatch;
    const { answer, earlierAttemptMayHaveApplied } = await this.perform({
      method: 'PUT',
      url: this.urlOf(storedKey),
      subject: storedKey,
      headers,
      body: bytes,
      // S3 answers If-Match on a missing object with 404 NoSuchKey, R2 with 412.
      expected: !condition ? [200] : 'ifMatch' in condition ? [200, 412, 404] : [200, 412],
    });
    if (answer.status !== 200) {
      // A lost answer to an applied write makes its repeat fail the condition: if the object now
      // holds exactly these bytes, the write is done.
      if (earlierAttemptMayHaveApplied && (await this.headEtag(storedKey)) === sentMd5) return { ok: true, etag: sentMd5 };
      return { ok: false, reason: 'precondition-failed' };
    }
    const etag = etagOf(answer.headers);
    if (etag !== sentMd5) {
      throw new StoreError(
        `${this.where(storedKey)}: PUT answered ETag "${etag}", but the MD5 of the ${bytes.byteLength} bytes sent is ${sentMd5}: the stored object is not what was sent`,
      );
    }
    return { ok: true, etag };
  }

  async delete(key: string): Promise<void> {
    const storedKey = withPrefix(this.config.prefix, key);
    await this.perform({ method: 'DELETE', url: this.urlOf(storedKey), subject: storedKey, expected: [200, 204, 404] });
  }

  async list(prefix: string): Promise<string[]> {
    const storedPrefix = withPrefix(this.config.prefix, prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(storedPrefix, token, this.config.listPageSize);
      for (const storedKey of page.keys) {
        const key = withoutPrefix(this.config.prefix, storedKey);
        if (key === null || !key.startsWith(prefix)) {
          throw new StoreError(`${this.where(storedPrefix)}: the listing returned "${storedKey}", outside the prefix asked for`);
        }
        keys.push(key);
      }
      token = page.nextContinuationToken;
    } while (token !== undefined);
    return keys.sort();
  }

  async close(): Promise<void> {}

  private async listPage(storedPrefix: string, continuationToken: string | undefined, maxKeys: number | undefined) {
    const { answer } = await this.perform({
      method: 'GET',
      url: listUrl(this.config.endpoint, this.config.bucket, { prefix: storedPrefix, continuationToken, maxKeys }),
      subject: `${storedPrefix}*`,
      expected: [200],
    });
    try {
      const page = parseListObjectsV2(new TextDecoder().decode(answer.body));
      return { keys: page.keys, nextContinuationToken: page.isTruncated ? page.nextContinuationToken : undefined };
    } catch (error) {
      throw new StoreError(`${this.where(`${storedPrefix}*`)}: unreadable list answer: ${(error as Error).message}`);
    }
  }

  /** The ETag of a stored key, or null when there is none. */
  private async headEtag(storedKey: string): Promise<string | null> {
    const { answer } = await this.perform({ method: 'HEAD', url: this.urlOf(storedKey), subject: storedKey, expected: [200, 404] });
    return answer.status === 200 ? etagOf(answer.headers) : null;
  }

  /** One operation: attempts until an expected, intact answer, a non-transient failure or the attempt limit. */
  private async perform(request: S3Request): Promise<S3Outcome> {
    let earlierAttemptMayHaveApplied = false;
    for (let attempt = 1; ; attempt++) {
      let failure: AttemptFailure;
      let detail: string;
      try {
        const answer = await this.exchange(request);
        if (request.expected.includes(answer.status)) {
          const problem = request.verify?.(answer) ?? null;
          if (problem === null) return { answer, earlierAttemptMayHaveApplied };
          failure = { kind: 'corrupt-response' };
          detail = problem;
        } else {
          const error = parseS3Error(new TextDecoder().decode(answer.body));
          failure = {
            kind: 'status',
            status: answer.status,
            code: error.code,
            retryAfterSeconds: parseRetryAfter(answer.headers.get('retry-after'), Date.now()),
          };
          detail = [String(answer.status), error.code, error.message].filter(Boolean).join(' ');
        }
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        failure = timedOut ? { kind: 'timeout' } : { kind: 'network' };
        detail = timedOut ? `no answer within ${this.requestTimeoutMs} ms` : describeNetworkError(error);
      }
      if (
        request.method === 'PUT' &&
        (failure.kind === 'network' || failure.kind === 'timeout' || (failure.kind === 'status' && failure.status >= 500))
      ) {
        earlierAttemptMayHaveApplied = true;
      }
      const decision = decideRetry(this.retry, failure, attempt, this.random());
      if (!decision.retry) {
        const attempts = attempt > 1 ? ` after ${attempt} attempts` : '';
        throw new StoreError(`${this.where(request.subject)}: ${request.method} failed${attempts}: ${detail}`);
      }
      await this.sleep(decision.delayMs);
    }
  }

  /** One HTTP exchange, whole body read, under the in-flight limit and the request timeout. */
  private exchange(request: S3Request): Promise<HttpAnswer> {
    return this.inFlight.run(async () => {
      const init: { method: Method; headers?: Record<string, string>; body?: Uint8Array } = { method: request.method };
      if (request.headers) init.headers = request.headers;
      if (request.body) init.body = request.body;
      // Signed per attempt: the signature carries the time.
      const signed = await this.client.sign(request.url, init);
      const response = await fetch(signed, { signal: AbortSignal.timeout(this.requestTimeoutMs) });
      const body = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, body };
    });
  }

  private urlOf(storedKey: string): string {
    try {
      return objectUrl(this.config.endpoint, this.config.bucket, storedKey);
    } catch (error) {
      throw new StoreError(`${this.where(storedKey)}: ${(error as Error).message}`);
    }
  }

  private where(subject: string): string {
    return `S3 ${this.config.bucket}/${subject}`;
  }
}

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

/** The ETag header without quotes or weak marker, lowercase. */
function etagOf(headers: Headers): string {
  return (headers.get('etag') ?? '').trim().replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message;
  return reason ? `${(error as Error).message} (${reason})` : (error as Error).message;
}
