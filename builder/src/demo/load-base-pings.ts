/** Node-only: reads the real pings that the demo generator varies. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Parses every `*.json` file directly inside `dir` (subdirectories are ignored), in file-name
 * order so that generated demo data does not depend on directory listing order.
 */
export function loadBasePings(dir: string): unknown[] {
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return files.map((name) => {
    const path = join(dir, name);
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (error) {
      throw new Error(`cannot parse base ping ${path}: ${(error as Error).message}`);
    }
  });
}
