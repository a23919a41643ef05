#!/usr/bin/env node
/**
 * The builder's command line: `build` aggregates pings and publishes shards; `merge` adds up
 * partial aggregates; `trim` drops dates outside the retention window (builder/src/trim/).
 *
 * `main` touches nothing of the process: its streams, environment and clock come in `io`
 * (cli/cli-io.ts); only the bin entry and the block at the end of this file pass the real ones.
 */
import { BUILD_HELP, buildCommand } from './cli/build-command-line';
import type { CliIo } from './cli/cli-io';
import { processIo } from './cli/cli-io';
import { EXIT, reportFailure, UsageError } from './cli/exit-status';
import { runCommand } from './cli/run-command';
import { trimCommand } from './trim/trim-command';

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.stdout.write(`${BUILD_HELP}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === 'trim') return runCommand(trimCommand, rest, io);
  if (command === 'build' || command === 'merge') return runCommand(buildCommand(command), rest, io);
  return reportFailure(new UsageError(`unknown command "${command}"`), 'builder', io.stderr);
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (invokedDirectly) {
  main(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
