/**
 * One kind of definition file (Histograms.json or Scalars.yaml) per (channel, version): which
 * file a (channel, version) uses (definitions-directory.ts, or the fallback file), read and
 * parsed once per file, on first use, and remembered with where it came from. The parser is
 * given, so that worker threads, which only need histograms, never load the YAML parser.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DefinitionFileName, DefinitionsDirectory } from './definitions-directory';
import { resolveDefinitionFile } from './definitions-directory';

/** Where a definition file came from, as metrics.json records it. */
export interface DefinitionSource {
  /** Relative to the --definitions directory, or the fallback's label (the vendored file's repository path, or the path given). */
  file: string;
  /** Of the file's bytes, hex. */
  sha256: string;
}

/** A definition file that cannot be read or parsed. */
export class DefinitionFileError extends Error {
  override name = 'DefinitionFileError';
}

export interface FallbackFile {
  path: string;
  /** How it is named in metrics.json. */
  label: string;
}

export interface LoadedDefinitions<T> {
  catalog: T;
  source: DefinitionSource;
}

export class VersionedDefinitions<T> {
  private readonly byFile = new Map<string, LoadedDefinitions<T>>();
  private readonly byVersion = new Map<string, LoadedDefinitions<T>>();

  constructor(
    private readonly name: DefinitionFileName,
    private readonly directory: DefinitionsDirectory | undefined,
    private readonly fallback: FallbackFile,
    private readonly parse: (text: string) => T,
  ) {}

  /** The definitions a (channel, major version) is aggregated with: the same object for every pair that uses the same file. */
  for(channel: string, version: string): LoadedDefinitions<T> {
    const key = `${channel}/${version}`;
    let loaded = this.byVersion.get(key);
    if (loaded === undefined) {
      const relative = this.directory && resolveDefinitionFile(this.directory, this.name, channel, version);
      loaded =
        relative === undefined || !this.directory
          ? this.load(this.fallback.path, this.fallback.label)
          : this.load(path.join(this.directory.root, relative), relative);
      this.byVersion.set(key, loaded);
    }
    return loaded;
  }

  /** The fallback file's definitions. */
  fallbackDefinitions(): LoadedDefinitions<T> {
    return this.load(this.fallback.path, this.fallback.label);
  }

  private load(file: string, label: string): LoadedDefinitions<T> {
    let loaded = this.byFile.get(file);
    if (loaded === undefined) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (error) {
        throw new DefinitionFileError(`cannot read ${this.name} ${file}: ${(error as Error).message}`);
      }
      let catalog: T;
      try {
        catalog = this.parse(bytes.toString('utf8'));
      } catch (error) {
        throw new DefinitionFileError(`${file} is not a usable ${this.name}: ${(error as Error).message}`);
      }
      loaded = { catalog, source: { file: label, sha256: createHash('sha256').update(bytes).digest('hex') } };
      this.byFile.set(file, loaded);
    }
    return loaded;
  }
}
