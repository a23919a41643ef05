/**
 * How every command runs: parse its arguments, open its target, run it, map what it threw to an
 * exit status (exit-status.ts), and close the target whatever happened.
 */
import type { ObjectStore } from '../publish/object-store';
import { openStore, TargetError } from '../publish/open-store';
import type { CliIo } from './cli-io';
import type { ExitStatus } from './exit-status';
import { EXIT, reportFailure, TargetUnavailable, UsageError } from './exit-status';
import type { TargetOptions } from './shared-options';

export const HELP_REQUESTED = Symbol('help requested');

export interface Command<Request> {
  /** "builder" or "builder trim": the prefix of its messages, and what the usage hint names. */
  program: string;
  help: string;
  /** Throws on unusable arguments, with a message for the user. */
  parse(args: string[], io: CliIo): Request | typeof HELP_REQUESTED;
  /** The store to open, if any. */
  target(request: Request): TargetOptions | undefined;
  run(request: Request, store: ObjectStore | undefined, io: CliIo): Promise<ExitStatus>;
}

export async function runCommand<Request>(command: Command<Request>, args: string[], io: CliIo): Promise<ExitStatus> {
  let request: Request | typeof HELP_REQUESTED;
  try {
    request = command.parse(args, io);
  } catch (error) {
    return reportFailure(new UsageError((error as Error).message), command.program, io.stderr);
  }
  if (request === HELP_REQUESTED) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  let store: ObjectStore | undefined;
  try {
    store = await openTarget(command.target(request), io);
  } catch (error) {
    return reportFailure(error, command.program, io.stderr);
  }
  try {
    return await command.run(request, store, io);
  } catch (error) {
    return reportFailure(error, command.program, io.stderr);
  } finally {
    await store?.close();
  }
}

/** A TargetError is a usage error; anything else that keeps the store from opening, an unusable target. */
async function openTarget(options: TargetOptions | undefined, io: CliIo): Promise<ObjectStore | undefined> {
  if (!options) return undefined;
  const open = io.openStore ?? openStore;
  try {
    return await open(options.target, {
      persistDir: options.persistDir,
      bucketName: options.bucket,
      endpoint: options.endpoint,
      env: io.env,
    });
  } catch (error) {
    if (error instanceof TargetError) throw error;
    throw new TargetUnavailable((error as Error).message, { cause: error });
  }
}
