/**
 * The API description (worker/src/openapi/document.ts): valid OpenAPI 3.1 for a real validator,
 * and in step with the app: every registered route is described and every described path is a
 * route; every query key the data endpoint accepts is a documented parameter.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createBenchApp } from '../../worker/bench/bench-worker';
import { BENCH_FLOOR_PATH } from '../../worker/bench/floor-route';
import { createApp } from '../../worker/src/app';
import { OPENAPI_DOCUMENT, OPENAPI_JSON } from '../../worker/src/openapi/document';
import type { Parameter, Reference } from '../../worker/src/openapi/types';
import { ALLOWED_DATA_KEYS, OUTPUT_KEYS } from '../../worker/src/query/params';

/** '/aggregates_by/:prefix/channels' and '/aggregates_by/{prefix}/channels/' both become '/aggregates_by/{}/channels'. */
function normalize(path: string): string {
  const bare = path.replace(/:[A-Za-z_]+/g, '{}').replace(/\{[A-Za-z_]+\}/g, '{}');
  return bare.length > 1 ? bare.replace(/\/$/, '') : bare;
}

function resolveParameter(parameter: Parameter | Reference): Parameter {
  if (!('$ref' in parameter)) return parameter;
  const name = parameter.$ref.replace('#/components/parameters/', '');
  const resolved = OPENAPI_DOCUMENT.components.parameters[name];
  if (!resolved) throw new Error(`dangling ${parameter.$ref}`);
  return resolved;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator), references included', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(OPENAPI_JSON) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the app registers, and nothing else', () => {
    const routes = new Set(
      createApp()
        .routes.filter((route) => route.method === 'GET' && route.path !== '*')
        .map((route) => normalize(route.path)),
    );
    const described = new Set(Object.keys(OPENAPI_DOCUMENT.paths).map(normalize));
    expect([...routes].sort()).toEqual([...described].sort());
    expect(routes.size).toBe(12);
  });

  it('leaves out the route only the bench entry adds (worker/bench/bench-worker.ts)', () => {
    const production = createApp().routes.map((route) => route.path);
    const bench = createBenchApp().routes.map((route) => route.path);
    expect(bench.filter((path) => !production.includes(path))).toEqual([BENCH_FLOOR_PATH]);
    expect(Object.keys(OPENAPI_DOCUMENT.paths).map(normalize)).not.toContain(normalize(BENCH_FLOOR_PATH));
  });

  it('declares every path parameter, and every query key the data endpoint accepts', () => {
    for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      const declared = (item.get.parameters ?? []).map(resolveParameter);
      const inPath = [...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((match) => match[1]);
      expect(
        declared
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort(),
        path,
      ).toEqual([...inPath].sort());
      for (const status of Object.keys(item.get.responses)) expect(status, path).toMatch(/^[1-5][0-9][0-9]$/);
    }
    const data = OPENAPI_DOCUMENT.paths['/aggregates_by/{prefix}/channels/{channel}/'];
    const queryKeys = (data?.get.parameters ?? [])
      .map(resolveParameter)
      .filter((p) => p.in === 'query')
      .map((p) => p.name);
    expect(queryKeys.sort()).toEqual([...ALLOWED_DATA_KEYS, ...OUTPUT_KEYS].sort());
  });
});
