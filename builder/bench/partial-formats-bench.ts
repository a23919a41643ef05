/**
 * `npm run bench:partials`: the two forms of a partial aggregate, measured on one realistic
 * partial, to decide whether one form can serve both uses.
 *
 *   npm run bench:partials -- [--count N] [--pool P] [--repeat R]
 *
 * The partial is the aggregate of N demo pings (default 1700, the input of `npm run bench:builder`)
 * whose dimensions come from a pool of P combinations (default 32, as there; 0: every ping draws
 * its own, a partial with many more dimension groups). Forms measured, each R times (fastest
 * counts, default 5), all in this one process:
 *   - file v1 (partial-aggregate.ts, `build --partial` / `merge`): encodePartial, its bytes,
 *     decodePartial, and absorbing the decoded partial into an empty Aggregator;
 *   - threads (compact-partial.ts): toCompactPartial, the structured clone postMessage makes of it
 *     (structuredClone copying the buffers; once more at the end, moving them as the build does,
 *     which detaches the aggregate's arenas), its bytes (v8.serialize), and absorbCompactPartial;
 *   - the compact form as a file (msgpack with typed arrays, moreTypes): pack, bytes, unpack and
 *     absorb; the same gzipped (level 1), which would be small and fast but whose bytes depend on
 *     the zlib build Node bundles; and the file form across threads (v1 bytes cloned and decoded).
 */

import { parseArgs } from 'node:util';
import { serialize } from 'node:v8';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { Aggregator } from '../src/aggregate/aggregator';
import { decodePartial, encodePartial } from '../src/aggregate/partial-aggregate';
import { loadDefinitions } from '../src/definitions/load-definitions';
import { generateDemoPings } from '../src/demo/generate-demo-pings';
import { loadBasePings } from '../src/demo/load-base-pings';
import { DEFAULT_PINGS_DIR } from '../src/demo/write-demo-input';
import type { CompactPartial } from '../src/threads/compact-partial';
import { absorbCompactPartial, toCompactPartial, transferablesOf } from '../src/threads/compact-partial';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1700' },
    pool: { type: 'string', default: '32' },
    repeat: { type: 'string', default: '5' },
  },
});
const count = Number(values.count);
const pool = Number(values.pool);
const repeat = Number(values.repeat);

const definitions = await loadDefinitions();
const aggregator = new Aggregator(definitions.histograms);
const started = performance.now();
const basePings = loadBasePings(DEFAULT_PINGS_DIR);
for (const ping of generateDemoPings({ count, basePings, ...(pool > 0 ? { dimensionPool: pool } : {}) })) aggregator.addPing(ping);
const state = () => ({ groups: aggregator.groups.values(), stats: aggregator.stats });
let accumulators = 0;
let cells = 0;
for (const group of aggregator.groups.values()) {
  accumulators += group.accumulators.length;
  for (const accumulator of group.accumulators) cells += accumulator.width;
}
console.log(
  `partial of ${count} demo pings (pool ${pool > 0 ? pool : 'none'}): ${aggregator.groups.size} dimension groups, ` +
    `${accumulators} accumulators, ${cells} cells; aggregated in ${((performance.now() - started) / 1000).toFixed(1)} s; fastest of ${repeat}`,
);

/** The fastest of `repeat` runs, in milliseconds, and the last result. */
function time<T>(run: () => T): { ms: number; result: T } {
  let best = Number.POSITIVE_INFINITY;
  let result: T | undefined;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    result = run();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, result: result as T };
}

const fresh = () => new Aggregator(definitions.histograms);
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const rows: [string, string, string, string, string][] = [];
const row = (form: string, encodeMs: number, bytes: number, decodeMs: number, absorbMs: number) =>
  rows.push([form, encodeMs.toFixed(1), MB(bytes), decodeMs.toFixed(1), absorbMs.toFixed(1)]);

// file v1
const v1Encode = time(() => encodePartial(state()));
const v1Decode = time(() => decodePartial(v1Encode.result));
const v1Absorb = time(() => fresh().absorb(v1Decode.result));
row('file v1 (msgpack, arrays of numbers)', v1Encode.ms, v1Encode.result.byteLength, v1Decode.ms, v1Absorb.ms);

// threads: compact partial, structured clone
const compact = time(() => toCompactPartial(state()));
const clone = time(() => structuredClone(compact.result));
const cloneBytes = serialize(compact.result).byteLength;
const compactAbsorb = time(() => absorbCompactPartial(fresh(), compact.result));
row('threads (compact, structured clone)', compact.ms, cloneBytes, clone.ms, compactAbsorb.ms);

// the compact form as a file
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: true, int64AsType: 'auto' as 'bigint' });
const packed = time(() => packr.pack(toCompactPartial(state())));
const unpacked = time(() => packr.unpack(packed.result) as CompactPartial);
const packedAbsorb = time(() => absorbCompactPartial(fresh(), unpacked.result));
row('compact as a file (msgpack, typed arrays)', packed.ms, packed.result.byteLength, unpacked.ms, packedAbsorb.ms);

// the compact form as a gzipped file
const gzipped = time(() => gzipSync(packr.pack(toCompactPartial(state())), { level: 1 }));
const gunzipped = time(() => packr.unpack(gunzipSync(gzipped.result)) as CompactPartial);
row('compact as a gzipped file (level 1)', gzipped.ms, gzipped.result.byteLength, gunzipped.ms, packedAbsorb.ms);

// the file form across threads
const v1Clone = time(() => structuredClone(v1Encode.result));
row('file v1 across threads (bytes cloned, decoded)', v1Encode.ms, v1Encode.result.byteLength, v1Clone.ms + v1Decode.ms, v1Absorb.ms);

// Last: the build transfers the buffers instead of copying them, which detaches the aggregator's arenas.
const moving = toCompactPartial(state());
const t0 = performance.now();
structuredClone(moving, { transfer: transferablesOf(moving) });
const transferMs = performance.now() - t0;
row('threads (compact, buffers transferred; once)', compact.ms, cloneBytes, transferMs, compactAbsorb.ms);

const widths = [48, 12, 12, 16, 12];
const line = (cols: string[]) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('');
console.log(line(['form', 'encode ms', 'bytes', 'clone+decode ms', 'absorb ms']));
for (const r of rows) console.log(line(r));
console.log(
  `ratios: v1 file / compact clone bytes ${(v1Encode.result.byteLength / cloneBytes).toFixed(2)}, ` +
    `v1 encode+decode / compact convert+clone ${((v1Encode.ms + v1Decode.ms) / (compact.ms + clone.ms)).toFixed(1)}x, ` +
    `v1 file / compact file bytes ${(v1Encode.result.byteLength / packed.result.byteLength).toFixed(2)}, ` +
    `v1 file / gzipped compact bytes ${(v1Encode.result.byteLength / gzipped.result.byteLength).toFixed(2)}`,
);
