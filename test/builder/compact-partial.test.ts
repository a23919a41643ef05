/**
 * The compact partial aggregates the worker threads send back: through a structured clone with
 * their buffers transferred (as postMessage does), added into another aggregate they give exactly
 * what Aggregator.absorb gives, totals beyond 2^53 included, whatever the split of the input.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../builder/src/aggregate/aggregator';
import { decodePartial, encodePartial } from '../../builder/src/aggregate/partial-aggregate';
import { mulberry32 } from '../../builder/src/demo/generate-demo-pings';
import { absorbCompactPartial, toCompactPartial, transferablesOf } from '../../builder/src/threads/compact-partial';
import { generateSyntheticPings } from '../fixtures/synthetic-dataset';
import { histogram, makePing, materialise, vendoredDefinitions } from '../helpers/pings';

const NEAR_2_53 = 2 ** 53 - 1;
const pings = [
  ...[...generateSyntheticPings()].filter((_, i) => i % 5 === 0),
  // cells and sums that leave the safe-integer range once added up
  makePing({ histograms: { GC_MS: histogram({ '1': NEAR_2_53, '10': 2 }, 23) } }),
  makePing({ histograms: { GC_MS: histogram({ '1': NEAR_2_53, '10': 3 }, NEAR_2_53) } }),
  makePing({ processes: { parent: { scalars: { 'a.big': 2 ** 52 } } } }),
  makePing({ processes: { parent: { scalars: { 'a.big': 2 ** 52 } } } }),
  'not a ping',
];

function viaTransfer<T extends Parameters<typeof transferablesOf>[0]>(partial: T): T {
  return structuredClone(partial, { transfer: transferablesOf(partial) });
}

describe('compact partial aggregates', () => {
  it('add up to exactly one aggregation of all the input, for random splits', async () => {
    const histograms = (await vendoredDefinitions()).histograms;
    const whole = new Aggregator(histograms);
    for (const ping of pings) whole.addLine(JSON.stringify(ping));
    const expected = await materialise(whole);
    expect(JSON.stringify(expected.contributions, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).toMatch(/\d+n/); // exact cells were needed
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const parts = 2 + Math.floor(random() * 3);
      const slices = Array.from({ length: parts }, () => new Aggregator(histograms));
      for (const ping of pings) (slices[Math.floor(random() * parts)] as Aggregator).addLine(JSON.stringify(ping));
      const [main, ...others] = slices as [Aggregator, ...Aggregator[]];
      for (const other of others)
        absorbCompactPartial(main, viaTransfer(toCompactPartial({ groups: other.groups.values(), stats: other.stats })));
      expect(await materialise(main), `seed ${seed}`).toEqual(expected);
      expect(main.stats).toEqual(whole.stats);
    }
  });

  it('encode groups that do not share an arena (decoded partial files) the same way', async () => {
    const histograms = (await vendoredDefinitions()).histograms;
    const whole = new Aggregator(histograms);
    for (const ping of pings) whole.addLine(JSON.stringify(ping));
    const decoded = decodePartial(encodePartial({ groups: whole.groups.values(), stats: whole.stats }));
    const again = new Aggregator(histograms);
    absorbCompactPartial(again, viaTransfer(toCompactPartial(decoded)));
    expect(await materialise(again)).toEqual(await materialise(whole));
  });
});
