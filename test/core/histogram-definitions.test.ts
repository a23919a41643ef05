import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COUNT_HISTOGRAM_LABELS } from '../../worker/src/core/buckets';
import {
  denseIndexer,
  denseLength,
  evaluateIntegerExpression,
  type HistogramDefinition,
  parseHistogramsJson,
  parsePythonInt,
  serviceBuckets,
  storedHistogramLength,
} from '../../worker/src/core/histogram-definitions';

interface GoldenHistogram {
  kind: string;
  keyed: boolean;
  low?: number;
  high?: number;
  n_buckets?: number;
  ranges?: number[];
  service_buckets?: (number | string)[];
  stored_histogram_length?: number;
}

interface GoldenFillExample {
  name: string;
  ping_histogram: { values: Record<string, number> };
  dense_values: number[];
  dense_index: string[];
}

interface Golden {
  histograms: Record<string, GoldenHistogram>;
  fill_examples: GoldenFillExample[];
}

const readData = (file: string): string => readFileSync(new URL(`../../builder/data/${file}`, import.meta.url), 'utf8');

const golden = JSON.parse(readData('golden-buckets.json')) as Golden;
const histogramsJsonText = readData('Histograms.json');
const catalog = parseHistogramsJson(histogramsJsonText);

function requireDefinition(name: string): HistogramDefinition {
  const definition = catalog.lookup(name);
  if (definition === undefined) throw new Error(`no definition for ${name}`);
  return definition;
}

/** Python's Histogram(name, {"values": values}) dense layout, built with our primitives. */
function denseFromSparse(definition: HistogramDefinition, values: Record<string, number>): number[] {
  const dense = new Array<number>(denseLength(definition)).fill(0);
  const parsedKeys = Object.keys(values).map((key) => [parsePythonInt(key), values[key] as number] as const);
  if (parsedKeys.some(([key]) => key === undefined)) return dense;
  const indexOf = denseIndexer(definition);
  for (const [key, count] of parsedKeys) {
    const index = indexOf(key as number);
    if (index >= 0) dense[index] = count;
  }
  return dense;
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

describe('golden histograms (computed by the original Python code)', () => {
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
      if (expected.service_buckets !== undefined) expect(serviceBuckets(definition)).toEqual(expected.service_buckets);
      if (expected.stored_histogram_length !== undefined) {
        expect(storedHistogramLength(definition)).toBe(expected.stored_histogram_length);
      }
      // The dense layout of Histogram(name, {"values": ...}) itself.
      const expectedDenseLength = definition.kind === 'categorical' ? definition.labels.length + 1 : definition.nBuckets;
      expect(denseLength(definition)).toBe(expectedDenseLength);
    });
  }

  it('covers every kind', () => {
    const kinds = new Set(Object.values(golden.histograms).map((entry) => entry.kind));
    expect([...kinds].sort()).toEqual(['boolean', 'categorical', 'count', 'enumerated', 'exponential', 'flag', 'linear']);
  });
});

