/** The options build, merge and trim share: where to publish (or trim), the report, quiet, help. */
import type { ParseArgsConfig } from 'node:util';

export type OptionsTable = NonNullable<ParseArgsConfig['options']>;

export const SHARED_OPTIONS = {
  target: { type: 'string' },
  endpoint: { type: 'string' },
  'persist-to': { type: 'string' },
  bucket: { type: 'string' },
  report: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsTable;

/** What --target, --endpoint, --persist-to and --bucket say: the store to open. */
export interface TargetOptions {
  target: string;
  endpoint?: string;
  persistDir?: string;
  bucket?: string;
}

export interface SharedValues {
  /** Absent without --target (then --endpoint, --persist-to and --bucket are ignored). */
  target?: TargetOptions;
  /** --report: also write the report as JSON to this file. */
  reportFile?: string;
  quiet: boolean;
  help: boolean;
}

type Parsed = { [Name in keyof typeof SHARED_OPTIONS]?: (typeof SHARED_OPTIONS)[Name]['type'] extends 'boolean' ? boolean : string };

/** The shared options out of what parseArgs returned for a command's options (SHARED_OPTIONS among them). */
export function sharedValues(values: Parsed): SharedValues {
  return {
    ...(values.target
      ? {
          target: {
            target: values.target,
            ...(values.endpoint !== undefined ? { endpoint: values.endpoint } : {}),
            ...(values['persist-to'] !== undefined ? { persistDir: values['persist-to'] } : {}),
            ...(values.bucket !== undefined ? { bucket: values.bucket } : {}),
          },
        }
      : {}),
    ...(values.report !== undefined ? { reportFile: values.report } : {}),
    quiet: values.quiet ?? false,
    help: values.help ?? false,
  };
}
