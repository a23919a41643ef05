/**
 * What an aggregation worker thread runs. Preferably aggregate-worker.ts bundled into one ES
 * module by esbuild (tsx's own dependency, so always installed with it), once per process: such a
 * worker starts in a few hundred milliseconds. Registering tsx's loader inside each worker instead
 * (aggregate-worker.mjs, the fallback when bundling fails) costs one to three seconds per worker,
 * most of a small build's time.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface WorkerEntry {
  url: URL;
  /** execArgv for the Worker: [] so that a tsx loader of the main thread is not loaded twice. */
  execArgv: string[];
}

const WORKER_SOURCE = new URL('./aggregate-worker.ts', import.meta.url);
const TSX_ENTRY: WorkerEntry = { url: new URL('./aggregate-worker.mjs', import.meta.url), execArgv: [] };

/** The part of esbuild's API used here. */
interface Bundler {
  build(options: {
    entryPoints: string[];
    bundle: true;
    platform: 'node';
    format: 'esm';
    target: string;
    write: false;
    logLevel: 'silent';
  }): Promise<{ outputFiles: { text: string }[] }>;
}

let entry: Promise<WorkerEntry> | undefined;

export function aggregationWorkerEntry(): Promise<WorkerEntry> {
  entry ??= bundledEntry().catch(() => TSX_ENTRY);
  return entry;
}

async function bundledEntry(): Promise<WorkerEntry> {
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'));
  const esbuild = requireFromTsx('esbuild') as Bundler;
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(WORKER_SOURCE)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text;
  if (!code) throw new Error('esbuild produced no output');
  return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), execArgv: [] };
}
