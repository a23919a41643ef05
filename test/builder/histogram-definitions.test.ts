/**
 * Histograms.json → definitions (builder/src/definitions/), checked against golden-buckets.json,
 * which the original python_moztelemetry code computed; the `buckets` the service answers are
 * checked through the path production takes: the metrics index entry the builder writes
 * (shards/metric-info.ts), expanded as the worker expands it (core/bucket-spec.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistogramLayout } from '../../builder/src/aggregate/histogram-layout';
import type { HistogramCatalog } from '../../builder/src/definitions/histogram-catalog';
import { parseHistogramsJson } from '../../builder/src/definitions/histogram-catalog';
import type { HistogramDefinition } from '../../builder/src/definitions/histogram-definitions';
import { metricInfoFor } from '../../builder/src/shards/metric-info';
import { expandBuckets } from '../../worker/src/core/bucket-spec';
import { countHistogramMetric } from '../../worker/src/core/metric-names';
import { loadGolden } from '../helpers/reference-buckets';

const golden = loadGolden();
const histogramsJsonText = readFileSync(new URL('../../builder/data/Histograms.json', import.meta.url), 'utf8');
const catalog = parseHistogramsJson(histogramsJsonText);

function requireDefinition(name: string): HistogramDefinition {
  const definition = catalog.lookup(name);
  if (definition === undefined) throw new Error(`no definition for ${name}`);
  return definition;
}

/** The `buckets` the service answers for a histogram: count histograms are stored, and described, as [[COUNT]]_NAME. */
function servedBuckets(name: string, histograms: HistogramCatalog = catalog): (number | string)[] | undefined {
  const stored = histograms.lookup(name)?.kind === 'count' ? countHistogramMetric(name) : name;
  const described = metricInfoFor(stored, { histograms, scalars: new Map() });
  return described && expandBuckets(described.info.buckets);
}

