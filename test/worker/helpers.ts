/**
 * Shared by the Workers-runtime tests: the builder's objects (from global-setup.ts), seeding R2,
 * building an app with test settings, reading debug headers, signing tokens, and computing
 * expected answers straight from the stored rows (no worker code involved).
 */
import { env } from 'cloudflare:workers';
import type { JWTPayload } from 'jose';
import { importJWK, SignJWT } from 'jose';
import { inject } from 'vitest';
import type { AppDeps } from '../../worker/src/app';
import { createApp } from '../../worker/src/app';
import { DEFAULTS } from '../../worker/src/config';
import { periodOf } from '../../worker/src/core/calendar-date';
import type { ManifestIndex, MetricsIndex } from '../../worker/src/core/index-objects';
import type { ShardContent, ShardRow } from '../../worker/src/core/shard';
import { decodeShardContent } from '../../worker/src/core/shard-codec';
import type { Prefix } from '../../worker/src/core/storage-keys';
import { manifestKey, metricsKey, shardKey } from '../../worker/src/core/storage-keys';
import type { Env } from '../../worker/src/env';
import type { ObjectSource } from '../../worker/src/storage/object-source';

export const BASE = 'https://aggregates.test';

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Every object the real builder published for the test pings, by key. */
export const objects: ReadonlyMap<string, Uint8Array> = new Map(
  Object.entries(inject('aggregateObjects')).map(([key, base64]) => [key, fromBase64(base64)]),
);

export const testPings: Record<string, unknown>[] = inject('testPings').map((text) => JSON.parse(text) as Record<string, unknown>);

