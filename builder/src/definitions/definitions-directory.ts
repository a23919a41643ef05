/**
 * A `--definitions DIR`: Histograms.json and Scalars.yaml revisions per channel and version, as
 * the original took each channel's own revision (docs/definitions.md):
 *
 *   DIR/<channel>/<version>/F   that channel, from that major version on
 *   DIR/<version>/F             every channel, from that major version on
 *   DIR/<channel>/F             that channel, any version
 *   DIR/F                       any channel, any version
 *
 * where F is Histograms.json or Scalars.yaml, each resolved on its own. For a (channel, version):
 * the versioned file of the nearest version at or below it wins (at the same version the
 * channel's own before the channel-agnostic one); without one, the channel's own unversioned
 * file, then DIR's; without any, the caller's fallback (the vendored files, or --histograms and
 * --scalars). Scanning reads the directory (once); resolving is pure.
 */
import type { Dirent } from 'node:fs';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CHANNELS, isChannel, isMajorVersion } from '../../../worker/src/core/storage-keys';

export const HISTOGRAMS_FILE = 'Histograms.json';
export const SCALARS_FILE = 'Scalars.yaml';
export type DefinitionFileName = typeof HISTOGRAMS_FILE | typeof SCALARS_FILE;
const FILE_NAMES: readonly string[] = [HISTOGRAMS_FILE, SCALARS_FILE];

/** One definition file of the directory, and what it applies to. */
interface DirectoryFile {
  name: DefinitionFileName;
  /** Path relative to the directory, with "/" separators. */
  relative: string;
  channel?: string;
  /** From this major version on; undefined: any version. */
  version?: number;
}

export interface DefinitionsDirectory {
  root: string;
  files: readonly DirectoryFile[];
}

/** A --definitions directory that does not have the layout above. */
export class DefinitionsLayoutError extends Error {
  override name = 'DefinitionsLayoutError';
}

const LAYOUT_HINT = `expected DIR/[CHANNEL/][VERSION/]{${HISTOGRAMS_FILE},${SCALARS_FILE}} with CHANNEL one of ${CHANNELS.join(', ')} and VERSION a major version number`;

/** Lists the definition files of `root`. Other files are ignored; a folder that is no channel or version is an error. */
export function scanDefinitionsDirectory(root: string): DefinitionsDirectory {
  const files: DirectoryFile[] = [];
  const visit = (relative: string[], channel: string | undefined, version: number | undefined): void => {
    const folder = path.join(root, ...relative);
    let entries: Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new DefinitionsLayoutError(`cannot read definitions directory ${folder}: ${(error as Error).message}`);
    }
    for (const entry of entries) {
      const here = [...relative, entry.name];
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.')) continue;
        if (channel === undefined && version === undefined && isChannel(entry.name)) visit(here, entry.name, undefined);
        else if (version === undefined && isMajorVersion(entry.name)) visit(here, channel, Number(entry.name));
        else throw new DefinitionsLayoutError(`definitions directory ${root}: unexpected folder ${here.join('/')} (${LAYOUT_HINT})`);
      } else if (FILE_NAMES.includes(entry.name)) {
        const file: DirectoryFile = { name: entry.name as DefinitionFileName, relative: here.join('/') };
        if (channel !== undefined) file.channel = channel;
        if (version !== undefined) file.version = version;
        files.push(file);
      }
    }
  };
  visit([], undefined, undefined);
  if (files.length === 0) throw new DefinitionsLayoutError(`definitions directory ${root} holds no definition file (${LAYOUT_HINT})`);
  return { root, files: files.sort((a, b) => (a.relative < b.relative ? -1 : 1)) };
}

/** The file (relative to the directory) that gives `name` to a (channel, major version), or undefined for the fallback. Pure. */
export function resolveDefinitionFile(
  directory: DefinitionsDirectory,
  name: DefinitionFileName,
  channel: string,
  version: string,
): string | undefined {
  const major = Number(version);
  let best: DirectoryFile | undefined;
  for (const file of directory.files) {
    if (file.name !== name || file.version === undefined || file.version > major) continue;
    if (file.channel !== undefined && file.channel !== channel) continue;
    const nearer = best === undefined || file.version > (best.version as number);
    const ownChannelAtSameVersion = best !== undefined && file.version === best.version && file.channel !== undefined;
    if (nearer || ownChannelAtSameVersion) best = file;
  }
  if (best) return best.relative;
  const unversioned = (wanted: string | undefined) =>
    directory.files.find((file) => file.name === name && file.version === undefined && file.channel === wanted);
  return (unversioned(channel) ?? unversioned(undefined))?.relative;
}
