import { describe, expect, it } from 'vitest';
import {
  COUNT_SCALAR_BUCKET,
  combinationCount,
  DIMENSION_NAMES,
  expectedCount,
  FIREFOX_ONLY_FACTOR,
  firefoxPingCount,
  generateSyntheticPings,
  histogramsTemplate,
  NUM_AGGREGATED_CHILD_PINGS,
  NUM_CHILDREN_PER_PING,
  NUM_PINGS_PER_DIMENSIONS,
  NUMERIC_SCALAR_BUCKET,
  PROCESS_TYPES,
  type ProcessType,
  pingDimensions,
  SAMPLE_ID,
  SCALAR_VALUE,
  SIMPLE_SCALAR_BUCKET,
  type SyntheticPing,
  totalPingCount,
} from '../fixtures/synthetic-dataset';

const pings = Array.from(generateSyntheticPings());

/** How often a histogram / numeric scalar of each process type occurs in some pings, as the aggregator reads them. */
function occurrences(group: readonly SyntheticPing[], name: string, scalar: boolean): Record<ProcessType, number> {
  const counts: Record<ProcessType, number> = { parent: 0, content: 0, gpu: 0 };
  for (const { payload } of group) {
    if (scalar) {
      for (const process of PROCESS_TYPES) if (payload.processes[process]?.scalars[name] !== undefined) counts[process]++;
      continue;
    }
    if (payload.histograms[name] !== undefined) counts.parent++;
    if (payload.processes.content?.histograms?.[name] !== undefined) counts.content++;
    if (payload.processes.gpu?.histograms?.[name] !== undefined) counts.gpu++;
    for (const child of payload.childPayloads) if (child.histograms?.[name] !== undefined) counts.content++;
  }
  return counts;
}

describe('synthetic dataset (port of python_mozaggregator tests/dataset.py)', () => {
  it('keeps the original knobs', () => {
    expect([NUM_CHILDREN_PER_PING, NUM_AGGREGATED_CHILD_PINGS, NUM_PINGS_PER_DIMENSIONS]).toEqual([3, 2, 3]);
    expect([SCALAR_VALUE, SIMPLE_SCALAR_BUCKET, COUNT_SCALAR_BUCKET, NUMERIC_SCALAR_BUCKET]).toEqual([42, 35, 40, 40]);
    expect(DIMENSION_NAMES).toEqual([
      'submission_date',
      'channel',
      'version',
      'build_id',
      'application',
      'arch',
      'os',
      'os_version',
      'e10s',
    ]);
  });

  it('yields NUM_PINGS_PER_DIMENSIONS pings per combination of dimension values', () => {
    const product = Object.values(pingDimensions).reduce((n, values) => n * values.length, 1);
    expect(product).toBe(768);
    expect(combinationCount()).toBe(product);
    expect(pings).toHaveLength(product * NUM_PINGS_PER_DIMENSIONS);
    expect(totalPingCount()).toBe(pings.length);
  });

  it('enumerates combinations in product order, the last dimension fastest', () => {
    expect(pings.slice(0, 6).map((p) => p.environment.settings.e10sEnabled)).toEqual([true, true, true, false, false, false]);
    const first = pings[0];
    expect(first?.meta).toEqual({ submissionDate: '20170128', sampleId: SAMPLE_ID });
    expect(first?.application).toEqual({
      channel: 'nightly',
      version: '40.0b1',
      buildId: '20170126000000',
      name: 'Firefox',
      architecture: 'x86',
    });
    expect(first?.environment.system.os).toEqual({ name: 'Linux', version: '6.1' });
    expect(pings.at(-1)?.meta.submissionDate).toBe('20170130');
  });

  it('puts child data in processes.* for the first NUM_AGGREGATED_CHILD_PINGS of a group, in childPayloads otherwise', () => {
    pings.forEach((ping, index) => {
      const aggregated = index % NUM_PINGS_PER_DIMENSIONS < NUM_AGGREGATED_CHILD_PINGS;
      const { processes, childPayloads } = ping.payload;
      expect(childPayloads).toHaveLength(NUM_CHILDREN_PER_PING);
      expect(childPayloads.every((child) => child.simpleMeasurements.uptime === SCALAR_VALUE)).toBe(true);
      expect(childPayloads.every((child) => (child.histograms !== undefined) === !aggregated)).toBe(true);
      expect(processes.content !== undefined && processes.gpu !== undefined).toBe(aggregated);
      expect(processes.parent.histograms).toBeUndefined();
      expect(Object.keys(processes.parent.scalars)).toHaveLength(5);
      expect(Object.keys(ping.payload.keyedHistograms)).toEqual([
        'DEVTOOLS_PERFTOOLS_RECORDING_FEATURES_USED',
        'MESSAGE_MANAGER_MESSAGE_SIZE',
        'VIDEO_DETAILED_DROPPED_FRAMES_PROPORTION',
        'SEARCH_COUNTS',
      ]);
    });
  });

  it('agrees with expectedCount for every group', () => {
    for (let start = 0; start < pings.length; start += NUM_PINGS_PER_DIMENSIONS) {
      const group = pings.slice(start, start + NUM_PINGS_PER_DIMENSIONS);
      const histogram = occurrences(group, 'GC_MAX_PAUSE_MS_2', false);
      const scalar = occurrences(group, 'browser.engagement.total_uri_count', true);
      for (const process of PROCESS_TYPES) {
        expect(histogram[process]).toBe(expectedCount(process));
        expect(scalar[process]).toBe(expectedCount(process, true));
      }
    }
    expect(expectedCount('content')).toBe(5);
  });

  it('is deterministic, with distinct fixed client ids and unshared objects', () => {
    expect(JSON.stringify(Array.from(generateSyntheticPings()))).toBe(JSON.stringify(pings));
    expect(new Set(pings.map((p) => p.clientId)).size).toBe(pings.length);
    expect(pings[1]?.clientId).toBe('00000000-0000-4000-8000-000000000001');
    expect(pings[0]?.payload.histograms).not.toBe(pings[1]?.payload.histograms);
    expect(Object.isFrozen(histogramsTemplate.GC_MAX_PAUSE_MS_2)).toBe(true);
    expect(Object.isFrozen(pings[0]?.payload.histograms.GC_MAX_PAUSE_MS_2)).toBe(false);
  });

  it('documents the Fennec half that our aggregator drops', () => {
    const firefox = pings.filter((p) => p.application.name !== 'Fennec').length;
    expect(FIREFOX_ONLY_FACTOR).toBe(0.5);
    expect(firefox).toBe(firefoxPingCount());
    expect(firefox).toBe(pings.length * FIREFOX_ONLY_FACTOR);
  });
});
