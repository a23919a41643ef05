import { describe, expect, it } from 'vitest';
import type { PingSelection } from '../../builder/src/aggregate/ping-dimensions';
import { readPingDimensions } from '../../builder/src/aggregate/ping-dimensions';
import { makePing } from '../helpers/pings';

const all: PingSelection = { sampleIdBelow: 100 };

function reason(ping: unknown, selection = all): string {
  const result = readPingDimensions(ping, selection);
  return result.ok ? 'ok' : result.reason;
}

describe('which pings are aggregated', () => {
  it('keys a good ping by the original dimensions', () => {
    const result = readPingDimensions(makePing(), all);
    expect(result).toEqual({
      ok: true,
      dimensions: {
        submissionDate: '20170130',
        channel: 'nightly',
        version: '54',
        buildId: '20170129',
        application: 'Firefox',
        architecture: 'x86-64',
        os: 'Windows_NT',
        osVersion: '10.0',
        e10sEnabled: 'true',
      },
    });
  });

  it('needs a numeric sampleId below 100', () => {
    expect(reason(makePing({}, { meta: { sampleId: 99 } }))).toBe('ok');
    expect(reason(makePing({}, { meta: { sampleId: 99.5 } }))).toBe('ok');
    expect(reason(makePing({}, { meta: { sampleId: true } }))).toBe('ok'); // Python: bool is an int
    expect(reason(makePing({}, { meta: { sampleId: 100 } }))).toBe('bad-sample-id');
    expect(reason(makePing({}, { meta: { sampleId: '5' } }))).toBe('bad-sample-id');
    expect(reason(makePing({}, { meta: { sampleId: undefined } }))).toBe('bad-sample-id');
    expect(reason({ ...makePing(), meta: undefined })).toBe('bad-sample-id');
  });

  it('samples deterministically by sampleId', () => {
    expect(reason(makePing({}, { meta: { sampleId: 9 } }), { sampleIdBelow: 10 })).toBe('ok');
    expect(reason(makePing({}, { meta: { sampleId: 10 } }), { sampleIdBelow: 10 })).toBe('sampled-out');
  });

  it('keeps only the four channels, and the selected ones', () => {
    for (const channel of ['nightly', 'aurora', 'beta', 'release']) expect(reason(makePing({}, { application: { channel } }))).toBe('ok');
    expect(reason(makePing({}, { application: { channel: 'esr' } }))).toBe('unsupported-channel');
    expect(reason(makePing({}, { application: { channel: 'beta' } }), { sampleIdBelow: 100, channels: new Set(['nightly']) })).toBe(
      'channel-not-selected',
    );
  });

  it('drops Fennec', () => {
    expect(reason(makePing({}, { application: { name: 'Fennec' } }))).toBe('fennec');
  });

  it('keeps only the --date submission date when given', () => {
    expect(reason(makePing(), { sampleIdBelow: 100, submissionDate: '20170130' })).toBe('ok');
    expect(reason(makePing(), { sampleIdBelow: 100, submissionDate: '20170131' })).toBe('other-submission-date');
  });

  it('needs every dimension field', () => {
    expect(reason(makePing({}, { application: { buildId: undefined } }))).toBe('missing-dimension');
    expect(reason(makePing({}, { os: { version: undefined } }))).toBe('missing-dimension');
    expect(reason({ ...makePing(), environment: undefined })).toBe('missing-dimension');
  });

  it('needs an 8-digit numeric build date, a numeric major version and string dimensions', () => {
    expect(reason(makePing({}, { application: { buildId: '2017abcd0000' } }))).toBe('invalid-dimension');
    expect(reason(makePing({}, { application: { buildId: '2017012' } }))).toBe('invalid-dimension');
    expect(reason(makePing({}, { application: { version: 'nightly' } }))).toBe('invalid-dimension');
    expect(reason(makePing({}, { application: { version: 54 } }))).toBe('invalid-dimension');
    expect(reason(makePing({}, { application: { architecture: 64 } }))).toBe('invalid-dimension');
    expect(reason(makePing({}, { meta: { submissionDate: '2017-01-30' } }))).toBe('invalid-dimension');
  });

  it('cuts the Linux OS version to 3 characters', () => {
    const result = readPingDimensions(makePing({}, { os: { name: 'Linux', version: '4.4.0-59-generic' } }), all);
    expect(result.ok && result.dimensions.osVersion).toBe('4.4');
    const other = readPingDimensions(makePing({}, { os: { name: 'Darwin', version: '16.4.0' } }), all);
    expect(other.ok && other.dimensions.osVersion).toBe('16.4.0');
  });

  it('reads e10sEnabled as "true"/"false", and "" when absent or not a boolean', () => {
    const of = (settings: Record<string, unknown>) => {
      const result = readPingDimensions(makePing({}, { settings }), all);
      return result.ok ? result.dimensions.e10sEnabled : 'skipped';
    };
    expect(of({ e10sEnabled: false })).toBe('false');
    expect(of({ e10sEnabled: undefined })).toBe('');
    expect(of({ e10sEnabled: 'yes' })).toBe('');
  });

  it('skips a ping with a NUL character in a dimension', () => {
    expect(reason(makePing({}, { application: { architecture: 'x86\u0000' } }))).toBe('nul-in-dimension');
  });

  it('skips things that are not pings', () => {
    expect(reason('a string')).toBe('not-an-object');
    expect(reason([1, 2])).toBe('not-an-object');
    expect(reason(null)).toBe('not-an-object');
  });
});