describe('Histograms.json catalog', () => {
  it('holds every entry of the file plus the EVENTLOOP_UI_LAG_EXP_MS override', () => {
    const fileEntries = Object.keys(JSON.parse(histogramsJsonText) as object);
    expect(fileEntries).toHaveLength(1498);
    expect(fileEntries).not.toContain('EVENTLOOP_UI_LAG_EXP_MS');
    expect(catalog.size).toBe(1499);
    expect(catalog.names()).toEqual([...fileEntries, 'EVENTLOOP_UI_LAG_EXP_MS']);
  });

  it('parses all definitions of the vendored file (none is invalid)', () => {
    // The Firefox 55 file uses no string expressions, no bad labels, no unknown
    // kinds and no missing fields, so the non-strict parse accepts everything.
    expect(catalog.problems()).toEqual([]);
    for (const name of catalog.names()) expect(catalog.lookup(name)?.name).toBe(name);
  });

  it('has the kinds the file declares', () => {
    const counts = new Map<string, number>();
    for (const name of catalog.names()) {
      const kind = requireDefinition(name).kind;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({
      exponential: 673,
      enumerated: 285,
      count: 227,
      boolean: 164,
      linear: 82,
      flag: 61,
      categorical: 7,
    });
  });

  it('rounds every exact .5 of the linear definitions up (101 cases)', () => {
    let halves = 0;
    for (const name of catalog.names()) {
      const definition = requireDefinition(name);
      if (definition.kind !== 'linear') continue;
      const { low, high, nBuckets, ranges } = definition;
      for (let i = 1; i < nBuckets; i++) {
        const exact = (low * (nBuckets - 1 - i) + high * (i - 1)) / (nBuckets - 2);
        if (exact - Math.floor(exact) === 0.5) {
          halves++;
          expect(ranges[i]).toBe(exact + 0.5);
        }
      }
    }
    expect(halves).toBe(101);
  });
});

describe('golden histograms (computed by the original Python code): definitions and served buckets', () => {
  for (const [name, expected] of Object.entries(golden.histograms)) {
    it(name, () => {
      const definition = requireDefinition(name);
      expect(definition.kind).toBe(expected.kind);
      expect(definition.keyed).toBe(expected.keyed);
      if (expected.low !== undefined) expect(definition.low).toBe(expected.low);
      if (expected.high !== undefined) expect(definition.high).toBe(expected.high);
      if (expected.n_buckets !== undefined) {
        expect(definition.nBuckets).toBe(expected.n_buckets);
        expect(definition.ranges).toHaveLength(expected.n_buckets);
      }
      if (expected.ranges !== undefined) expect(definition.ranges).toEqual(expected.ranges);
      if (expected.service_buckets !== undefined) expect(servedBuckets(name)).toEqual(expected.service_buckets);
    });
  }

  it('covers every kind', () => {
    const kinds = new Set(Object.values(golden.histograms).map((entry) => entry.kind));
    expect([...kinds].sort()).toEqual(['boolean', 'categorical', 'count', 'enumerated', 'exponential', 'flag', 'linear']);
  });
});

describe('fill examples of golden-buckets.json: the index of the dense histogram', () => {
  for (const example of golden.fill_examples) {
    it(example.name, () => {
      const definition = requireDefinition(example.name);
      const index = definition.kind === 'categorical' ? servedBuckets(example.name) : definition.ranges;
      expect(index?.map(String)).toEqual(example.dense_index);
    });
  }
});

describe('lookup', () => {
  it('falls back from STARTUP_NAME to NAME', () => {
    expect(catalog.names()).not.toContain('STARTUP_CREATE_EVENT_EVENT');
    const definition = requireDefinition('STARTUP_CREATE_EVENT_EVENT');
    expect(definition).toBe(requireDefinition('CREATE_EVENT_EVENT'));
    expect(definition.name).toBe('CREATE_EVENT_EVENT');
    expect(definition.kind).toBe('count');
  });

  it('uses a STARTUP_ entry that exists in the file', () => {
    expect(requireDefinition('STARTUP_CRASH_DETECTED').name).toBe('STARTUP_CRASH_DETECTED');
  });

  it('makes up a boolean definition for use counters', () => {
    for (const name of ['USE_COUNTER2_PROPERTY_FILL_PAGE', 'USE_COUNTER_ANYTHING', 'USE_COUNTER2_X/key']) {
      const definition = requireDefinition(name);
      expect(definition.kind).toBe('boolean');
      expect(definition.description).toBe('');
      expect(definition.keyed).toBe(false);
      expect(definition.ranges).toEqual([0, 1, 2]);
      expect(servedBuckets(name)).toEqual([0, 1, 2]);
    }
    expect(requireDefinition('USE_COUNTER2_X/key').name).toBe('USE_COUNTER2_X');
  });

  it('looks NAME/key up as NAME', () => {
    expect(catalog.lookup('GC_MS/some key')).toBe(requireDefinition('GC_MS'));
    expect(catalog.lookup('STARTUP_GC_MS/k/with/slashes')).toBe(requireDefinition('GC_MS'));
    expect(catalog.lookup('NOT_A_HISTOGRAM/key')).toBeUndefined();
  });

  it('returns undefined for unknown names', () => {
    expect(catalog.lookup('NOT_A_HISTOGRAM')).toBeUndefined();
    expect(catalog.lookup('STARTUP_NOT_A_HISTOGRAM')).toBeUndefined();
    expect(catalog.lookup('')).toBeUndefined();
    expect(catalog.lookup('__proto__')).toBeUndefined();
    expect(catalog.lookup('SIMPLE_MEASURES_UPTIME')).toBeUndefined();
  });

  it('rejects names the original refused (# anywhere, LABELS_ prefix)', () => {
    const small = parseHistogramsJson(
      JSON.stringify({ LABELS_X: { kind: 'boolean', description: 'd' }, A: { kind: 'boolean', description: 'd' } }),
    );
    expect(small.lookup('LABELS_X')).toBeUndefined();
    expect(small.lookup('A#1')).toBeUndefined();
    expect(small.lookup('A/key#1')).toBeUndefined();
    expect(small.lookup('USE_COUNTER2_A#B')).toBeUndefined();
    expect(small.lookup('A')?.kind).toBe('boolean');
  });

  it('caches lookups', () => {
    expect(catalog.lookup('GC_MS')).toBe(catalog.lookup('GC_MS'));
    expect(catalog.lookup('USE_COUNTER2_Y')).toBe(catalog.lookup('USE_COUNTER2_Y'));
  });
});

describe('parseHistogramsJson (synthetic files)', () => {
  const valid = { kind: 'exponential', description: 'ok', high: 1000, n_buckets: 10 };
  const EXPECTED_GOOD_RANGES = [0, 1, 2, 5, 12, 29, 70, 170, 412, 1000]; // exponential(1, 1000, 10), from the Python code

  it('keeps other definitions when a categorical one breaks the label rules', () => {
    const small = parseHistogramsJson(
      JSON.stringify({
        BAD_LABEL_CHARS: { kind: 'categorical', description: 'd', labels: ['ok_label', 'Not-Valid'] },
        BAD_LABEL_SHORT: { kind: 'categorical', description: 'd', labels: ['ab'] },
        BAD_LABEL_LONG: { kind: 'categorical', description: 'd', labels: ['a'.repeat(21)] },
        BAD_LABEL_COUNT: {
          kind: 'categorical',
          description: 'd',
          labels: Array.from({ length: 101 }, (_, i) => `label${i}`),
        },
        GOOD_CATEGORICAL: {
          kind: 'categorical',
          description: 'd',
          labels: ['abc', 'a'.repeat(20), 'Mixed_Case9'],
          n_values: 60,
        },
        GOOD: valid,
      }),
    );
    for (const name of ['BAD_LABEL_CHARS', 'BAD_LABEL_SHORT', 'BAD_LABEL_LONG', 'BAD_LABEL_COUNT']) {
      expect(small.lookup(name)).toBeUndefined();
    }
    expect(small.problems().map((problem) => [problem.name, problem.failure])).toEqual([
      ['BAD_LABEL_CHARS', 'invalid'],
      ['BAD_LABEL_SHORT', 'invalid'],
      ['BAD_LABEL_LONG', 'invalid'],
      ['BAD_LABEL_COUNT', 'invalid'],
    ]);
    const categorical = small.lookup('GOOD_CATEGORICAL');
    expect(categorical?.nBuckets).toBe(61);
    expect(categorical?.ranges).toHaveLength(61);
    expect(servedBuckets('GOOD_CATEGORICAL', small)).toEqual(['abc', 'a'.repeat(20), 'Mixed_Case9', 'spill']);
    expect(categorical && new HistogramLayout(categorical).width).toBe(4);
    expect(small.lookup('GOOD')?.ranges).toEqual(EXPECTED_GOOD_RANGES);
  });

  it('applies the textual replacements and coerces numeric strings', () => {
    const text = `{
      "GC_REASON": {"kind": "enumerated", "description": "d", "n_values": "JS::gcreason::NUM_TELEMETRY_REASONS"},
      "STARTUP_EVENTS": {"kind": "enumerated", "description": "d", "n_values": "mozilla::StartupTimeline::MAX_EVENT_ID"},
      "EIGHTY_ONE": {"kind": "enumerated", "description": "d", "n_values": "80 + 1"},
      "STRING_HIGH": {"kind": "linear", "description": "d", "high": "1000", "n_buckets": " 10 * 2 ", "low": "(2+3)*2"},
      "KEYED_TEXT": {"kind": "boolean", "description": "d", "keyed": "true"}
    }`;
    const small = parseHistogramsJson(text);
    expect(small.lookup('GC_REASON')?.nBuckets).toBe(102);
    expect(small.lookup('STARTUP_EVENTS')?.high).toBe(12);
    expect(small.lookup('EIGHTY_ONE')?.high).toBe(81);
    const stringHigh = small.lookup('STRING_HIGH');
    expect([stringHigh?.low, stringHigh?.high, stringHigh?.nBuckets]).toEqual([10, 1000, 20]);
    expect(small.lookup('KEYED_TEXT')?.keyed).toBe(true);
    expect(small.problems()).toEqual([]);
  });

  it('overrides EVENTLOOP_UI_LAG_EXP_MS whatever the file says', () => {
    const small = parseHistogramsJson(JSON.stringify({ EVENTLOOP_UI_LAG_EXP_MS: { kind: 'flag', description: 'old' }, OTHER: valid }));
    const definition = small.lookup('EVENTLOOP_UI_LAG_EXP_MS');
    expect([definition?.kind, definition?.low, definition?.high, definition?.nBuckets]).toEqual(['exponential', 50, 60000, 20]);
    expect(definition?.description).toBe('Widget: Time it takes for the message before a UI message (ms)');
    expect(small.names()).toEqual(['EVENTLOOP_UI_LAG_EXP_MS', 'OTHER']);
  });

  it('records invalid and incomplete definitions without failing the file', () => {
    const small = parseHistogramsJson(
      JSON.stringify({
        UNKNOWN_KIND: { kind: 'histogram', description: 'd' },
        NO_KIND: { description: 'd' },
        NOT_AN_OBJECT: [1, 2],
        NO_DESCRIPTION: { kind: 'boolean' },
        NO_HIGH: { kind: 'linear', description: 'd', n_buckets: 10 },
        NO_N_VALUES: { kind: 'enumerated', description: 'd' },
        NO_LABELS: { kind: 'categorical', description: 'd' },
        TRUE_DIVISION: { kind: 'linear', description: 'd', high: '7/2', n_buckets: 10 },
        WORDS: { kind: 'linear', description: 'd', high: 'a lot', n_buckets: 10 },
        FLOAT: { kind: 'linear', description: 'd', high: 10.5, n_buckets: 10 },
        NULL_HIGH: { kind: 'linear', description: 'd', high: null, n_buckets: 10 },
        KEYED_FALSE_TEXT: { kind: 'boolean', description: 'd', keyed: 'false' },
        NUMBER_DESCRIPTION: { kind: 'boolean', description: 5 },
        BAD_COLLECTION: { kind: 'boolean', description: 'd', releaseChannelCollection: 'opt-maybe' },
        TWO_LINEAR_BUCKETS: { kind: 'linear', description: 'd', high: 10, n_buckets: 2 },
        ZERO_EXPONENTIAL_LOW: { kind: 'exponential', description: 'd', low: 0, high: 10, n_buckets: 5 },
        ONE_ENUM_VALUE: { kind: 'enumerated', description: 'd', n_values: 1 },
        OK: valid,
      }),
    );
    const failures = Object.fromEntries(small.problems().map((problem) => [problem.name, problem.failure]));
    expect(failures).toEqual({
      UNKNOWN_KIND: 'invalid',
      NO_KIND: 'missing-field',
      NOT_AN_OBJECT: 'invalid',
      NO_DESCRIPTION: 'missing-field',
      NO_HIGH: 'missing-field',
      NO_N_VALUES: 'missing-field',
      NO_LABELS: 'missing-field',
      TRUE_DIVISION: 'invalid',
      WORDS: 'invalid',
      FLOAT: 'invalid',
      NULL_HIGH: 'invalid',
      KEYED_FALSE_TEXT: 'invalid',
      NUMBER_DESCRIPTION: 'invalid',
      BAD_COLLECTION: 'invalid',
      TWO_LINEAR_BUCKETS: 'invalid',
      ZERO_EXPONENTIAL_LOW: 'invalid',
      ONE_ENUM_VALUE: 'invalid',
    });
    for (const name of Object.keys(failures)) expect(small.lookup(name)).toBeUndefined();
    expect(small.lookup('OK')?.kind).toBe('exponential');
  });

  it('retries without STARTUP_ after a missing field but not after an invalid definition', () => {
    const small = parseHistogramsJson(
      JSON.stringify({
        STARTUP_A: { kind: 'linear', description: 'd', n_buckets: 10 },
        A: valid,
        STARTUP_B: { kind: 'categorical', description: 'd', labels: ['x'] },
        B: valid,
        STARTUP_C: { description: 'no kind' },
        C: valid,
      }),
    );
    expect(small.lookup('STARTUP_A')?.name).toBe('A');
    expect(small.lookup('STARTUP_B')).toBeUndefined();
    expect(small.lookup('STARTUP_C')?.name).toBe('C');
  });

  it('accepts the other optional fields and ignores unknown keys', () => {
    const small = parseHistogramsJson(
      JSON.stringify({
        FULL: {
          ...valid,
          low: 5,
          keyed: true,
          alert_emails: ['a@example.com'],
          bug_numbers: [1, 2],
          cpp_guard: 'ANDROID',
          expires_in_version: '55',
          releaseChannelCollection: 'opt-out',
          record_in_processes: ['main'],
          extended_statistics_ok: true,
          something_new: { nested: true },
        },
      }),
    );
    expect(small.lookup('FULL')?.low).toBe(5);
    expect(small.lookup('FULL')?.keyed).toBe(true);
  });

  it('throws only when the whole text is unusable', () => {
    expect(() => parseHistogramsJson('not json')).toThrow(SyntaxError);
    expect(() => parseHistogramsJson('[1, 2]')).toThrow(TypeError);
    expect(parseHistogramsJson('{}').size).toBe(1);
  });
});
