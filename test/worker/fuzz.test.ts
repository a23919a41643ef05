/**
 * Fuzzing the app (createApp with wrangler.toml's vars, as test/worker/helpers.ts builds it) with requests
 * generated from a seeded PRNG: random and hostile paths and query strings (unknown and repeated
 * parameters, thousands of dates, path traversal and encoded slashes, unicode, empty and very
 * long values, bad percent-encoding), every method, some with tokens, conditional or CORS
 * headers. No answer may be a 5xx, carry a stack trace or an internal path, or have a status the
 * API does not document; JSON bodies must parse.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { BASE, bearer, makeApp, seedBucket, testEnv } from './helpers';

const REQUESTS = 6_000;
const CONCURRENCY = 8;
const SEED = 0x5eed_f022;
const DOCUMENTED = new Set([200, 204, 304, 400, 403, 404, 405]);
const STACK_TRACE = /\n\s+at [^\n]+:\d+(:\d+)?|\bat (async )?[\w.<>]+ \([^)]*:\d+:\d+\)/;
const INTERNAL_PATH = /\/work\/|worker\/src\/|builder\/src\/|node_modules|file:\/\/|\.ts:\d+/;

const rand = mulberry32(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const chance = (p: number) => rand() < p;

const HOSTILE = [
  '',
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '..%2F..',
  '%2F',
  'nightly%2F..%2F..%2Frelease',
  'nightly%2f..',
  '%00',
  'nightly%00',
  '%',
  '%%',
  '%G1',
  '%E2%82',
  '%FF%FE',
  'ñíghtly',
  '\u{1F600}',
  '\u202e',
  'a b',
  '<script>alert(1)</script>',
  "'; DROP TABLE x;--",
  '\\..\\..',
  '%5C..%5C',
  '....//',
  '${jndi:x}',
  '{{7*7}}',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e308',
  '9223372036854775808',
  'constructor',
  '__proto__',
  'prototype',
  'toString',
  'hasOwnProperty',
];
const PREFIXES = ['build_id', 'submission_date', 'BUILD_ID', 'build_id%2F..', 'metadata', 'meta', 'v1'];
const CHANNELS = ['nightly', 'beta', 'release', 'aurora', 'esr', 'Nightly', 'nightly%2F..%2Frelease', '..%2Frelease', 'release%00'];
const VERSIONS = ['54', '55', '1', '0', '', '54.0', '54a', '-54', '99999', '1e3', '0x36', '٥٤', ' 54'];
const METRICS = [
  'GC_MS',
  'CYCLE_COLLECTOR',
  'GC_MAX_PAUSE_MS',
  'SEARCH_COUNTS',
  'SCALARS_BROWSER.ENGAGEMENT.MAX_CONCURRENT_TAB_COUNT',
  'SCALARS_TELEMETRY.TEST.KEYED_UNSIGNED_INT',
  'SCALARS_TELEMETRY.EVENT_COUNTS',
  '[[COUNT]]_X',
  'SIMPLE_MEASURES_UPTIME',
  'USE_COUNTER2_PROPERTY_FILL_PAGE',
  'gc_ms',
  'GC_MS%00',
  '../../v1/meta/nightly/54/metrics.json',
];
const FILTERS = ['application', 'architecture', 'os', 'osVersion', 'child', 'label', 'e10sEnabled', 'stats', 'format'];
const FILTER_VALUES = [
  'Firefox',
  'x86',
  'x86-64',
  'Windows_NT',
  'Windows_NT,10.0',
  'Linux',
  '10.0',
  'parent',
  'content',
  'gpu',
  'true',
  'false',
  'mean,p5,p50',
  'p100',
  'p101',
  'csv',
  'json',
  'CSV',
  'mean,'.repeat(30),
];
const UNKNOWN_KEYS = [
  'foo',
  'callback',
  'Version',
  'metric[]',
  'dates[0]',
  '',
  '%',
  '%00',
  '\u{1F600}',
  'a'.repeat(300),
  'version ',
  'limit',
  'sort',
  '__proto__',
];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

function token(): string {
  if (chance(0.3)) return pick(HOSTILE);
  return pick([pick(CHANNELS), pick(PREFIXES), pick(METRICS), pick(VERSIONS)]);
}

function longValue(): string {
  return pick(['x', '9', '%41', '\u00e9', ',']).repeat(1 + int(chance(0.1) ? 20_000 : 300));
}

function date(): string {
  if (chance(0.8)) return `2017${String(1 + int(2)).padStart(2, '0')}${String(1 + int(31)).padStart(2, '0')}`;
  return pick(['2017013', '201701300', '20171340', '00000000', '99999999', '2017-01-30', '', ' ', '%00', '20170230', '-20170130', '1e7']);
}

function dates(): string {
  const n = chance(0.02) ? 1_000 + int(2_000) : 1 + int(10);
  const list = Array.from({ length: n }, date);
  return list.join(pick([',', ',', ',', '%2C', ';', ',,']));
}

function value(): string {
  if (chance(0.05)) return longValue();
  if (chance(0.1)) return '';
  return chance(0.2) ? pick(HOSTILE) : pick(FILTER_VALUES);
}

function query(): string {
  const params: string[] = [];
  if (chance(0.8)) params.push(`version=${chance(0.8) ? pick(VERSIONS.slice(0, 2)) : pick(VERSIONS)}`);
  if (chance(0.8)) params.push(`dates=${dates()}`);
  if (chance(0.8)) params.push(`metric=${chance(0.8) ? encodeURIComponent(pick(METRICS)) : pick(METRICS)}`);
  if (chance(0.5)) params.push(`channel=${pick(CHANNELS)}`);
  for (let i = int(4); i > 0; i--) params.push(`${pick(FILTERS)}=${value()}`);
  if (chance(0.2)) params.push(`${pick(UNKNOWN_KEYS)}=${value()}`);
  if (chance(0.1)) params.push(pick(['&', '&&', '=', '==', 'version', 'dates=', '=x', '%=%', '?', '#frag']));
  // repeated parameters
  if (chance(0.15) && params.length > 0) params.push(pick(params));
  const shuffled = params
    .map((p) => [rand(), p] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, p]) => p);
  return shuffled.length === 0 ? '' : `?${shuffled.join('&')}`;
}

function path(): string {
  const prefix = chance(0.85) ? pick(PREFIXES.slice(0, 2)) : token();
  const channel = chance(0.7) ? pick(CHANNELS.slice(0, 3)) : token();
  const templates = [
    () => `/aggregates_by/${prefix}/channels/`,
    () => `/aggregates_by/${prefix}/channels/${channel}/dates/`,
    () => `/aggregates_by/${prefix}/channels/${channel}/`,
    () => `/aggregates_by/${prefix}/channels/${channel}/`,
    () => `/aggregates_by/${prefix}/channels/${channel}/`,
    () => `/aggregates_by/${prefix}/channels/${channel}`,
    () => `/filters/`,
    () => `/filters`,
    () =>
      pick([
        '/authed',
        '/status',
        '/__heartbeat__',
        '/__lbheartbeat__',
        '/__version__',
        '/openapi.json',
        '/',
        '/index.html',
        '/favicon.ico',
        '/robots.txt',
      ]),
    () => `/${Array.from({ length: 1 + int(6) }, token).join('/')}`,
    () => `/aggregates_by/${prefix}/channels/${channel}/${token()}/${token()}`,
    () => `/${pick(['assets', 'static', 'dashboard', 'v1', '.wrangler', '..', '%2e%2e'])}/${token()}`,
    () => `/aggregates_by/${longValue()}/channels/`,
    () => `//aggregates_by/${prefix}//channels//${channel}//`,
  ];
  let p = pick(templates)();
  if (chance(0.05)) p = p.replace(/\//g, pick(['%2F', '\\', '/./', '/../']));
  return p;
}

interface Generated {
  method: string;
  url: string;
  headers: Record<string, string>;
}

describe('fuzzing the worker', () => {
  let auth: Record<string, string>;
  // one app for the whole run, as one isolate keeps it (its caches warm up); no response cache
  const app = makeApp();
  beforeAll(async () => {
    await seedBucket();
    auth = await bearer();
  });

  it(`answers ${REQUESTS} generated requests without a 5xx, a stack trace or an undocumented status`, { timeout: 150_000 }, async () => {
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const slow: string[] = [];
    // ETags of real answers, for conditional requests (fetched first, deterministically)
    const etags: string[] = [];
    for (const url of [
      '/aggregates_by/build_id/channels/',
      '/aggregates_by/submission_date/channels/nightly/dates/',
      '/filters/?channel=nightly&version=54',
      '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130,20170201&metric=CYCLE_COLLECTOR',
      '/openapi.json',
      '/',
    ]) {
      const etag = (await app.request(new Request(`${BASE}${url}`), undefined, testEnv())).headers.get('ETag');
      if (etag) etags.push(etag);
    }
    expect(etags.length).toBeGreaterThan(0);
    // every request is generated up front from the seed, then sent CONCURRENCY at a time
    const requests: { request: Request; where: string; method: string }[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const method = pick(METHODS);
      const generated: Generated = { method, url: `${BASE}${path()}${query()}`, headers: {} };
      if (chance(0.2)) Object.assign(generated.headers, auth);
      else if (chance(0.1))
        generated.headers.Authorization = pick([
          'Bearer',
          'Bearer ',
          'Bearer x.y.z',
          'Basic Zm9vOmJhcg==',
          `Bearer ${'A'.repeat(5000)}`,
          'Bearer ..',
          'Bearer %C3%A9',
        ]);
      if (chance(0.15)) generated.headers['If-None-Match'] = chance(0.7) ? pick(etags) : pick(['*', '""', 'W/"x"', 'garbage', '"a", "b"']);
      if (chance(0.15) || method === 'OPTIONS') {
        generated.headers.Origin = pick(['https://example.com', 'null', 'https://xn--9ca.test']);
        if (method === 'OPTIONS' && chance(0.7)) generated.headers['Access-Control-Request-Method'] = pick(['GET', 'POST', 'DELETE', 'X']);
      }
      if (chance(0.05)) generated.headers.Accept = pick(['text/csv', '*/*', 'application/json;q=0', 'x/y;;']);
      const requestBody = method === 'POST' || method === 'PUT' ? pick(['', '{}', 'x'.repeat(int(2000)), '\u0000']) : undefined;
      try {
        const request = new Request(generated.url, {
          method,
          headers: generated.headers,
          ...(requestBody === undefined ? {} : { body: requestBody }),
        });
        requests.push({ request, method, where: `${method} ${generated.url.slice(0, 300)}` });
      } catch {
        // the runtime refuses to build it (never reaches a worker); counted as not sent
      }
    }
    const sent = requests.length;
    const check = async ({ request, method, where: what }: (typeof requests)[number]): Promise<void> => {
      const started = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000)));
      const answer = await Promise.race([
        Promise.resolve(app.request(request, undefined, testEnv())).then(async (r: Response) => ({ response: r, body: await r.text() })),
        hang,
      ]);
      clearTimeout(timer);
      if (!answer) {
        failures.push(`${what}: no answer within 10 s`);
        return;
      }
      const { response, body } = answer;
      const took = Date.now() - started;
      const where = `${what} -> ${response.status}`;
      if (took > 500) {
        slow.push(`${took} ms ${where.slice(0, 200)}`);
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) failures.push(`${where}: 5xx ${body.slice(0, 200)}`);
      if (!DOCUMENTED.has(response.status)) failures.push(`${where}: undocumented status`);
      if (STACK_TRACE.test(body)) failures.push(`${where}: stack trace`);
      if (INTERNAL_PATH.test(body)) failures.push(`${where}: internal path ${body.match(INTERNAL_PATH)?.[0]}`);
      if (method === 'HEAD' && body !== '') failures.push(`${where}: HEAD with a body`);
      if ((response.headers.get('Content-Type') ?? '').includes('json') && body !== '') {
        try {
          JSON.parse(body);
        } catch {
          failures.push(`${where}: JSON body does not parse`);
        }
      }
    };
    const started = Date.now();
    for (let i = 0; i < requests.length && failures.length <= 20; i += CONCURRENCY) {
      await Promise.all(requests.slice(i, i + CONCURRENCY).map(check));
    }
    console.log(`fuzz: ${Date.now() - started} ms`);
    const summary = Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0]));
    if (slow.length > 0) console.log(`slow answers:\n${slow.slice(0, 10).join('\n')}`);
    console.log(`fuzz: ${sent} requests sent, statuses ${JSON.stringify(summary)}, ${failures.length} failures`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(5_000);
    // the mix reaches the interesting answers, not only 404s
    for (const status of [200, 304, 400, 404, 405]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });
});
