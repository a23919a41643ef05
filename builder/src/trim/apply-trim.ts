/**
 * Carrying out a trim plan, phase after phase in the plan's order (the actions of one phase run
 * concurrently: they are independent of each other). Every write is
 * conditional on the etag the plan was made from: if someone else (a concurrent build) wrote that
 * object since, the trim stops there with a TrimConflictError instead of overwriting it. The
 * store is then as safe for readers as after any prefix of the plan, and running the trim again
 * re-plans from what is there.
 */
import { JSON_CONTENT_TYPE, MSGPACK_CONTENT_TYPE } from '../../../worker/src/core/content-types';
import type { ObjectStore } from '../publish/object-store';
import { runPool } from '../publish/publish-build';
import type { TrimAction } from './plan-trim';
import { TRIM_PHASES } from './plan-trim';

const CONCURRENCY = 16;

export class TrimConflictError extends Error {
  override name = 'TrimConflictError';
  constructor(
    readonly key: string,
    readonly actionsDone: number,
  ) {
    super(`${key} changed while trimming (a concurrent build?); stopped after ${actionsDone} action(s). Run the trim again to re-plan.`);
  }
}

export type ApplyProgress = (done: number, total: number) => void;

export async function applyTrim(store: ObjectStore, actions: readonly TrimAction[], onProgress?: ApplyProgress): Promise<void> {
  let done = 0;
  let conflictKey: string | undefined;
  for (const phase of TRIM_PHASES) {
    await runPool(
      actions.filter((action) => action.phase === phase),
      CONCURRENCY,
      async (action) => {
        if (conflictKey !== undefined) return;
        if (action.kind === 'delete') {
          await store.delete(action.key);
        } else {
          const bytes = action.kind === 'rewrite-shard' ? action.bytes : new TextEncoder().encode(action.text);
          const result = await store.put(action.key, bytes, action.kind === 'rewrite-shard' ? MSGPACK_CONTENT_TYPE : JSON_CONTENT_TYPE, {
            ifMatch: action.ifMatch,
          });
          if (!result.ok) {
            conflictKey ??= action.key;
            return;
          }
        }
        onProgress?.(++done, actions.length);
      },
    );
    // The rest of this phase has run (its actions are independent); no later phase starts.
    if (conflictKey !== undefined) throw new TrimConflictError(conflictKey, done);
  }
}
