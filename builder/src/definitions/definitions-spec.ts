/**
 * Which definition files a build uses, as plain data (worker threads get it and load the same):
 * a --definitions directory, and the fallback files (--histograms and --scalars, or the vendored
 * ones), resolved by the main thread (load-definitions.ts). The histogram side is here, without
 * the YAML parser and without locating the vendored files, for the worker threads.
 */
import type { DefinitionsDirectory } from './definitions-directory';
import { HISTOGRAMS_FILE, scanDefinitionsDirectory } from './definitions-directory';
import type { HistogramCatalog } from './histogram-catalog';
import { parseHistogramsJson } from './histogram-catalog';
import type { FallbackFile } from './versioned-definitions';
import { VersionedDefinitions } from './versioned-definitions';

export interface DefinitionFiles {
  /** A --definitions directory (definitions-directory.ts). */
  directory?: string;
  histograms: FallbackFile;
  scalars: FallbackFile;
}

export function definitionsDirectory(files: Pick<DefinitionFiles, 'directory'>): DefinitionsDirectory | undefined {
  return files.directory === undefined ? undefined : scanDefinitionsDirectory(files.directory);
}

/** The Histograms.json of each (channel, version). */
export function histogramsOf(files: DefinitionFiles, directory = definitionsDirectory(files)): VersionedDefinitions<HistogramCatalog> {
  return new VersionedDefinitions(HISTOGRAMS_FILE, directory, files.histograms, parseHistogramsJson);
}
