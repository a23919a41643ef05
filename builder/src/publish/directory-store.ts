/** `--target dir:PATH`: the same objects as files, for inspection. */
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { conditionHolds, contentEtag } from './memory-store';
import type { ObjectStore, PutCondition, PutResult, StoredObject } from './object-store';
import { StoreError } from './object-store';

/** Files being written carry this mark until renamed into place; list() ignores them. */
const TEMP_MARK = '.~tmp-';
const TEMP_FILE = /\.~tmp-\d+-\d+$/;

export class DirectoryStore implements ObjectStore {
  readonly description: string;

  private constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  static async open(root: string): Promise<DirectoryStore> {
    const resolved = path.resolve(root);
    try {
      await mkdir(resolved, { recursive: true });
      await access(resolved, constants.W_OK);
    } catch (error) {
      throw new StoreError(`cannot write to ${resolved}: ${(error as Error).message}`);
    }
    return new DirectoryStore(resolved);
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
    const file = this.fileOf(key);
    const dir = path.dirname(file);
    if (!this.madeDirectories.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirectories.add(dir);
    }
    if (condition) {
      const current = await this.get(key);
      if (!conditionHolds(condition, current?.etag)) return { ok: false, reason: 'precondition-failed' };
    }
    // Write then rename: a reader (or a killed writer) never sees half an object.
    const temp = `${file}${TEMP_MARK}${process.pid}-${++this.tempCounter}`;
    await writeFile(temp, bytes);
    await rename(temp, file);
    return { ok: true, etag: contentEtag(bytes) };
  }

  private tempCounter = 0;

  async delete(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!TEMP_FILE.test(entry.name)) keys.push(this.keyOf(full));
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
