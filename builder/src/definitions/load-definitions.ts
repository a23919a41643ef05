/** Reads the definition files (vendored by default, or newer ones given on the command line). */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { HistogramCatalog } from './histogram-catalog';
import { parseHistogramsJson } from './histogram-catalog';
import type { ScalarCatalog } from './scalar-definitions';
import { parseScalarsYaml } from './scalar-definitions';

export const DEFAULT_HISTOGRAMS_PATH = fileURLToPath(new URL('../../data/Histograms.json', import.meta.url));
const DEFAULT_SCALARS_PATH = fileURLToPath(new URL('../../data/Scalars.yaml', import.meta.url));

export interface Definitions {
  histograms: HistogramCatalog;
  scalars: ScalarCatalog;
  /** The files they were read from (worker threads read them again). */
  paths?: { histograms: string; scalars: string };
}

export async function loadDefinitions(paths: { histograms?: string; scalars?: string } = {}): Promise<Definitions> {
  const files = { histograms: paths.histograms ?? DEFAULT_HISTOGRAMS_PATH, scalars: paths.scalars ?? DEFAULT_SCALARS_PATH };
  const [histogramsText, scalarsText] = await Promise.all([readFile(files.histograms, 'utf8'), readFile(files.scalars, 'utf8')]);
  return { histograms: parseHistogramsJson(histogramsText), scalars: parseScalarsYaml(scalarsText), paths: files };
}
