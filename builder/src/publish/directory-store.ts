/**
 * `--target dir:PATH`: the same objects as files, for inspection.
 *
 * Every write goes to a temp file that is moved into place (a reader, or a writer killed
 * halfway, never leaves half an object). A create (If-None-Match: *) is a hard link, which
 * fails where a file exists; every other write takes a per-key lock file (file-lock.ts) so that
 * its check and rename are one step for every process on this machine.
 */

import { constants } from 'node:fs';
import { access, link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
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
    if (condition && 'ifNoneMatch' in condition) return this.create(file, bytes);
    // Unconditional writes take the lock too: otherwise one could land between another
    // writer's check and its rename, and be overwritten unseen.
    const lock = await acquireFileLock(file, this.lockOptions);
    try {
      if (condition) {
        const current = await this.get(key);
        if (!conditionHolds(condition, current?.etag)) return { ok: false, reason: 'precondition-failed' };
      }
      await this.writeThrough(file, bytes, (temp) => rename(temp, file));
      return { ok: true, etag: contentEtag(bytes) };
    } finally {
      await lock.release();
    }
  }

  /**
   * If-None-Match: * without a lock: the whole object is written under a temp name, then hard-linked
   * to its key, which fails if anything is there, atomically for every process. A locked writer
   * cannot be overtaken: it checks an object that exists (link then fails) or writes unconditionally.
   */
  private async create(file: string, bytes: Uint8Array): Promise<PutResult> {
    let exists = false;
    await this.writeThrough(file, bytes, async (temp) => {
      try {
        await link(temp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        exists = true;
      }
      await unlink(temp);
    });
    return exists ? { ok: false, reason: 'precondition-failed' } : { ok: true, etag: contentEtag(bytes) };
  }

  /** Writes the bytes to a temp file beside `file` and hands it to `place`; the temp file never outlives a failure. */
  private async writeThrough(file: string, bytes: Uint8Array, place: (temp: string) => Promise<void>): Promise<void> {
    const temp = tempNameBeside(file);
    try {
      await writeFile(temp, bytes);
      await place(temp);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
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

  /** Walks only the folder the prefix names (up to its last "/"), not the whole tree. */
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
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    await walk(folder === '' ? this.root : this.fileOf(folder.slice(0, -1)));
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
