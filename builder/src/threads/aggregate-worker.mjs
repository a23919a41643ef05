// Entry of an aggregation worker thread: registers tsx's loader in this thread (a worker does not
// get the loader the main thread was started with when that came from tsx/esm/api, as in the
// package bin), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./aggregate-worker.ts');
