/** The Worker entry (worker/src/index.ts) with the wrangler.toml configuration, as deployed. */
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE, bearer, expectedData, readsOf, seedBucket, storedRows } from './helpers';

beforeAll(() => seedBucket());

function fetchEntry(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, { headers }));
}

describe('the deployed entry', () => {
  it('serves the API with the wrangler.toml vars', async () => {
    expect(await (await fetchEntry('/status')).text()).toBe('OK');
    expect(await (await fetchEntry('/aggregates_by/build_id/channels/')).json()).toEqual(['nightly']);
    expect(await (await fetchEntry('/aggregates_by/build_id/channels/', await bearer())).json()).toEqual(['nightly', 'release']);

    const path = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130,20170201&metric=CYCLE_COLLECTOR';
    const response = await fetchEntry(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('max-age=86400');
    expect(((await response.json()) as { data: unknown }).data).toEqual(
      expectedData(storedRows('build_id', 'nightly', '54', 'CYCLE_COLLECTOR'), ['20170130', '20170201']),
    );
    // The isolate's app keeps its caches between requests.
    expect(readsOf(await fetchEntry(path)).shard).toBe(0);
  });

  it('keeps blacklisted metrics out', async () => {
    expect((await fetchEntry('/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130&metric=SEARCH_COUNTS')).status).toBe(404);
  });
});
