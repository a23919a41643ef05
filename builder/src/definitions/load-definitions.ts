/** Reads the definition files (vendored by default, or newer ones given on the command line). */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { HistogramCatalog } from '../../../worker/src/core/histogram-definitions';
import { parseHistogramsJson } from '../../../worker/src/core/histogram-definitions';
import type { ScalarCatalog } from './scalar-definitions';
import { parseScalarsYaml } from './scalar-definitions';

export const DEFAULT_HISTOGRAMS_PATH = fileURLToPath(new URL('../../data/Histograms.json', import.meta.url));
export const DEFAULT_SCALARS_PATH = fileURLToPath(new URL('../../data/Scalars.yaml', import.meta.url));

export interface Definitions {
  histograms: HistogramCatalog;
  scalars: ScalarCatalog;
}

export async function loadDefinitions(paths: { histograms?: string; scalars?: string } = {}): Promise<Definitions> {
  const [histogramsText, scalarsText] = await Promise.all([
    readFile(paths.histograms ?? DEFAULT_HISTOGRAMS_PATH, 'utf8'),
    readFile(paths.scalars ?? DEFAULT_SCALARS_PATH, 'utf8'),
  ]);
  return { histograms: parseHistogramsJson(histogramsText), scalars: parseScalarsYaml(scalarsText) };
}
