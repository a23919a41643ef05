/** Parses --target and opens the matching store. */
import { DirectoryStore } from './directory-store';
import type { ObjectStore } from './object-store';
import { R2_SCHEME, resolveS3Connection } from './s3/r2-target';

export class TargetError extends Error {
  override name = 'TargetError';
}

export interface OpenStoreOptions {
  persistDir?: string | undefined;
  bucketName?: string | undefined;
  /** S3 endpoint for r2:// targets (--endpoint). */
  endpoint?: string | undefined;
  /** Where r2:// credentials and R2_ACCOUNT_ID / R2_ENDPOINT are read: process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function openStore(target: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  if (options.endpoint !== undefined && !target.startsWith(R2_SCHEME)) throw new TargetError('--endpoint only applies to r2:// targets');
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
  if (target.startsWith(R2_SCHEME)) {
    const connection = resolveS3Connection(target, { endpoint: options.endpoint, env: options.env ?? process.env });
    if (!connection.ok) throw new TargetError(connection.message);
    const { S3Store } = await import('./s3-store');
    return S3Store.open(connection.value);
  }
  throw new TargetError(`unknown target "${target}" (use local, dir:PATH or r2://BUCKET[/PREFIX])`);
}
