/** Errors that mean an input or the target could not be read or written: the CLI's exit status 3. */
import { StoreError } from './publish/object-store';

const ACCESS_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EROFS']);

export function isAccessError(error: unknown): error is Error {
  if (error instanceof StoreError) return true;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && ACCESS_CODES.has(code);
}
