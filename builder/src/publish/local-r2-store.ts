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

export const DEFAULT_BUCKET_NAME = 'telemetry-aggregates';
export const DEFAULT_PERSIST_DIR = '.wrangler/state';

const BRIDGE_SCRIPT = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = decodeURIComponent(url.pathname.slice(1));
    if (request.method === 'PUT') {
      const type = request.headers.get('content-type') || 'application/octet-stream';
      const options = { httpMetadata: { contentType: type } };
      const ifMatch = request.headers.get('if-match');
      if (ifMatch) options.onlyIf = { etagMatches: ifMatch };
      else if (request.headers.get('if-none-match') === '*') options.onlyIf = { etagDoesNotMatch: '*' };
      const written = await env.BUCKET.put(key, await request.arrayBuffer(), options);
      if (!written) return new Response(null, { status: 412 });
      return new Response(null, { status: 204, headers: { etag: written.etag } });
    }
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

  private constructor(
    private readonly miniflare: Miniflare,
    persistDir: string,
    bucketName: string,
  ) {
    this.description = `local R2 bucket ${bucketName} in ${persistDir}`;
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

  async put(key: string, bytes: Uint8Array, contentType: string, condition?: PutCondition): Promise<PutResult> {
    const headers: Record<string, string> = { 'content-type': contentType };
    if (condition && 'ifMatch' in condition) headers['if-match'] = condition.ifMatch;
    if (condition && 'ifNoneMatch' in condition) headers['if-none-match'] = '*';
    const response = await this.request(key, { method: 'PUT', body: bytes, headers });
    if (response.status === 412) return { ok: false, reason: 'precondition-failed' };
    if (response.status !== 204) throw new StoreError(`local R2 put ${key} failed: ${response.status}`);
    return { ok: true, etag: response.headers.get('etag') ?? '' };
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
