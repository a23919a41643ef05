/**
 * The persisted formats against their committed v1 fixtures (test/fixtures/formats/), in both
 * directions: decoding the committed bytes gives the committed decoded form, and encoding the
 * decoded form gives exactly the committed bytes. A change of field name, key order or number
 * encoding fails here even when encoder and decoder change together, since published data would
 * no longer read. Regenerate only for a new format version: npm run fixtures:update.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePartial, encodePartial } from '../../builder/src/aggregate/partial-aggregate';
import { parseIndexObject } from '../../builder/src/publish/published-index';
import { checkIndexObject } from '../../worker/src/core/index-schemas';
import type { ShardContent } from '../../worker/src/core/shard';
import { decodeShard, decodeShardContent, encodeShard } from '../../worker/src/core/shard-codec';
import {
  validateChannels,
  validateDates,
  validateFilters,
  validateManifest,
  validateMetrics,
} from '../../worker/src/storage/index-validation';
import type { PlainPartial } from '../fixtures/formats/decoded-forms';
import { partialOfPlain, plainPartial } from '../fixtures/formats/decoded-forms';
import { fromFixtureJson, toFixtureJson } from '../fixtures/formats/fixture-json';
import type { IndexCase } from '../fixtures/formats/fixture-set';
import { INDEX_FIXTURES, PARTIAL_CASES, SHARD_CASES, V1_DIR } from '../fixtures/formats/fixture-set';

const read = (relative: string): Buffer => readFileSync(path.join(V1_DIR, relative));
const decodedForm = (relative: string): unknown => fromFixtureJson(read(relative).toString('utf8'));

/** Equal bytes, or a failure naming the first differing offset with the bytes around it. */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 8), at + 16).toString('hex');
  expect.fail(
    `${what}: ${a.length} bytes encoded, ${b.length} committed; first difference at offset ${at}\n` +
      `  encoded   …${around(a)}…\n  committed …${around(b)}…`,
  );
}

function filesIn(dir: string): string[] {
  return readdirSync(path.join(V1_DIR, dir)).sort();
}

/** The two-way checks of the msgpack fixtures in `dir`: NAME.msgpack and NAME.decoded.json per case. */
function checkMsgpackFixtures<T>(
  dir: string,
  cases: readonly string[],
  codec: { decode: (bytes: Uint8Array) => unknown; encode: (decoded: T) => Uint8Array },
): void {
  it('every fixture file is a case of this test', () => {
    expect(filesIn(dir)).toEqual(cases.flatMap((name) => [`${name}.decoded.json`, `${name}.msgpack`]).sort());
  });

  describe.each(cases)('%s', (name) => {
    const bytes = read(`${dir}/${name}.msgpack`);
    const decoded = decodedForm(`${dir}/${name}.decoded.json`) as T;

    it('decodes to the committed decoded form', () => {
      expect(codec.decode(bytes)).toEqual(decoded);
    });

    it('encodes from the committed decoded form to exactly the committed bytes', () => {
      expectSameBytes(codec.encode(decoded), bytes, `${dir}/${name}.msgpack`);
    });
  });
}

describe('shard fixtures (shard format 1)', () => {
  checkMsgpackFixtures<ShardContent>('shards', SHARD_CASES, {
    decode: (bytes) => {
      const content = decodeShardContent(bytes);
      expect(decodeShard(bytes).rowCount).toBe(content.rows.length);
      return content;
    },
    encode: encodeShard,
  });

  it('a total of exactly 2^53 is written as int64 but read back as a number, which re-encodes as float64', () => {
    // msgpackr's int64AsType 'auto' returns a number up to 2^53 inclusive; exact-int.ts keeps
    // numbers only up to 2^53 - 1. Same value, other bytes: pinned here, not changed.
    const shard: ShardContent = { ...(decodedForm('shards/ordinary.decoded.json') as ShardContent) };
    shard.rows = [{ ...(shard.rows[0] as ShardContent['rows'][number]), sum: 2n ** 53n }];
    const bytes = encodeShard(shard);
    expect(Buffer.from(bytes).includes(Buffer.from('d30020000000000000', 'hex'))).toBe(true);
    const sum = decodeShardContent(bytes).rows[0]?.sum;
    expect(sum).toBe(2 ** 53);
    const again = encodeShard(decodeShardContent(bytes));
    expect(Buffer.from(again).includes(Buffer.from('cb4340000000000000', 'hex'))).toBe(true);
  });
});

describe('partial aggregate fixtures (partial format 1)', () => {
  checkMsgpackFixtures<PlainPartial>('partials', PARTIAL_CASES, {
    decode: (bytes) => plainPartial(decodePartial(bytes)),
    encode: (decoded) => encodePartial(partialOfPlain(decoded)),
  });
});

const WORKER_VALIDATORS: Partial<Record<IndexCase, (value: unknown, key: string) => unknown>> = {
  channels: validateChannels,
  dates: validateDates,
  manifest: validateManifest,
  filters: validateFilters,
  metrics: validateMetrics,
  'metrics-with-definitions': validateMetrics,
};

describe('index object fixtures (layout v1)', () => {
  const cases = Object.keys(INDEX_FIXTURES) as IndexCase[];

  it('every fixture file is a case of this test', () => {
    expect(filesIn('index')).toEqual(cases.flatMap((name) => [`${name}.decoded.json`, `${name}.json`]).sort());
  });

  describe.each(cases)('%s', (name) => {
    const { key, schema, canonical } = INDEX_FIXTURES[name];
    const text = read(`index/${name}.json`).toString('utf8');
    const decoded = decodedForm(`index/${name}.decoded.json`);

    it('the published text reads, through its schema, as the committed decoded form', () => {
      const checked = checkIndexObject(schema, JSON.parse(text));
      expect(checked).toEqual({ ok: true, value: decoded });
    });

    it('reads the same in the builder and in the worker', () => {
      expect(parseIndexObject(schema, key, new TextEncoder().encode(text))).toEqual(decoded);
      const validate = WORKER_VALIDATORS[name];
      if (validate) expect(validate(JSON.parse(text), key)).toEqual(decoded);
      else expect(name).toBe('ledger'); // builder only: the worker never reads ledgers
    });

    it('the builder writes the decoded form as exactly the published text', () => {
      expect(JSON.stringify(canonical(decoded as never))).toBe(text);
      // what a build re-writes after reading it: the schema keeps every key in its place
      expect(JSON.stringify(parseIndexObject(schema, key, new TextEncoder().encode(text)))).toBe(text);
    });
  });
});

describe('the fixture JSON', () => {
  it('writes bigints as {"$bigint": digits} and reads them back as bigints', () => {
    const value = { a: [1, -(2n ** 63n), 'x'], b: { c: 2n ** 64n, d: { $bigint: 'not digits' } } };
    const text = toFixtureJson(value);
    expect(text).toContain('{ "$bigint": "-9223372036854775808" }');
    expect(fromFixtureJson(text)).toEqual(value);
  });
});
