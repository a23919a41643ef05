/** The Worker entry: one app per isolate, so its caches live as long as the isolate. */
import { createApp } from './app';
import type { Env } from './env';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
