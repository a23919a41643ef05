/** USE_COUNTER2_*: the false bucket synthesised from *CONTENT_DOCUMENTS_DESTROYED, as batched_get_use_counter. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ManifestIndex } from '../../worker/src/core/index-objects';
import type { Prefix } from '../../worker/src/core/storage-keys';
import { manifestKey } from '../../worker/src/core/storage-keys';
import type { ExpectedRow, Filter } from './helpers';
import { expectedData, get, getJson, MapSource, makeApp, objectJson, readsOf, seedBucket, storedRows, testPings } from './helpers';

beforeAll(() => seedBucket());

const DATES = ['20170130', '20170131', '20170201'];

interface DataResponse {
  data: ExpectedRow[];
  buckets: (number | string)[];
  kind: string;
  description: string;
}

/** The SQL join, written out independently: full outer join of counter and denominator on date. */
function expectedUseCounter(prefix: Prefix, metric: string, denominator: string, filter: Filter = {}): ExpectedRow[] {
  const own = expectedData(storedRows(prefix, 'nightly', '54', metric), DATES, filter);
  const den = expectedData(storedRows(prefix, 'nightly', '54', denominator), DATES, filter);
  const out: ExpectedRow[] = [];
  for (const date of DATES) {
    const t1 = own.filter((row) => row.date === date);
    const t2 = den.filter((row) => row.date === date);
    if (t1.length === 0) {
      for (const d of t2) out.push({ date, label: '', histogram: [d.sum, 0, 0], count: d.count, sum: 0 });
    } else if (t2.length === 0) {
      out.push(...t1);
    } else {
      for (const n of t1) {
        for (const d of t2) {
          const h = n.histogram;
          out.push({
            date,
            label: n.label,
            histogram: [d.sum - (h[1] ?? 0) - (h[2] ?? 0), h[1] ?? 0, h[2] ?? 0],
            count: n.count,
            sum: n.sum,
          });
        }
      }
    }
  }
  return out;
}

function path(prefix: Prefix, metric: string, extra = ''): string {
  return `/aggregates_by/${prefix}/channels/nightly/?version=54&dates=${DATES.join(',')}&metric=${metric}${extra}`;
}

const cases = [
  { metric: 'USE_COUNTER2_PROPERTY_FILL_DOCUMENT', denominator: '[[COUNT]]_CONTENT_DOCUMENTS_DESTROYED' },
  { metric: 'USE_COUNTER2_PROPERTY_FILL_PAGE', denominator: '[[COUNT]]_TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED' },
  { metric: 'USE_COUNTER2_DEPRECATED_GetPreventDefault_PAGE', denominator: '[[COUNT]]_TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED' },
];

describe('use counters', () => {
  const app = makeApp();

  for (const prefix of ['build_id', 'submission_date'] as const) {
    for (const filter of [{}, { child: 'content' }, { child: 'content', os: 'Windows_NT' }] as Filter[]) {
      it.each(cases)(`${prefix} ${JSON.stringify(filter)}: $metric over $denominator`, async ({ metric, denominator }) => {
        expect(storedRows(prefix, 'nightly', '54', metric).length).toBeGreaterThan(0);
        const query = Object.entries(filter)
          .map(([k, v]) => `&${k}=${v}`)
          .join('');
        const body = await getJson<DataResponse>(app, path(prefix, metric, query));
        expect(body.kind).toBe('boolean');
        expect(body.buckets).toEqual([0, 1, 2]);
        const expected = expectedUseCounter(prefix, metric, denominator, filter);
        expect(expected.length).toBeGreaterThan(0);
        expect(body.data).toEqual(expected);
      });
    }
  }

  it('matches the pings: false = documents destroyed - true', async () => {
    type Ping = Record<string, any>;
    const pings = (testPings as Ping[]).filter(
      (p) => p.application.channel === 'nightly' && p.application.version.startsWith('54.') && p.meta.submissionDate === '20170130',
    );
    const content = pings.map((p) => p.payload.processes.content.histograms);
    const trueCount = content.reduce((a, h) => a + (h.USE_COUNTER2_PROPERTY_FILL_DOCUMENT?.values['1'] ?? 0), 0);
    const destroyed = content.reduce((a, h) => a + (h.CONTENT_DOCUMENTS_DESTROYED?.sum ?? 0), 0);
    const body = await getJson<DataResponse>(
      app,
      `/aggregates_by/submission_date/channels/nightly/?version=54&dates=20170130&metric=USE_COUNTER2_PROPERTY_FILL_DOCUMENT&child=content`,
    );
    expect(trueCount).toBeGreaterThan(0);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]?.histogram.slice(0, 2)).toEqual([destroyed - trueCount, trueCount]);
  });

  it('answers 200 for a use counter with no rows (nor definition) of its own', async () => {
    const metric = 'USE_COUNTER2_SIR_NOT_APPEARING_IN_THIS_DOCUMENT';
    const response = await get(app, path('build_id', metric));
    expect(response.status).toBe(200);
    const body = (await response.json()) as DataResponse;
    expect(body).toEqual({
      data: expectedUseCounter('build_id', metric, '[[COUNT]]_CONTENT_DOCUMENTS_DESTROYED'),
      buckets: [0, 1, 2],
      kind: 'boolean',
      description: '',
    });
    for (const row of body.data) {
      expect(row.histogram.slice(1)).toEqual([0, 0]);
      expect(row.sum).toBe(0);
      expect(row.histogram[0]).toBeGreaterThan(0);
    }
  });

  it('passes the counter through where the denominator has no rows', async () => {
    const source = new MapSource();
    const key = manifestKey('build_id', 'nightly', '54');
    const manifest = objectJson<ManifestIndex>(key);
    delete manifest.metrics['[[COUNT]]_TOP_LEVEL_CONTENT_DOCUMENTS_DESTROYED'];
    source.setJson(key, manifest);
    const body = await getJson<DataResponse>(makeApp({ source: () => source }), path('build_id', 'USE_COUNTER2_PROPERTY_FILL_PAGE'));
    expect(body.data).toEqual(expectedData(storedRows('build_id', 'nightly', '54', 'USE_COUNTER2_PROPERTY_FILL_PAGE'), DATES));
  });

  it('reads the denominator shards too, still one per month', async () => {
    const response = await get(makeApp(), path('submission_date', 'USE_COUNTER2_PROPERTY_FILL_DOCUMENT'));
    // Two months (201701, 201702) x (counter + denominator).
    expect(readsOf(response).shard).toBe(4);
  });
});
