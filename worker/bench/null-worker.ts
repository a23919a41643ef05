/**
 * The memory floor of `npm run bench:hostile -- --null-worker`: a Worker that answers every
 * request at once (404; /status, which the bench scripts wait for, OK), reading and keeping
 * nothing, so that what `wrangler dev` and workerd themselves grow by over a request stream can
 * be told from what the real Worker adds.
 */
export default {
  fetch: (request) =>
    new URL(request.url).pathname === '/status'
      ? new Response('OK')
      : new Response('{"message":"Not found."}', { status: 404, headers: { 'Content-Type': 'application/json' } }),
} satisfies ExportedHandler;
