/**
 * `--target local`: the R2 bucket that `wrangler dev` serves, written through Miniflare's own R2
 * implementation on wrangler's persistence folder (.wrangler/state/v3/r2).
 *
 * Objects travel to a tiny worker inside Miniflare as HTTP bodies (dispatchFetch), which streams
 * bytes; Miniflare's getR2Bucket() proxy serialises them far more slowly.
 */

import path from 'node:path';
import { Miniflare } from 'miniflare';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';
import { StoreError } from './object-store';
import type { BatchLimits, ItemOutcome } from './request-batcher';
import { RequestBatcher } from './request-batcher';

/**
 * Puts travel in batches: crossing into workerd costs about as much Node CPU as a put costs
 * workerd, so one request per object halved the throughput (docs/performance.md).
 */
const WRITE_LIMITS: BatchLimits = { maxInFlight: 2, maxItems: 64, maxBytes: 8 * 1024 * 1024 };

interface PendingPut {
  key: string;
  bytes: Uint8Array;
  contentType: string;
  condition: PutCondition | undefined;
}

export const DEFAULT_BUCKET_NAME = 'telemetry-aggregates';
export const DEFAULT_PERSIST_DIR = '.wrangler/state';

/**
 * The worker inside Miniflare. Writes come in batches (POST /?batch): the body is a 4-byte
 * big-endian header length, the header (JSON: key, content type, size and condition of each
 * object) and the objects' bytes one after the other; the answer is one { status, etag?, error? }
 * per object, in order. The objects of a batch are put concurrently, each one conditional on its own.
 */
const BRIDGE_SCRIPT = `
async function putOne(env, item, bytes) {
  const options = { httpMetadata: { contentType: item.type } };
  if (item.ifMatch !== undefined) options.onlyIf = { etagMatches: item.ifMatch };
  else if (item.ifNoneMatch) options.onlyIf = { etagDoesNotMatch: '*' };
  try {
    const written = await env.BUCKET.put(item.key, bytes, options);
    return written ? { status: 204, etag: written.etag } : { status: 412 };
  } catch (error) {
    return { status: 500, error: String(error && error.message || error) };
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === 'POST' && url.searchParams.has('batch')) {
      const body = new Uint8Array(await request.arrayBuffer());
      const headerLength = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
      const items = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + headerLength)));
      let offset = 4 + headerLength;
      const puts = items.map((item) => {
        const bytes = body.slice(offset, offset + item.size);
        offset += item.size;
        return putOne(env, item, bytes);
      });
      return Response.json(await Promise.all(puts));
    }
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === 'DELETE') {
      await env.BUCKET.delete(key);
      return new Response(null, { status: 204 });
    }
    if (url.searchParams.has('list')) {
      const keys = [];
      let cursor;
      do {
        const page = await env.BUCKET.list({ prefix: url.searchParams.get('list'), cursor });
        for (const object of page.objects) keys.push(object.key);
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return Response.json(keys);
    }
    const object = await env.BUCKET.get(key);
    if (!object) return new Response(null, { status: 404 });
    return new Response(object.body, { headers: { etag: object.etag } });
  },
};`;

export class LocalR2Store implements ObjectStore {
  readonly description: string;

  readonly suggestedConcurrency = WRITE_LIMITS.maxInFlight * WRITE_LIMITS.maxItems;
  private readonly writes: RequestBatcher<PendingPut, PutResult>;

  private constructor(
    private readonly miniflare: Miniflare,
    persistDir: string,
    bucketName: string,
  ) {
    this.description = `local R2 bucket ${bucketName} in ${persistDir}`;
    this.writes = new RequestBatcher(
      (puts) => this.sendBatch(puts),
      WRITE_LIMITS,
      (put) => put.bytes.byteLength,
    );
  }

  static async open(options: { persistDir?: string; bucketName?: string } = {}): Promise<LocalR2Store> {
    const persistDir = path.resolve(options.persistDir ?? DEFAULT_PERSIST_DIR);
    const bucketName = options.bucketName ?? DEFAULT_BUCKET_NAME;
    let miniflare: Miniflare | undefined;
    try {
      miniflare = new Miniflare({
        modules: true,
        script: BRIDGE_SCRIPT,
        r2Buckets: { BUCKET: bucketName },
        r2Persist: path.join(persistDir, 'v3', 'r2'),
      });
      await miniflare.ready;
      return new LocalR2Store(miniflare, persistDir, bucketName);
    } catch (error) {
      // A Miniflare that failed to start still holds workerd: without dispose() the process never exits.
      await miniflare?.dispose().catch(() => undefined);
      throw new StoreError(`cannot open local R2 in ${persistDir}: ${(error as Error).message}`);
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const response = await this.request(key, { method: 'GET' });
    if (response.status === 404) return null;
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { bytes, etag: response.headers.get('etag') ?? '' };
  }

  /** Gathered with other puts under way into one request to the bridge (request-batcher.ts). */
  put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    return this.writes.submit({ key, bytes, contentType, condition });
  }

  /** Batches and requests so far: the batches sent, the largest, and the most under way at once. */
  get batching(): Readonly<RequestBatcher<PendingPut, PutResult>['seen']> {
    return this.writes.seen;
  }

  private async sendBatch(puts: PendingPut[]): Promise<ItemOutcome<PutResult>[]> {
    const header = new TextEncoder().encode(
      JSON.stringify(
        puts.map(({ key, bytes, contentType, condition }) => ({
          key,
          type: contentType,
          size: bytes.byteLength,
          ...(condition && 'ifMatch' in condition ? { ifMatch: condition.ifMatch } : {}),
          ...(condition && 'ifNoneMatch' in condition ? { ifNoneMatch: true } : {}),
        })),
      ),
    );
    const body = new Uint8Array(4 + header.byteLength + puts.reduce((total, put) => total + put.bytes.byteLength, 0));
    new DataView(body.buffer).setUint32(0, header.byteLength);
    body.set(header, 4);
    let offset = 4 + header.byteLength;
    for (const { bytes } of puts) {
      body.set(bytes, offset);
      offset += bytes.byteLength;
    }
    const response = await this.miniflare.dispatchFetch('http://local-r2/?batch', { method: 'POST', body });
    if (response.status !== 200) throw new StoreError(`local R2: a batch of ${puts.length} puts failed: ${response.status}`);
    const answers = (await response.json()) as { status: number; etag?: string; error?: string }[];
    return answers.map((answer, i): ItemOutcome<PutResult> => {
      if (answer.status === 204) return { ok: true, value: { ok: true, etag: answer.etag ?? '' } };
      if (answer.status === 412) return { ok: true, value: { ok: false, reason: 'precondition-failed' } };
      const key = puts[i]?.key;
      return { ok: false, error: new StoreError(`local R2 put ${key} failed: ${answer.status} ${answer.error ?? ''}`.trim()) };
    });
  }

  async delete(key: string): Promise<void> {
    await this.request(key, { method: 'DELETE' });
  }

  async list(prefix: string): Promise<string[]> {
    const response = await this.miniflare.dispatchFetch(`http://local-r2/?list=${encodeURIComponent(prefix)}`);
    return (await response.json()) as string[];
  }

  async close(): Promise<void> {
    await this.miniflare.dispose();
  }

  private async request(key: string, init: { method: string; body?: Uint8Array; headers?: Record<string, string> }) {
    return this.miniflare.dispatchFetch(`http://local-r2/${encodeURIComponent(key)}`, init);
  }
}
