/**
 * Exit statuses, and the one mapping from what a command threw to its status and message, for
 * build, merge and trim alike.
 */

import { DefinitionsLayoutError } from '../definitions/definitions-directory';
import { DefinitionFileError } from '../definitions/versioned-definitions';
import { InputError } from '../input/expand-inputs';
import { StoreError } from '../publish/object-store';
import { TargetError } from '../publish/open-store';
import { PublishedObjectError } from '../publish/published-index';
import { WorkerFailure } from '../threads/parallel-aggregate';
import { TrimConflictError } from '../trim/apply-trim';
import type { TextOutput } from './cli-io';
import { NothingAccepted } from './nothing-accepted';

export const EXIT = {
  ok: 0,
  /** A worker thread failed, a published object is unusable, or anything unforeseen. */
  failed: 1,
  /** Unusable arguments (also an unusable --target). */
  usage: 2,
  /** An unreadable input, definitions file or target, or an unwritable target. */
  unreadable: 3,
  /** build, merge: --force left build_id shards that already held a date as they were. trim: an object changed while trimming. */
  incomplete: 4,
  /** build, merge: pings were read but none was accepted, so nothing was built (the message says why). */
  nothingAccepted: 5,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/** Arguments that cannot be used: the message says why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The target could not be opened (a local R2 that cannot start, a directory that cannot be made). */
export class TargetUnavailable extends Error {
  override name = 'TargetUnavailable';
}

const ACCESS_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EROFS']);

/** A file or store that could not be read or written. */
function isAccessError(error: unknown): boolean {
  if (error instanceof StoreError) return true;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && ACCESS_CODES.has(code);
}

/** First match wins. */
const EXIT_RULES: readonly [matches: (error: unknown) => boolean, status: ExitStatus][] = [
  [(error) => error instanceof UsageError || error instanceof TargetError, EXIT.usage],
  [(error) => error instanceof InputError || error instanceof TargetUnavailable, EXIT.unreadable],
  [(error) => error instanceof DefinitionFileError || error instanceof DefinitionsLayoutError, EXIT.unreadable],
  [(error) => error instanceof WorkerFailure || error instanceof PublishedObjectError, EXIT.failed],
  [(error) => error instanceof TrimConflictError, EXIT.incomplete],
  [(error) => error instanceof NothingAccepted, EXIT.nothingAccepted],
  [isAccessError, EXIT.unreadable],
];

/** The status for what a command threw; undefined when it is no error a command is expected to meet. */
export function exitStatusFor(error: unknown): ExitStatus | undefined {
  return EXIT_RULES.find(([matches]) => matches(error))?.[1];
}

/**
 * Writes the message for what a command threw to stderr and returns the exit status: usage
 * errors with a pointer to the help, expected failures as one line, anything else with its stack.
 */
export function reportFailure(error: unknown, program: string, stderr: TextOutput): ExitStatus {
  const status = exitStatusFor(error);
  const message = (error as Error).message;
  if (status === undefined) {
    stderr.write(`builder: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
  if (status === EXIT.usage) stderr.write(`${program}: ${message}\nRun "${program} --help" for usage.\n`);
  else stderr.write(`${program}: ${message}\n`);
  return status;
}
