/**
 * The definitions of a build: per (channel, major version) its Histograms.json and Scalars.yaml
 * (a --definitions directory, see definitions-directory.ts), the fallback files for the rest
 * (--histograms and --scalars, or the vendored Firefox definitions), and where each came from.
 */
import { fileURLToPath } from 'node:url';
import type { HistogramsByVersion } from '../aggregate/aggregator';
import { SCALARS_FILE } from './definitions-directory';
import type { DefinitionFiles } from './definitions-spec';
import { definitionsDirectory, histogramsOf } from './definitions-spec';
import type { HistogramCatalog } from './histogram-catalog';
import type { ScalarCatalog } from './scalar-definitions';
import { parseScalarsYaml } from './scalar-definitions';
import type { DefinitionSource, FallbackFile } from './versioned-definitions';
import { VersionedDefinitions } from './versioned-definitions';

export const DEFAULT_HISTOGRAMS_PATH = fileURLToPath(new URL('../../data/Histograms.json', import.meta.url));
const DEFAULT_SCALARS_PATH = fileURLToPath(new URL('../../data/Scalars.yaml', import.meta.url));
/** How metrics.json names the vendored files: their paths in the repository. */
const VENDORED_HISTOGRAMS: FallbackFile = { path: DEFAULT_HISTOGRAMS_PATH, label: 'builder/data/Histograms.json' };
const VENDORED_SCALARS: FallbackFile = { path: DEFAULT_SCALARS_PATH, label: 'builder/data/Scalars.yaml' };

/** What the command line names: a --definitions directory, and the fallback files (default: the vendored ones). */
export interface DefinitionsSpec {
  directory?: string;
  histograms?: string;
  scalars?: string;
}

/** The definitions one (channel, version) is built with. */
export interface DefinitionSet {
  histograms: HistogramCatalog;
  scalars: ScalarCatalog;
  sources: { histograms: DefinitionSource; scalars: DefinitionSource };
}

export interface Definitions extends HistogramsByVersion {
  /** The fallback files' definitions (those of every channel and version when there is no directory). */
  histograms: HistogramCatalog;
  scalars: ScalarCatalog;
  /** The files they come from (worker threads load the same). */
  files: DefinitionFiles;
  forVersion(channel: string, version: string): DefinitionSet;
}

/** Opens the definitions: scans the directory and reads the fallback files now; the directory's files on first use. */
export async function loadDefinitions(spec: DefinitionsSpec = {}): Promise<Definitions> {
  const files: DefinitionFiles = {
    ...(spec.directory !== undefined ? { directory: spec.directory } : {}),
    histograms: spec.histograms === undefined ? VENDORED_HISTOGRAMS : { path: spec.histograms, label: spec.histograms },
    scalars: spec.scalars === undefined ? VENDORED_SCALARS : { path: spec.scalars, label: spec.scalars },
  };
  const directory = definitionsDirectory(files);
  const histograms = histogramsOf(files, directory);
  const scalars = new VersionedDefinitions(SCALARS_FILE, directory, files.scalars, parseScalarsYaml);
  const fallback = { histograms: histograms.fallbackDefinitions(), scalars: scalars.fallbackDefinitions() };
  const sets = new Map<string, DefinitionSet>();
  return {
    histograms: fallback.histograms.catalog,
    scalars: fallback.scalars.catalog,
    files,
    histogramsFor: (channel, version) => histograms.for(channel, version).catalog,
    forVersion(channel, version) {
      const key = `${channel}/${version}`;
      let set = sets.get(key);
      if (set === undefined) {
        const h = histograms.for(channel, version);
        const s = scalars.for(channel, version);
        set = { histograms: h.catalog, scalars: s.catalog, sources: { histograms: h.source, scalars: s.source } };
        sets.set(key, set);
      }
      return set;
    },
  };
}
