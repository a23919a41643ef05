/**
 * Content types both sides use: the builder stores shards and index objects in R2 with them, the
 * worker answers JSON with the same JSON type (its CSV type is export/csv.ts).
 */

/** Index objects in R2, and every JSON answer of the worker. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Shards in R2 (core/shard-codec.ts). */
export const MSGPACK_CONTENT_TYPE = 'application/x-msgpack';
