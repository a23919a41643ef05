/**
 * A published JSON index object as the builder reads it before merging into it or trimming by
 * it: parsed and checked against its schema (worker/src/core/index-schemas.ts). A malformed one
 * is an error naming its key, never a value to overwrite or to decide deletions by.
 */
import type { GenericSchema, InferOutput } from 'valibot';
import { checkIndexObject } from '../../../worker/src/core/index-schemas';
import type { ObjectStore } from './object-store';

export class PublishedObjectError extends Error {
  override name = 'PublishedObjectError';
}

export function parseIndexObject<TSchema extends GenericSchema>(schema: TSchema, key: string, bytes: Uint8Array): InferOutput<TSchema> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new PublishedObjectError(`${key}: not JSON (${(error as Error).message}); left as it is`);
  }
  const checked = checkIndexObject(schema, value);
  if (!checked.ok) throw new PublishedObjectError(`${key}: not a valid index object (${checked.problem}); left as it is`);
  return checked.value;
}

/** The object under `key` and its etag, or null when there is none. */
export async function readIndexObject<TSchema extends GenericSchema>(
  store: ObjectStore,
  schema: TSchema,
  key: string,
): Promise<{ value: InferOutput<TSchema>; etag: string } | null> {
  const object = await store.get(key);
  return object ? { value: parseIndexObject(schema, key, object.bytes), etag: object.etag } : null;
}
