/**
 * Read-only access to a local R2 bucket as `wrangler dev` persists it (DIR/v3/r2), through
 * Miniflare's own R2 implementation, for bench scripts that measure what the worker would read.
 * Objects come out of a two-route worker as HTTP bodies (dispatchFetch streams them; Miniflare's
 * getR2Bucket() proxy is several times slower for thousands of objects).
 */
import path from 'node:path';
import { Miniflare } from 'miniflare';

/** The bucket of wrangler.toml's AGGREGATES binding. */
export const AGGREGATES_BUCKET = 'telemetry-aggregates';

export interface LocalBucket {
  readonly description: string;
  /** Every key under `prefix`, in key order. */
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

/** GET /?prefix=P: the keys under P (JSON); GET /KEY: the object's body, 404 when none. */
const READER_SCRIPT = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      const keys = [];
      let cursor;
      do {
        const page = await env.BUCKET.list({ prefix: url.searchParams.get('prefix') ?? '', cursor });
        keys.push(...page.objects.map((object) => object.key));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return Response.json(keys);
    }
    const object = await env.BUCKET.get(decodeURIComponent(url.pathname.slice(1)));
    return object ? new Response(object.body) : new Response(null, { status: 404 });
  },
};`;

const ORIGIN = 'http://local-bucket';

export async function openLocalBucket(persistTo: string, bucketName = AGGREGATES_BUCKET): Promise<LocalBucket> {
  const miniflare = new Miniflare({
    modules: true,
    script: READER_SCRIPT,
    r2Buckets: { BUCKET: bucketName },
    r2Persist: path.join(path.resolve(persistTo), 'v3', 'r2'),
  });
  try {
    await miniflare.ready;
  } catch (error) {
    // A Miniflare that failed to start still holds workerd: without dispose() the process never exits.
    await miniflare.dispose().catch(() => undefined);
    throw error;
  }
  return {
    description: `local R2 bucket ${bucketName} in ${persistTo}`,
    async list(prefix) {
      const response = await miniflare.dispatchFetch(`${ORIGIN}/?prefix=${encodeURIComponent(prefix)}`);
      return (await response.json()) as string[];
    },
    async get(key) {
      const response = await miniflare.dispatchFetch(`${ORIGIN}/${encodeURIComponent(key)}`);
      if (response.status === 404) {
        await response.arrayBuffer();
        return null;
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    close: () => miniflare.dispose(),
  };
}
