/** Command-line options shared by the bench scripts (node:util parseArgs, numbers checked). */
import { parseArgs } from 'node:util';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>;

export function parseOptions(argv: string[], spec: OptionSpec, usage: string): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${usage}`);
  }
}

export function positiveNumber(values: Record<string, string | boolean | undefined>, name: string): number {
  const text = values[name];
  const number = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(number) || number <= 0)
    throw new Error(`--${name} expects a positive number, got ${String(text)}`);
  return number;
}

export function positiveInteger(values: Record<string, string | boolean | undefined>, name: string): number {
  const number = positiveNumber(values, name);
  if (!Number.isInteger(number)) throw new Error(`--${name} expects an integer, got ${number}`);
  return number;
}

/** Runs an async main, printing its error and setting the exit code (1 unless it returns another). */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Stops `stop` on SIGINT/SIGTERM too, so an interrupted run leaves no wrangler behind. */
export function onInterrupt(stop: () => Promise<void>): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
