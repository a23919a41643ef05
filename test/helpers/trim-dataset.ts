/**
 * Pings for the trim tests: the two real Firefox 54 pings (cut down to a few metrics of every
 * family, as in the end-to-end test) re-dated so the published shards span December 2016 to
 * April 2017, with build dates in other months than their submission dates, plus channels and
 * versions that a trim empties completely.
 *
 * With TRIM_POLICY (base 20170305, 47 days kept, 7 days of buffer) the kept dates are
 * 20170117..20170311: December is wholly trimmed, January and March are boundary months with
 * dates on both sides, February is wholly kept, April wholly trimmed (beyond the buffer).
 */

import type { Variant } from '../worker/fixtures/derive-pings';
import { applyVariant } from '../worker/fixtures/derive-pings';
import { readRealPings, trimPing } from './e2e-pings';

type Json = Record<string, unknown>;

export const TRIM_BASE_DATE = '20170305';
export const TRIM_KEEP_DAYS = 47;
export const TRIM_FIRST_KEPT = '20170117';
export const TRIM_LAST_KEPT = '20170311';

const VARIANTS: readonly Variant[] = [
  // nightly 54: every kind of month, on both prefixes
  { base: 0, submissionDate: '20161215', buildId: '20161210030205' },
  { base: 1, submissionDate: '20170110', buildId: '20161228030205' },
  { base: 0, submissionDate: '20170120', buildId: '20170110030205' },
  { base: 1, submissionDate: '20170125', buildId: '20170118030205', os: { name: 'Linux', version: '4.4.0-59-generic' } },
  { base: 0, submissionDate: '20170125', buildId: '20170110030205', e10sEnabled: false },
  { base: 1, submissionDate: '20170215', buildId: '20170214030205' },
  { base: 0, submissionDate: '20170308', buildId: '20170307030205', os: { name: 'Darwin', version: '16.4.0' } },
  { base: 1, submissionDate: '20170320', buildId: '20170319030205' },
  { base: 0, submissionDate: '20170402', buildId: '20170401030205' },
  // nightly 55: only trimmed dates, so the version goes (meta included)
  { base: 1, submissionDate: '20170110', buildId: '20170105030205', version: '55.0a1' },
  // beta 52: only trimmed dates, so the channel goes from both prefixes
  { base: 0, submissionDate: '20161220', buildId: '20161201030205', channel: 'beta', version: '52.0' },
  // aurora 53: kept by the default window; --channel-keep-days aurora=2 keeps 20170303.. only
  { base: 0, submissionDate: '20170301', buildId: '20170301030205', channel: 'aurora', version: '53.0a2' },
  { base: 1, submissionDate: '20170306', buildId: '20170305030205', channel: 'aurora', version: '53.0a2' },
];

export function trimDatasetPings(): Json[] {
  const trimmed = readRealPings().map(trimPing) as [Json, Json];
  return VARIANTS.map((variant) => applyVariant(trimmed[variant.base], variant));
}

export function trimDatasetNdjson(): string {
  return `${trimDatasetPings()
    .map((ping) => JSON.stringify(ping))
    .join('\n')}\n`;
}
