/** Which pings are aggregated, and the dimensions of those that are (the original's filter and key). */
import { isYyyymmdd } from '../../../worker/src/core/calendar-date';
import { isRecord } from '../../../worker/src/core/is-record';
import { isChannel, isMajorVersion } from '../../../worker/src/core/storage-keys';
import type { PingSkipReason } from './skip-reasons';

export interface PingDimensions {
  submissionDate: string;
  channel: string;
  /** Major version: application.version up to the first dot. */
  version: string;
  /** Build date: the first 8 characters of application.buildId. */
  buildId: string;
  application: string;
  architecture: string;
  os: string;
  osVersion: string;
  /** environment.settings.e10sEnabled as "true"/"false", "" when absent or not a boolean. */
  e10sEnabled: string;
}

/** The dimensions in a fixed order, for compact encodings. */
export const DIMENSION_FIELDS = [
  'submissionDate',
  'channel',
  'version',
  'buildId',
  'application',
  'architecture',
  'os',
  'osVersion',
  'e10sEnabled',
] as const satisfies readonly (keyof PingDimensions)[];

/** The dimensions as a list, in DIMENSION_FIELDS order. */
export function dimensionList(dimensions: PingDimensions): string[] {
  return DIMENSION_FIELDS.map((field) => dimensions[field]);
}

export function dimensionsOfList(list: readonly unknown[]): PingDimensions {
  return Object.fromEntries(DIMENSION_FIELDS.map((field, i) => [field, String(list[i])])) as unknown as PingDimensions;
}

export interface PingSelection {
  /** Keep only pings with meta.sampleId below this (100 keeps all, as the original). */
  sampleIdBelow: number;
  channels?: ReadonlySet<string>;
  submissionDate?: string;
}

export type DimensionsResult = { ok: true; dimensions: PingDimensions } | { ok: false; reason: PingSkipReason };

/** A build id starts with its build date. */
const BUILD_DATE = /^\d{8}/;

export function readPingDimensions(ping: unknown, selection: PingSelection): DimensionsResult {
  if (!isRecord(ping)) return skip('not-an-object');
  const meta = ping.meta;
  const application = ping.application;
  const sampleId = isRecord(meta) ? pythonNumber(meta.sampleId) : undefined;
  if (sampleId === undefined || !(sampleId < 100)) return skip('bad-sample-id');
  if (!(sampleId < selection.sampleIdBelow)) return skip('sampled-out');
  const channel = isRecord(application) ? application.channel : undefined;
  if (typeof channel !== 'string' || !isChannel(channel)) return skip('unsupported-channel');
  if (selection.channels && !selection.channels.has(channel)) return skip('channel-not-selected');
  if (!isRecord(application) || !isRecord(meta)) return skip('missing-dimension');
  if (application.name === 'Fennec') return skip('fennec');

  const environment = ping.environment;
  const system = isRecord(environment) ? environment.system : undefined;
  const os = isRecord(system) ? system.os : undefined;
  const fields = [meta.submissionDate, application.version, application.buildId, application.name, application.architecture];
  if (fields.some((v) => v === undefined) || !isRecord(os) || os.name === undefined || os.version === undefined) {
    return skip('missing-dimension');
  }
  const {
    submissionDate,
    version: fullVersion,
    buildId: fullBuildId,
    name,
    architecture,
  } = {
    submissionDate: meta.submissionDate,
    version: application.version,
    buildId: application.buildId,
    name: application.name,
    architecture: application.architecture,
  };
  if (typeof submissionDate !== 'string' || !isYyyymmdd(submissionDate)) return skip('invalid-dimension');
  if (selection.submissionDate !== undefined && submissionDate !== selection.submissionDate) return skip('other-submission-date');
  if (typeof fullVersion !== 'string' || typeof fullBuildId !== 'string') return skip('invalid-dimension');
  const version = fullVersion.split('.')[0] as string;
  if (!isMajorVersion(version) || !BUILD_DATE.test(fullBuildId)) return skip('invalid-dimension');
  if (typeof name !== 'string' || typeof architecture !== 'string' || typeof os.name !== 'string') return skip('invalid-dimension');
  let osVersion: string;
  if (os.name === 'Linux') {
    if (typeof os.version !== 'string' && typeof os.version !== 'number') return skip('invalid-dimension');
    osVersion = String(os.version).slice(0, 3);
  } else {
    if (typeof os.version !== 'string') return skip('invalid-dimension');
    osVersion = os.version;
  }
  const settings = isRecord(environment) ? environment.settings : undefined;
  const e10s = isRecord(settings) ? settings.e10sEnabled : undefined;
  const dimensions: PingDimensions = {
    submissionDate,
    channel,
    version,
    buildId: fullBuildId.slice(0, 8),
    application: name,
    architecture,
    os: os.name,
    osVersion,
    e10sEnabled: typeof e10s === 'boolean' ? String(e10s) : '',
  };
  if ([name, architecture, os.name, osVersion].some((v) => v.includes('\u0000'))) return skip('nul-in-dimension');
  return { ok: true, dimensions };
}

/** Python's isinstance(x, (int, float)) also accepts booleans. */
export function pythonNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

function skip(reason: PingSkipReason): DimensionsResult {
  return { ok: false, reason };
}
