/** `--target dir:PATH`: the same objects as files, for inspection. */
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { ObjectStore, StoredObject } from './object-store';
import { StoreError } from './object-store';

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
      return { bytes, etag: createHash('md5').update(bytes).digest('hex') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private readonly madeDirectories = new Set<string>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.fileOf(key);
    const dir = path.dirname(file);
    if (!this.madeDirectories.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirectories.add(dir);
    }
    await writeFile(file, bytes);
  }

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
        else keys.push(this.keyOf(full));
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