describe('fill examples (sparse values → dense histogram)', () => {
  for (const example of golden.fill_examples) {
    it(example.name, () => {
      const definition = requireDefinition(example.name);
      expect(denseFromSparse(definition, example.ping_histogram.values)).toEqual(example.dense_values);
      const expectedIndex = definition.kind === 'categorical' ? serviceBuckets(definition) : definition.ranges;
      expect(expectedIndex.map(String)).toEqual(example.dense_index);
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
      expect(serviceBuckets(definition)).toEqual([0, 1, 2]);
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
    expect(categorical && serviceBuckets(categorical)).toEqual(['abc', 'a'.repeat(20), 'Mixed_Case9', 'spill']);
    expect(categorical && denseLength(categorical)).toBe(4);
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

describe('evaluateIntegerExpression', () => {
  it('evaluates the integer subset of Python expressions', () => {
    const cases: Array<[string, number]> = [
      ['60000', 60000],
      [' 80 + 1 ', 81],
      ['1_000', 1000],
      ['0x1f', 31],
      ['0x_1f', 31],
      ['0o17', 15],
      ['0b101', 5],
      ['00', 0],
      ['2**10', 1024],
      ['-2**2', -4],
      ['2**3**2', 512],
      ['7//2', 3],
      ['-7//2', -4],
      ['-7%3', 2],
      ['7%-3', -2],
      ['(1+2)*3', 9],
      ['1 - 2 - 3', -4],
      ['- -5', 5],
      ['True+1', 2],
    ];
    for (const [text, value] of cases) expect([text, evaluateIntegerExpression(text)]).toEqual([text, value]);
  });

  it('rejects everything else', () => {
    for (const text of [
      '',
      ' ',
      '7/2',
      '4/2',
      '1.0',
      '1e3',
      '08',
      '1__0',
      '_1',
      '1_',
      '5L',
      'abc',
      '1 +',
      '(1',
      '1)',
      '2**-1',
      '1//0',
      '1%0',
      'x',
      'True1',
    ]) {
      expect([text, evaluateIntegerExpression(text)]).toEqual([text, undefined]);
    }
    expect(evaluateIntegerExpression(`${'('.repeat(200)}1${')'.repeat(200)}`)).toBeUndefined();
  });

  it('rejects results beyond the safe integer range (Python would keep the big int)', () => {
    expect(evaluateIntegerExpression('9'.repeat(21))).toBeUndefined();
    expect(evaluateIntegerExpression('2**100')).toBeUndefined();
    expect(evaluateIntegerExpression('2**53 - 1')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('parsePythonInt', () => {
  it('accepts what Python int() accepts', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['268', 268],
      ['+5', 5],
      [' 7 ', 7],
      ['\t12\n', 12],
      ['1_000', 1000],
      ['-3', -3],
      ['-0', 0],
      ['007', 7],
      ['0_0', 0],
      ['\u00a05', 5],
      // biome-ignore lint/correctness/noPrecisionLoss: the rounding of this literal is what the test pins
      ['123456789012345678', 123456789012345678],
    ];
    for (const [text, value] of cases) expect([text, parsePythonInt(text)]).toEqual([text, value]);
    expect(Object.is(parsePythonInt('-0'), 0)).toBe(true);
  });

  it('rejects what Python int() rejects', () => {
    for (const text of [
      '',
      ' ',
      '+',
      '-',
      '1__0',
      '_1',
      '1_',
      '-_1',
      '+ 5',
      '1.0',
      '1e3',
      'abc',
      '0x10',
      '5L',
      '\u001c5',
      'NaN',
      'Infinity',
    ]) {
      expect([text, parsePythonInt(text)]).toEqual([text, undefined]);
    }
  });
});

describe('dense layout', () => {
  it('maps non-categorical keys to the index of the equal lower bound', () => {
    const gcMs = requireDefinition('GC_MS');
    const indexOf = denseIndexer(gcMs);
    expect(indexOf(0)).toBe(0);
    expect(indexOf(268)).toBe(28);
    expect(indexOf(10000)).toBe(49);
    expect(indexOf(9)).toBe(-1);
    expect(indexOf(-1)).toBe(-1);
    expect(indexOf(10001)).toBe(-1);
    expect(indexOf(268.5)).toBe(-1);
    expect(denseIndexer(gcMs)).toBe(indexOf);
  });

  it('handles bounds too large for a lookup table', () => {
    const definition = requireDefinition('CHECKERBOARD_SEVERITY');
    const indexOf = denseIndexer(definition);
    definition.ranges.forEach((bound, index) => {
      expect(indexOf(bound)).toBe(index);
    });
    expect(indexOf(1073741823)).toBe(-1);
    expect(indexOf(4)).toBe(-1);
  });

  it('maps categorical keys 0..labels.length (spill) and drops the rest', () => {
    const definition = requireDefinition('FX_TAB_SWITCH_SPINNER_TYPE');
    const indexOf = denseIndexer(definition);
    expect([0, 1, 2, 3, 4, 49, 50, -1, 1.5].map(indexOf)).toEqual([0, 1, 2, 3, -1, -1, -1, -1, -1]);
    expect(denseLength(definition)).toBe(4);
  });

  it('lays count, flag and boolean histograms over [0, 1, 2]', () => {
    for (const name of ['CREATE_EVENT_EVENT', 'A11Y_INSTANTIATED_FLAG', 'GC_IS_COMPARTMENTAL']) {
      const definition = requireDefinition(name);
      expect(denseLength(definition)).toBe(3);
      expect([0, 1, 2, 3].map(denseIndexer(definition))).toEqual([0, 1, 2, -1]);
    }
    expect(storedHistogramLength(requireDefinition('CREATE_EVENT_EVENT'))).toBe(COUNT_HISTOGRAM_LABELS.length);
    expect(storedHistogramLength(requireDefinition('A11Y_INSTANTIATED_FLAG'))).toBe(3);
  });

  it('zeroes the whole histogram when one key is not an int (as the original did)', () => {
    const definition = requireDefinition('GC_IS_COMPARTMENTAL');
    expect(denseFromSparse(definition, { '0': 4, '1': 2 })).toEqual([4, 2, 0]);
    expect(denseFromSparse(definition, { '0': 4, '1': 2, x: 1 })).toEqual([0, 0, 0]);
    expect(denseFromSparse(definition, { ' 1 ': 2, '+0': 4, '7': 1 })).toEqual([4, 2, 0]);
  });

  it('returns fresh service bucket arrays', () => {
    const definition = requireDefinition('GC_MS');
    const buckets = serviceBuckets(definition);
    buckets.push(-1);
    expect(serviceBuckets(definition)).toHaveLength(50);
    expect(serviceBuckets(requireDefinition('A11Y_INSTANTIATED_FLAG'))).toEqual([0, 1]);
    expect(serviceBuckets(requireDefinition('CREATE_EVENT_EVENT'))).toEqual([...COUNT_HISTOGRAM_LABELS]);
  });
});
