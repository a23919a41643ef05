/**
 * `--target local`: the R2 bucket that `wrangler dev` serves, written through Miniflare's own R2
 * implementation on wrangler's persistence folder (.wrangler/state/v3/r2).
 */
import { Miniflare } from 'miniflare';
import path from 'node:path';
import type { ObjectStore, StoredObject } from './object-store';
import { StoreError } from './object-store';

export const DEFAULT_BUCKET_NAME = 'telemetry-aggregates';
export const DEFAULT_PERSIST_DIR = '.wrangler/state';

type R2Bucket = Awaited<ReturnType<Miniflare['getR2Bucket']>>;

export class LocalR2Store implements ObjectStore {
  readonly description: string;

  private constructor(
    private readonly miniflare: Miniflare,
    private readonly bucket: R2Bucket,
    persistDir: string,
    bucketName: string,
  ) {
    this.description = `local R2 bucket ${bucketName} in ${persistDir}`;
  }

  static async open(options: { persistDir?: string; bucketName?: string } = {}): Promise<LocalR2Store> {
    const persistDir = path.resolve(options.persistDir ?? DEFAULT_PERSIST_DIR);
    const bucketName = options.bucketName ?? DEFAULT_BUCKET_NAME;
    try {
      const miniflare = new Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response(null, { status: 404 }); } }',
        r2Buckets: { BUCKET: bucketName },
        r2Persist: path.join(persistDir, 'v3', 'r2'),
      });
      const bucket = await miniflare.getR2Bucket('BUCKET');
      return new LocalR2Store(miniflare, bucket, persistDir, bucketName);
    } catch (error) {
      throw new StoreError(`cannot open local R2 in ${persistDir}: ${(error as Error).message}`);
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const object = await this.bucket.get(key);
    if (!object) return null;
    return { bytes: new Uint8Array(await object.arrayBuffer()), etag: object.etag };
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    // Miniflare rejects Node Buffers: hand it a plain Uint8Array.
    const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes);
    await this.bucket.put(key, plain, { httpMetadata: { contentType } });
  }

  async delete(key: string): Promise<void> {
    await this.bucket.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return keys;
  }

  async close(): Promise<void> {
    await this.miniflare.dispose();
  }
}
