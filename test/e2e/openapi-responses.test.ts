/**
 * Real answers match the API description: the app (in Node, over objects the real builder
 * published from the worker tests' fixture pings) is asked every endpoint, and each body is
 * validated (Ajv, JSON Schema 2020-12) against the schema the document gives for that path,
 * status and content type.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../builder/src/build-command';
import { loadDefinitions } from '../../builder/src/definitions/load-definitions';
import { createApp } from '../../worker/src/app';
import type { Env } from '../../worker/src/env';
import { OPENAPI_DOCUMENT } from '../../worker/src/openapi/document';
import type { Response as DocResponse, JsonSchema, Reference } from '../../worker/src/openapi/types';
import { tempDir } from '../helpers/built-worker';
import { MemoryStore } from '../helpers/memory-store';
import { derivePings } from '../worker/fixtures/derive-pings';

const PINGS = fileURLToPath(new URL('../fixtures/pings/', import.meta.url));
const BASE = 'https://openapi.test';
const DOC_ID = `${BASE}/openapi.json`;

const store = new MemoryStore();
const app = createApp({ source: () => ({ get: async (key) => store.objects.get(key) ?? null }), responseCache: null });
const env = {} as Env;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: DOC_ID, components: OPENAPI_DOCUMENT.components });

beforeAll(async () => {
  const bases = await Promise.all(
    ['main-ff54-nightly-win-a.json', 'main-ff54-nightly-win-b.json'].map(
      async (name) => JSON.parse(await readFile(join(PINGS, name), 'utf8')) as Record<string, unknown>,
    ),
  );
  const dir = await tempDir('openapi-');
  try {
    const input = join(dir.path, 'pings.ndjson');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      input,
      `${derivePings([bases[0]!, bases[1]!])
        .map((ping) => JSON.stringify(ping))
        .join('\n')}\n`,
    );
    await runBuild({ inputs: [input], store, definitions: await loadDefinitions(), selection: { sampleIdBelow: 100 } });
  } finally {
    await dir.remove();
  }
}, 120_000);

/** `#/components/...` references made absolute, so Ajv resolves them in the document. */
function absolute(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as JsonSchema;
}

function documented(path: string, status: number): DocResponse {
  const operation = OPENAPI_DOCUMENT.paths[path]?.get;
  if (!operation) throw new Error(`${path} is not described`);
  const response = operation.responses[String(status)];
  if (!response) throw new Error(`${path} does not describe ${status}`);
  if (!('$ref' in response)) return response;
  const resolved = OPENAPI_DOCUMENT.components.responses[(response as Reference).$ref.replace('#/components/responses/', '')];
  if (!resolved) throw new Error(`dangling ${(response as Reference).$ref}`);
  return resolved;
}

const D = '/aggregates_by/{prefix}/channels/{channel}/';
const DATA = '/aggregates_by/build_id/channels/nightly/?version=54&dates=20170130,20170131,20170201';
const CASES: [docPath: string, url: string, status: number][] = [
  ['/aggregates_by/{prefix}/channels/', '/aggregates_by/build_id/channels/', 200],
  ['/aggregates_by/{prefix}/channels/', '/aggregates_by/nope/channels/', 404],
  ['/aggregates_by/{prefix}/channels/{channel}/dates/', '/aggregates_by/submission_date/channels/nightly/dates/', 200],
  ['/aggregates_by/{prefix}/channels/{channel}/dates/', '/aggregates_by/submission_date/channels/release/dates/', 403],
  ['/filters/', '/filters/?channel=nightly&version=54', 200],
  ['/filters/', '/filters/?channel=nightly', 404],
  ['/filters/', '/filters/?channel=release&version=54', 403],
  [D, `${DATA}&metric=GC_MAX_PAUSE_MS`, 200],
  [D, `${DATA}&metric=GC_MAX_PAUSE_MS&stats=mean,p5,p25,p50,p75,p95,p99.9`, 200],
  [D, `${DATA}&metric=FX_PREFERENCES_CATEGORY_OPENED&stats=mean,p50`, 200],
  [D, `${DATA}&metric=A11Y_INSTANTIATED_FLAG&stats=p50`, 200],
  [D, `${DATA}&metric=IPC_MESSAGE_SIZE&format=csv&stats=p50`, 200],
  [D, `${DATA}&metric=GC_MAX_PAUSE_MS&stats=p200`, 400],
  [D, `${DATA}&metric=NO_SUCH_HISTOGRAM`, 404],
  [D, `${DATA}&metric=GC_MAX_PAUSE_MS&nope=1`, 405],
  ['/authed', '/authed', 403],
  ['/status', '/status', 200],
  ['/__lbheartbeat__', '/__lbheartbeat__', 200],
  ['/__heartbeat__', '/__heartbeat__', 200],
  ['/__version__', '/__version__', 200],
  ['/openapi.json', '/openapi.json', 200],
  ['/', '/', 200],
];

describe('answers match the description', () => {
  it.each(CASES)('%s: GET %s -> %i', async (docPath, url, status) => {
    const response = await app.request(`${BASE}${url}`, {}, env);
    const body = await response.text();
    expect(response.status, body).toBe(status);
    const description = documented(docPath, status);
    const contentType = response.headers.get('content-type');
    const content = description.content;
    if (!content) {
      expect(body).toBe('');
      return;
    }
    const essence = (type: string): string => (type.split(';')[0] ?? '').trim().toLowerCase();
    const key = Object.keys(content).find((type) => contentType !== null && essence(type) === essence(contentType));
    const media = key ? content[key] : undefined;
    expect(media, `${contentType} is not among ${Object.keys(content).join(', ')}`).toBeDefined();
    for (const name of Object.keys(description.headers ?? {})) {
      if (name === 'Content-Disposition' && !contentType?.startsWith('text/csv')) continue;
      expect(response.headers.get(name), name).not.toBeNull();
    }
    if (!contentType?.startsWith('application/json')) return;
    const validate = ajv.compile(absolute((media as { schema: JsonSchema }).schema));
    const valid = validate(JSON.parse(body));
    expect(validate.errors ?? [], body.slice(0, 300)).toEqual([]);
    expect(valid).toBe(true);
  });
});
