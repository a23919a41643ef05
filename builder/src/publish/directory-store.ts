/**
 * `--target dir:PATH`: the same objects as files, for inspection.
 *
 * Every write goes to a temp file that is renamed into place (a reader, or a writer killed
 * halfway, never leaves half an object), under a per-key lock file (file-lock.ts) so that a
 * conditional write's check and rename are one step for every process on this machine.
 */

import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LockOptions } from './file-lock';
import { acquireFileLock, BOOKKEEPING_FILE, tempNameBeside } from './file-lock';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';
import { conditionHolds, contentEtag, StoreError } from './object-store';

export class DirectoryStore implements ObjectStore {
  readonly description: string;

  private constructor(
    private readonly root: string,
    private readonly lockOptions: LockOptions,
  ) {
    this.description = `directory ${root}`;
  }

  static async open(root: string, lockOptions: LockOptions = {}): Promise<DirectoryStore> {
    const resolved = path.resolve(root);
    try {
      await mkdir(resolved, { recursive: true });
      await access(resolved, constants.W_OK);
    } catch (error) {
      throw new StoreError(`cannot write to ${resolved}: ${(error as Error).message}`);
    }
    return new DirectoryStore(resolved, lockOptions);
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const bytes = new Uint8Array(await readFile(this.fileOf(key)));
      return { bytes, etag: contentEtag(bytes) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private readonly madeDirectories = new Set<string>();

  async put(key: string, bytes: Uint8Array, _contentType: string, condition?: PutCondition): Promise<PutResult> {
    if (BOOKKEEPING_FILE.test(key)) throw new StoreError(`key ${key} looks like a temp or lock file, which list() hides`);
    const file = this.fileOf(key);
    const dir = path.dirname(file);
    if (!this.madeDirectories.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirectories.add(dir);
    }
    // Unconditional writes take the lock too: otherwise one could land between another
    // writer's check and its rename, and be overwritten unseen.
    const lock = await acquireFileLock(file, this.lockOptions);
    try {
      if (condition) {
        const current = await this.get(key);
        if (!conditionHolds(condition, current?.etag)) return { ok: false, reason: 'precondition-failed' };
      }
      const temp = tempNameBeside(file);
      try {
        await writeFile(temp, bytes);
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        throw error;
      }
      return { ok: true, etag: contentEtag(bytes) };
    } finally {
      await lock.release();
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.fileOf(key);
    const lock = await acquireFileLock(file, this.lockOptions).catch((error: unknown) => {
      // no directory: nothing to delete
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    try {
      await rm(file, { force: true });
    } finally {
      await lock?.release();
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!BOOKKEEPING_FILE.test(entry.name)) keys.push(this.keyOf(full));
      }
    };
    await walk(this.root);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}

  /** Keys never contain "/" inside a segment; segments made only of dots are escaped. */
  fileOf(key: string): string {
    const segments = key.split('/').map((segment) => (/^\.*$/.test(segment) ? segment.replace(/\./g, '%2E') || '%' : segment));
    return path.join(this.root, ...segments);
  }

  private keyOf(file: string): string {
    return path
      .relative(this.root, file)
      .split(path.sep)
      .map((segment) => (/^(%2E)+$/.test(segment) ? segment.replace(/%2E/g, '.') : segment))
      .join('/');
  }
}
