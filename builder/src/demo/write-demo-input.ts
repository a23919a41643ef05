/**
 * CLI: writes deterministic demo pings as NDJSON (one ping per line), gzip-compressed when the
 * output name ends in .gz.
 *
 *   tsx builder/src/demo/write-demo-input.ts --out PATH.ndjson[.gz] [--count 3000] [--seed 1]
 *       [--pings test/fixtures/pings] [--start-date 20170115] [--days 14]
 *
 * Relative paths are resolved against the current directory; the default --pings directory is
 * the repository's test/fixtures/pings, wherever the command runs from.
 */
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { DEFAULT_DEMO_DAYS, DEFAULT_DEMO_SEED, DEFAULT_DEMO_START_DATE, generateDemoPings } from './generate-demo-pings';
import { loadBasePings } from './load-base-pings';

export const DEFAULT_DEMO_COUNT = 3000;
/** <repo>/test/fixtures/pings, located from this file (builder/src/demo/). */
export const DEFAULT_PINGS_DIR = fileURLToPath(new URL('../../../test/fixtures/pings', import.meta.url));

export interface WriteDemoInputOptions {
  out: string;
  count?: number;
  seed?: number;
  pingsDir?: string;
  startDate?: string;
  days?: number;
}

export interface WriteDemoInputResult {
  out: string;
  pings: number;
  uncompressedBytes: number;
  /** The file's size (compressed or not). */
  compressedBytes: number;
  milliseconds: number;
}

/** Generates the pings and streams them into `out`, through gzip if it ends in .gz (parent directories are created). */
export async function writeDemoInput(options: WriteDemoInputOptions): Promise<WriteDemoInputResult> {
  const started = performance.now();
  const out = resolve(options.out);
  const pings = generateDemoPings({
    count: options.count ?? DEFAULT_DEMO_COUNT,
    seed: options.seed ?? DEFAULT_DEMO_SEED,
    basePings: loadBasePings(options.pingsDir ?? DEFAULT_PINGS_DIR),
    startDate: options.startDate ?? DEFAULT_DEMO_START_DATE,
    days: options.days ?? DEFAULT_DEMO_DAYS,
  });
  let written = 0;
  let uncompressedBytes = 0;
  function* lines(): Generator<string> {
    for (const ping of pings) {
      const line = `${JSON.stringify(ping)}\n`;
      written++;
      uncompressedBytes += Buffer.byteLength(line);
      yield line;
    }
  }
  mkdirSync(dirname(out), { recursive: true });
  if (out.endsWith('.gz')) {
    // Level 1: the demo input is rewritten often and read once; speed matters more than size.
    await pipeline(Readable.from(lines()), createGzip({ level: 1 }), createWriteStream(out));
  } else {
    await pipeline(Readable.from(lines()), createWriteStream(out));
  }
  return {
    out,
    pings: written,
    uncompressedBytes,
    compressedBytes: statSync(out).size,
    milliseconds: performance.now() - started,
  };
}

function parseInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new Error(`--${name} expects an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseCommandLine(argv: string[]): WriteDemoInputOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      count: { type: 'string' },
      seed: { type: 'string' },
      pings: { type: 'string' },
      'start-date': { type: 'string' },
      days: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.out === undefined) {
    throw new Error(
      'usage: write-demo-input --out PATH.ndjson[.gz] [--count N] [--seed S] [--pings DIR] [--start-date YYYYMMDD] [--days D]',
    );
  }
  return {
    out: values.out,
    count: parseInteger('count', values.count),
    seed: parseInteger('seed', values.seed),
    pingsDir: values.pings === undefined ? undefined : resolve(values.pings),
    startDate: values['start-date'],
    days: parseInteger('days', values.days),
  };
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const result = await writeDemoInput(parseCommandLine(process.argv.slice(2)));
  console.log(
    `wrote ${result.pings} pings to ${result.out}: ${result.compressedBytes} bytes ` +
      `(${formatMegabytes(result.compressedBytes)}; ${formatMegabytes(result.uncompressedBytes)} uncompressed) ` +
      `in ${(result.milliseconds / 1000).toFixed(1)} s`,
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
