/**
 * Everything the command line touches of the outside world, handed to `main` as one value: the
 * bin entry passes the real process's (`processIo`), tests pass plain objects and read them back.
 */
import type { InputStream } from '../input/expand-inputs';
import type { ObjectStore } from '../publish/object-store';
import type { OpenStoreOptions } from '../publish/open-store';

/** Where text goes; `isTTY` makes progress a redrawn bar instead of a line every few seconds. */
export interface TextOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Opens a --target (open-store.ts's openStore, or a test's wrapper around it). */
export type StoreOpener = (target: string, options: OpenStoreOptions) => Promise<ObjectStore>;

export interface CliIo {
  /** Help and the trim report. */
  stdout: TextOutput;
  /** Progress, the build report, and error messages. */
  stderr: TextOutput;
  /** What `--input -` reads. */
  stdin: InputStream;
  /** R2 credentials, R2_ACCOUNT_ID and R2_ENDPOINT for r2:// targets. */
  env: Readonly<Record<string, string | undefined>>;
  /** The clock: progress pacing, and trim's default --base-date (today, UTC). */
  now: () => Date;
  /** Opens --target; open-store.ts's openStore when absent. */
  openStore?: StoreOpener;
}

/** The real process's streams, environment and clock (for the bin entry and scripts). */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // lazily: touching process.stdin opens it, which a build that does not read it must not do
    stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
    env: process.env,
    now: () => new Date(),
  };
}
