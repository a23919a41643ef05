/** Parses --target and opens the matching store. */
import { DirectoryStore } from './directory-store';
import type { ObjectStore } from './object-store';

export class TargetError extends Error {
  override name = 'TargetError';
}

export async function openStore(target: string, options: { persistDir?: string; bucketName?: string } = {}): Promise<ObjectStore> {
  if (target === 'local') {
    // Loaded on demand: Miniflare costs about 2 s of start-up that dir: targets do not need.
    const { LocalR2Store } = await import('./local-r2-store');
    return LocalR2Store.open({
      ...(options.persistDir ? { persistDir: options.persistDir } : {}),
      ...(options.bucketName ? { bucketName: options.bucketName } : {}),
    });
  }
  if (target.startsWith('dir:')) {
    const dir = target.slice('dir:'.length);
    if (!dir) throw new TargetError('--target dir: needs a path, e.g. dir:./out');
    return DirectoryStore.open(dir);
  }
  throw new TargetError(`unknown target "${target}" (use local or dir:PATH)`);
}
