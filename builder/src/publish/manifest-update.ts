/**
 * Which revision a manifest lists for a shard when several writers publish at once.
 *
 * A writer knows two revisions of each shard it touched: the one it merged onto (`base`) and the
 * one it left (`revision`). If the manifest lists neither, another writer changed the shard too,
 * before or after this one: only the shard's current bytes tell which listing is up to date, so
 * they are read. Without concurrent writers that never happens, and no shard is read here.
 */
import type { ManifestIndex } from '../../../worker/src/core/index-objects';
import { mergeManifests } from '../../../worker/src/core/index-objects';

export interface ShardRevision {
  metric: string;
  period: string;
  /** The revision of the bytes this build left in the store (written or found). */
  revision: string;
  /** The revision of the bytes it merged onto, if it read any. */
  base?: string;
}

export async function manifestWith(
  current: ManifestIndex,
  entries: Iterable<ShardRevision>,
  revisionNow: (metric: string, period: string) => Promise<string | undefined>,
): Promise<ManifestIndex> {
  const update: ManifestIndex = { metrics: {} };
  for (const entry of entries) {
    const listed = current.metrics[entry.metric]?.[entry.period];
    let revision = entry.revision;
    if (listed !== undefined && listed !== entry.revision && listed !== entry.base) {
      revision = (await revisionNow(entry.metric, entry.period)) ?? listed;
    }
    (update.metrics[entry.metric] ??= {})[entry.period] = revision;
  }
  return mergeManifests(current, update);
}
