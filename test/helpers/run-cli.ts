/** Runs the builder CLI's main() in this process on plain in-memory streams, and returns what it wrote. */
import { readFile } from 'node:fs/promises';
import { main } from '../../builder/src/cli';
import type { CliIo, StoreOpener } from '../../builder/src/cli/cli-io';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** The whole environment the CLI sees (default: empty). */
  env?: Record<string, string | undefined>;
  /** What `--input -` reads (default: nothing). */
  stdin?: string | Uint8Array;
  /** Whether stderr is a terminal (progress is a redrawn bar then). */
  stderrIsTTY?: boolean;
  /** The clock (default: the real one). */
  now?: () => Date;
  openStore?: StoreOpener;
}

export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin ?? '';
  const io: CliIo = {
    stdout: { write: (text) => (stdout += text) },
    stderr: { write: (text) => (stderr += text), isTTY: options.stderrIsTTY ?? false },
    stdin: (async function* () {
      yield typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin;
    })(),
    env: options.env ?? {},
    now: options.now ?? (() => new Date()),
    ...(options.openStore ? { openStore: options.openStore } : {}),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** `build --input INPUT --target dir:TARGET --report FILE --quiet ...extra`, with the JSON report read back. */
export async function buildIntoDir<Report>(
  input: string,
  target: string,
  reportFile: string,
  extra: readonly string[] = [],
): Promise<CliResult & { report: Report }> {
  const result = await runCli(['build', '--input', input, '--target', `dir:${target}`, '--report', reportFile, '--quiet', ...extra]);
  return { ...result, report: JSON.parse(await readFile(reportFile, 'utf8')) as Report };
}