export function objectJson<T>(key: string): T {
  const bytes = objects.get(key);
  if (!bytes) throw new Error(`no object ${key}`);
  return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

/** Puts every builder object into the test file's R2 bucket. */
export async function seedBucket(bucket: R2Bucket = env.AGGREGATES): Promise<void> {
  await Promise.all([...objects].map(([key, bytes]) => bucket.put(key, bytes)));
}

/** The test env: the pool's bindings (wrangler.toml vars, AUTH_JWKS, DEBUG_R2_READS) plus overrides. */
export function testEnv(overrides: Partial<Record<keyof Env, unknown>> = {}): Env {
  return { ...(env as unknown as Env), DEBUG_R2_READS: 'true', ...overrides } as Env;
}

/** A fresh app (cold caches); the response cache is off unless a test passes one. */
export function makeApp(deps: AppDeps = {}) {
  return createApp({ responseCache: null, ...deps });
}

export type TestApp = ReturnType<typeof makeApp>;

export interface GetOptions {
  headers?: Record<string, string>;
  env?: Env;
  method?: string;
  /** Passed on to the app, e.g. from cloudflare:test's createExecutionContext(). */
  ctx?: ExecutionContext;
}

export async function get(app: TestApp, path: string, options: GetOptions = {}): Promise<Response> {
  const init = { method: options.method ?? 'GET', headers: options.headers ?? {} };
  return app.request(`${BASE}${path}`, init, options.env ?? testEnv(), options.ctx);
}

export async function getJson<T>(app: TestApp, path: string, options: GetOptions = {}): Promise<T> {
  const response = await get(app, path, options);
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface Reads {
  total: number;
  index: number;
  shard: number;
}

export function readsOf(response: Response): Reads {
  const number = (name: string): number => {
    const value = response.headers.get(name);
    if (value === null) throw new Error(`no ${name} header`);
    return Number(value);
  };
  return { total: number('X-R2-Reads'), index: number('X-R2-Index-Reads'), shard: number('X-R2-Shard-Reads') };
}

/** An in-memory ObjectSource over the builder's objects (optionally edited), counting gets. */
export class MapSource implements ObjectSource {
  readonly gets: string[] = [];
  constructor(readonly map: Map<string, Uint8Array> = new Map(objects)) {}
  async get(key: string): Promise<Uint8Array | null> {
    this.gets.push(key);
    return this.map.get(key) ?? null;
  }
  setJson(key: string, value: unknown): void {
    this.map.set(key, new TextEncoder().encode(JSON.stringify(value)));
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens

const privateJwk = JSON.parse(inject('testPrivateJwk')) as Record<string, unknown>;
export const TEST_KID = privateJwk.kid as string;

export interface TokenOptions {
  claims?: JWTPayload;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
  scope?: string | undefined;
  kid?: string;
}

/** The public JWKS (JSON text) the worker's AUTH_JWKS binding holds. */
export const testJwks: string = inject('testJwks');

export async function testPrivateKey(): Promise<CryptoKey> {
  return (await importJWK(privateJwk, 'RS256')) as CryptoKey;
}

export async function signToken(options: TokenOptions = {}, key?: CryptoKey): Promise<string> {
  const signingKey = key ?? (await testPrivateKey());
  const now = Math.floor(Date.now() / 1000);
  const scope = 'scope' in options ? options.scope : DEFAULTS.requiredScope;
  return new SignJWT({ ...(scope === undefined ? {} : { scope }), ...options.claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? TEST_KID, typ: 'JWT' })
    .setIssuer(options.issuer ?? DEFAULTS.issuer)
    .setAudience(options.audience ?? DEFAULTS.audience)
    .setSubject('test-user')
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(signingKey);
}

export async function bearer(options: TokenOptions = {}): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${await signToken(options)}` };
}

// ---------------------------------------------------------------------------------------------
// Expected answers, computed from the stored rows alone

export interface ExpectedRow {
  date: string;
  label: string;
  histogram: number[];
  count: number;
  sum: number;
}

export type Filter = Partial<Record<'application' | 'architecture' | 'os' | 'osVersion' | 'e10sEnabled' | 'child' | 'label', string>>;

export function storedShard(prefix: Prefix, channel: string, version: string, period: string, metric: string): ShardContent | null {
  const bytes = objects.get(shardKey(prefix, channel, version, period, metric));
  return bytes ? decodeShardContent(bytes) : null;
}

/** Every stored row of a metric for (prefix, channel, version), all periods. */
export function storedRows(prefix: Prefix, channel: string, version: string, metric: string): ShardRow[] {
  const manifest = objectJson<ManifestIndex>(manifestKey(prefix, channel, version));
  const periods = Object.keys(manifest.metrics[metric] ?? {});
  return periods.flatMap((period) => storedShard(prefix, channel, version, period, metric)?.rows ?? []);
}

function rowMatches(row: ShardRow, filter: Filter): boolean {
  return Object.entries(filter).every(([key, value]) => row[key as keyof Filter] === value);
}

/** The expected `data` of a plain metric request: matching rows summed per (date, label). */
export function expectedData(rows: readonly ShardRow[], dates: readonly string[], filter: Filter = {}): ExpectedRow[] {
  const out: ExpectedRow[] = [];
  for (const date of [...new Set(dates)]) {
    const byLabel = new Map<string, ExpectedRow>();
    for (const row of rows) {
      if (row.date !== date || !rowMatches(row, filter)) continue;
      let total = byLabel.get(row.label);
      if (!total) byLabel.set(row.label, (total = { date, label: row.label, histogram: [], count: 0, sum: 0 }));
      row.histogram.forEach((value, i) => {
        total.histogram[i] = (total.histogram[i] ?? 0) + Number(value);
      });
      for (let i = 0; i < total.histogram.length; i++) total.histogram[i] ??= 0;
      total.count += Number(row.count);
      total.sum += Number(row.sum);
    }
    out.push(...[...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)));
  }
  return out;
}

export function metricsIndex(channel: string, version: string): MetricsIndex {
  return objectJson<MetricsIndex>(metricsKey(channel, version));
}

/** Every date with data in a set of rows, sorted. */
export function datesOf(rows: readonly ShardRow[]): string[] {
  return [...new Set(rows.map((row) => row.date))].sort();
}

/** `count` consecutive YYYYMMDD dates starting at `first`. */
export function dateRange(first: string, count: number): string[] {
  const start = Date.UTC(Number(first.slice(0, 4)), Number(first.slice(4, 6)) - 1, Number(first.slice(6, 8)));
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, ''));
}

export function monthsOf(dates: readonly string[]): string[] {
  return [...new Set(dates.map(periodOf))];
}
