/** Reading what a trim plans from: one listing of v1/, the index objects, the boundary shards. */
import type { ChannelsIndex, DatesIndex, LedgerIndex, ManifestIndex } from '../../../worker/src/core/index-objects';
import { ChannelsSchema, DatesSchema, LedgerSchema, ManifestSchema } from '../../../worker/src/core/index-schemas';
import type { ShardContent } from '../../../worker/src/core/shard';
import { decodeShardContent } from '../../../worker/src/core/shard-codec';
import type { Prefix } from '../../../worker/src/core/storage-keys';
import { LAYOUT_VERSION } from '../../../worker/src/core/storage-keys';
import type { ObjectStore } from '../publish/object-store';
import { runPool } from '../publish/publish-build';
import { PublishedObjectError, readIndexObject } from '../publish/published-index';
import type { InspectedShard } from './plan-trim';
import { inspectShard } from './plan-trim';
import type { PublishedState, Versioned } from './published-state';
import { parseKey } from './published-state';
import type { RetentionPolicy } from './retention-window';
import { windowFor } from './retention-window';

const READ_CONCURRENCY = 16;

export async function readPublishedState(store: ObjectStore): Promise<PublishedState> {
  const keys = await store.list(`${LAYOUT_VERSION}/`);
  const channels = new Map<Prefix, Versioned<ChannelsIndex>>();
  const dates = new Map<string, Versioned<DatesIndex>>();
  const manifests = new Map<string, Versioned<ManifestIndex>>();
  const ledgers = new Map<string, Versioned<LedgerIndex>>();
  await runPool(keys, READ_CONCURRENCY, async (key) => {
    const parsed = parseKey(key);
    if (parsed.kind === 'channels') setIfRead(channels, parsed.prefix, await readIndexObject(store, ChannelsSchema, key));
    else if (parsed.kind === 'dates')
      setIfRead(dates, `${parsed.prefix}/${parsed.channel}`, await readIndexObject(store, DatesSchema, key));
    else if (parsed.kind === 'manifest')
      setIfRead(manifests, `${parsed.prefix}/${parsed.channel}/${parsed.version}`, await readIndexObject(store, ManifestSchema, key));
    else if (parsed.kind === 'ledger')
      setIfRead(ledgers, `${parsed.prefix}/${parsed.channel}/${parsed.version}`, await readIndexObject(store, LedgerSchema, key));
  });
  return { keys, channels, dates, manifests, ledgers };
}

/** Reads, decodes and inspects the given shards; a shard gone since the listing is left out. */
export async function inspectShards(
  store: ObjectStore,
  keys: readonly string[],
  policy: RetentionPolicy,
): Promise<Map<string, InspectedShard>> {
  const shards = new Map<string, InspectedShard>();
  await runPool(keys, READ_CONCURRENCY, async (key) => {
    const object = await store.get(key);
    if (!object) return;
    let content: ShardContent;
    try {
      content = decodeShardContent(object.bytes);
    } catch (error) {
      throw new PublishedObjectError(`${key}: not a readable shard (${(error as Error).message})`);
    }
    const parsed = parseKey(key);
    if (parsed.kind !== 'shard') throw new PublishedObjectError(`${key}: not a shard key`);
    shards.set(key, inspectShard(object, content, windowFor(policy, parsed.channel)));
  });
  return shards;
}

function setIfRead<K, T>(map: Map<K, Versioned<T>>, key: K, read: Versioned<T> | null): void {
  if (read) map.set(key, read);
}
