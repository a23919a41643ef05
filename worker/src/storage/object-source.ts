/** Where the worker reads published objects from: R2 in production, anything with `get` in tests. */

export interface ObjectSource {
  /** The object's bytes, or null when there is no object under that key. */
  get(key: string): Promise<Uint8Array | null>;
}

/** Reads the bucket the builder publishes into. */
export class R2ObjectSource implements ObjectSource {
  constructor(private readonly bucket: R2Bucket) {}

  async get(key: string): Promise<Uint8Array | null> {
    const object = await this.bucket.get(key);
    if (object === null) return null;
    return new Uint8Array(await object.arrayBuffer());
  }
}

/** R2 reads made while answering one request (reads served from isolate caches do not count). */
export interface ReadStats {
  indexReads: number;
  shardReads: number;
  /** Milliseconds during which at least one R2 read of the request was in flight (by the worker's clock). */
  readWaitMs: number;
}

export function emptyReadStats(): ReadStats {
  return { indexReads: 0, shardReads: 0, readWaitMs: 0 };
}

export function totalReads(stats: ReadStats): number {
  return stats.indexReads + stats.shardReads;
}
