/**
 * Deterministic demo input: varies real "main" pings so that the aggregator sees many
 * channels, versions, build ids, platforms and submission dates.
 *
 * Pure (no I/O, no Math.random, no clock): the same options always yield the same pings.
 */
import { dateOfDayNumber, dayNumber, isCalendarDate, isYyyymmdd } from '../../../worker/src/core/calendar-date';

export interface DemoPingOptions {
  /** How many pings to yield. */
  count: number;
  /** PRNG seed (an integer); defaults to DEFAULT_DEMO_SEED. */
  seed?: number;
  /** Real pings (JSON objects) to vary; each generated ping is a deep copy of one of them. */
  basePings: readonly unknown[];
  /** Submission date (YYYYMMDD) of the first day; defaults to DEFAULT_DEMO_START_DATE. */
  startDate?: string;
  /** Number of consecutive submission days; defaults to DEFAULT_DEMO_DAYS. */
  days?: number;
  /**
   * When set, every ping takes its aggregation dimensions (submission date, channel, version,
   * build id, application, platform, e10s) from a fixed pool of this many combinations drawn once,
   * so that many pings share each dimension group and the aggregate stops growing with the count,
   * as with real traffic. Per-ping fields (ids, sample id) still vary. Unset: every ping draws its own.
   */
  dimensionPool?: number;
}

export const DEFAULT_DEMO_SEED = 1;
export const DEFAULT_DEMO_START_DATE = '20170115';
export const DEFAULT_DEMO_DAYS = 14;
/** A build is at most this many days older than the submission that reports it. */
export const MAX_BUILD_AGE_DAYS = 10;
/** Share of pings that claim to come from Fennec (the aggregator must drop them). */
export const FENNEC_SHARE = 0.03;

type JsonObject = Record<string, unknown>;

interface Weighted<T> {
  value: T;
  weight: number;
}

interface ChannelProfile {
  channel: string;
  /** Newest version first; older versions linger with a smaller weight. */
  versions: readonly Weighted<string>[];
  /** Days between two builds of the channel (nightly and aurora build every day). */
  buildCadenceDays: number;
}

interface OsProfile {
  name: string;
  version: (random: SeededRandom) => string;
  /** Architectures seen on this OS. */
  architectures: readonly Weighted<string>[];
}

const CHANNELS: readonly Weighted<ChannelProfile>[] = [
  {
    weight: 45,
    value: {
      channel: 'nightly',
      versions: [
        { value: '54.0a1', weight: 3 },
        { value: '55.0a1', weight: 1 },
      ],
      buildCadenceDays: 1,
    },
  },
  {
    weight: 10,
    value: {
      channel: 'aurora',
      versions: [
        { value: '53.0a2', weight: 3 },
        { value: '52.0a2', weight: 1 },
      ],
      buildCadenceDays: 1,
    },
  },
  {
    weight: 25,
    value: {
      channel: 'beta',
      versions: [
        { value: '52.0', weight: 3 },
        { value: '51.0', weight: 1 },
      ],
      buildCadenceDays: 3,
    },
  },
  {
    weight: 20,
    value: {
      channel: 'release',
      versions: [
        { value: '51.0.1', weight: 3 },
        { value: '50.1.0', weight: 1 },
      ],
      buildCadenceDays: 7,
    },
  },
];

const BOTH_ARCHITECTURES: readonly Weighted<string>[] = [
  { value: 'x86-64', weight: 65 },
  { value: 'x86', weight: 35 },
];

const OPERATING_SYSTEMS: readonly Weighted<OsProfile>[] = [
  { weight: 30, value: { name: 'Windows_NT', version: () => '6.1', architectures: BOTH_ARCHITECTURES } },
  { weight: 30, value: { name: 'Windows_NT', version: () => '10.0', architectures: BOTH_ARCHITECTURES } },
  {
    weight: 15,
    value: { name: 'Darwin', version: () => '16.4.0', architectures: [{ value: 'x86-64', weight: 1 }] },
  },
  {
    weight: 25,
    // Kernel "4.4.0-NN-generic"; the aggregator keeps only "4.4" for Linux.
    value: {
      name: 'Linux',
      version: (random) => `4.4.0-${random.integer(21, 66)}-generic`,
      architectures: BOTH_ARCHITECTURES,
    },
  },
];

const E10S_STATES: readonly Weighted<boolean | undefined>[] = [
  { value: true, weight: 65 },
  { value: false, weight: 30 },
  { value: undefined, weight: 5 },
];

/** Histogram scale factors are drawn log-uniformly from [1/MAX_SCALE, MAX_SCALE]. */
const MAX_SCALE = 2;

const HISTOGRAM_TYPE = { boolean: 2, flag: 3, categorical: 5 } as const;

const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: a tiny 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class SeededRandom {
  private readonly nextFloat: () => number;

  constructor(seed: number) {
    this.nextFloat = mulberry32(seed);
  }

  float(): number {
    return this.nextFloat();
  }

  /** Uniform integer in [min, max]. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.nextFloat() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.nextFloat() * items.length)] as T;
  }

  weighted<T>(choices: readonly Weighted<T>[]): T {
    const total = choices.reduce((sum, choice) => sum + choice.weight, 0);
    let remaining = this.nextFloat() * total;
    for (const choice of choices) {
      remaining -= choice.weight;
      if (remaining < 0) return choice.value;
    }
    const last = choices[choices.length - 1];
    if (last === undefined) throw new RangeError('cannot pick from an empty list');
    return last.value;
  }

  /** Log-uniform factor in [1/max, max]: as likely to halve as to double. */
  scaleFactor(max: number): number {
    return Math.exp((this.nextFloat() * 2 - 1) * Math.log(max));
  }

  /** A version-4-shaped UUID built from the PRNG. */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.integer(0, 15).toString(16));
    hex[12] = '4';
    hex[16] = (8 + this.integer(0, 3)).toString(16); // RFC 4122 variant: 8, 9, a or b
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates

/** Days since 1970-01-01 (UTC) of a YYYYMMDD date; throws on malformed dates. */
function dayNumberOf(yyyymmdd: string): number {
  if (!isYyyymmdd(yyyymmdd)) throw new RangeError(`expected a YYYYMMDD date, got ${JSON.stringify(yyyymmdd)}`);
  if (!isCalendarDate(yyyymmdd)) throw new RangeError(`not a calendar date: ${yyyymmdd}`);
  return dayNumber(yyyymmdd);
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The build id of the channel's build on a given day. The time of day depends only on
 * (channel, day), so every ping of the same build reports the same build id.
 */
function buildIdFor(channel: string, buildDay: number): string {
  let channelHash = 0;
  for (const char of channel) channelHash = (Math.imul(channelHash, 31) + char.charCodeAt(0)) >>> 0;
  const timeOfDay = mulberry32(channelHash ^ buildDay);
  const hour = channel === 'nightly' ? 3 : Math.floor(timeOfDay() * 24);
  const minute = Math.floor(timeOfDay() * 60);
  const second = Math.floor(timeOfDay() * 60);
  return `${dateOfDayNumber(buildDay)}${twoDigits(hour)}${twoDigits(minute)}${twoDigits(second)}`;
}

/** A build day 0..MAX_BUILD_AGE_DAYS days before the submission, on the channel's cadence, recent ones likelier. */
function pickBuildDay(random: SeededRandom, submissionDay: number, cadenceDays: number): number {
  const candidates: Weighted<number>[] = [];
  for (let age = 0; age <= MAX_BUILD_AGE_DAYS; age++) {
    const day = submissionDay - age;
    if (day % cadenceDays === 0) candidates.push({ value: day, weight: 1 / (age + 1) });
  }
  return random.weighted(candidates);
}

// ---------------------------------------------------------------------------------------------
// JSON helpers

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `parent[key]`, created (or replaced, if it is not an object) when needed. */
function ensureObject(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isJsonObject(existing)) return existing;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

// ---------------------------------------------------------------------------------------------
// Measurement scaling

/** Scales a non-negative count; integers stay integers, and a non-zero integer stays non-zero. */
function scaleNumber(value: unknown, factor: number): unknown {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return value;
  if (!Number.isInteger(value)) return value * factor;
  const scaled = Math.round(value * factor);
  return value > 0 ? Math.max(1, scaled) : 0;
}

/** Σ bucket × count: the exact sum of a boolean or categorical histogram (bucket = sample value). */
function bucketWeightedSum(values: JsonObject): number {
  let sum = 0;
  for (const [bucket, count] of Object.entries(values)) {
    const sample = Number(bucket);
    if (typeof count === 'number' && Number.isFinite(sample)) sum += sample * count;
  }
  return sum;
}

/**
 * Scales every bucket count and the sum by one factor. A count histogram's sum equals its
 * bucket 0 and stays equal (same number, same rounding); boolean and categorical sums that
 * were exactly Σ bucket × count are recomputed so they stay exact.
 */
function scaleHistogram(histogram: unknown, random: SeededRandom): void {
  if (!isJsonObject(histogram) || !isJsonObject(histogram.values)) return;
  const type = histogram.histogram_type;
  if (type === HISTOGRAM_TYPE.flag) return; // a flag is set once; scaling would be meaningless
  const values = histogram.values;
  const sumIsExact =
    (type === HISTOGRAM_TYPE.boolean || type === HISTOGRAM_TYPE.categorical) && histogram.sum === bucketWeightedSum(values);
  const factor = random.scaleFactor(MAX_SCALE);
  for (const bucket of Object.keys(values)) values[bucket] = scaleNumber(values[bucket], factor);
  histogram.sum = sumIsExact ? bucketWeightedSum(values) : scaleNumber(histogram.sum, factor);
}

function scaleHistograms(histograms: unknown, random: SeededRandom): void {
  if (!isJsonObject(histograms)) return;
  for (const histogram of Object.values(histograms)) scaleHistogram(histogram, random);
}

function scaleKeyedHistograms(keyedHistograms: unknown, random: SeededRandom): void {
  if (!isJsonObject(keyedHistograms)) return;
  for (const byKey of Object.values(keyedHistograms)) scaleHistograms(byKey, random);
}

/** Scales every number of `record` (one factor each); non-numbers are left alone. */
function scaleNumbersOf(record: unknown, random: SeededRandom): void {
  if (!isJsonObject(record)) return;
  for (const key of Object.keys(record)) {
    if (typeof record[key] === 'number') record[key] = scaleNumber(record[key], random.scaleFactor(MAX_SCALE));
  }
}

function scaleKeyedScalars(keyedScalars: unknown, random: SeededRandom): void {
  if (!isJsonObject(keyedScalars)) return;
  for (const byKey of Object.values(keyedScalars)) scaleNumbersOf(byKey, random);
}

/** Simple measurements: top-level numbers and the numbers one level down (what the aggregator reads). */
function scaleSimpleMeasurements(simpleMeasurements: unknown, random: SeededRandom): void {
  if (!isJsonObject(simpleMeasurements)) return;
  scaleNumbersOf(simpleMeasurements, random);
  for (const nested of Object.values(simpleMeasurements)) scaleNumbersOf(nested, random);
}

/** A payload, a payload.processes entry or a childPayloads entry. */
function scaleMeasurementContainer(container: unknown, random: SeededRandom): void {
  if (!isJsonObject(container)) return;
  scaleHistograms(container.histograms, random);
  scaleKeyedHistograms(container.keyedHistograms, random);
  scaleNumbersOf(container.scalars, random);
  scaleKeyedScalars(container.keyedScalars, random);
  scaleSimpleMeasurements(container.simpleMeasurements, random);
}

function scalePayload(payload: unknown, random: SeededRandom): void {
  if (!isJsonObject(payload)) return;
  scaleMeasurementContainer(payload, random);
  if (isJsonObject(payload.processes)) {
    for (const process of Object.values(payload.processes)) scaleMeasurementContainer(process, random);
  }
  if (Array.isArray(payload.childPayloads)) {
    for (const child of payload.childPayloads) scaleMeasurementContainer(child, random);
  }
}

// ---------------------------------------------------------------------------------------------
// Dimensions

interface PingDimensions {
  submissionDay: number;
  sampleId: number;
  channel: string;
  version: string;
  displayVersion: string;
  buildId: string;
  appName: 'Firefox' | 'Fennec';
  architecture: string;
  osName: string;
  osVersion: string;
  e10sEnabled: boolean | undefined;
  clientId: string;
  documentId: string;
  creationTime: number;
}

function drawDimensions(random: SeededRandom, firstDay: number, days: number): PingDimensions {
  const submissionDay = firstDay + random.integer(0, days - 1);
  const profile = random.weighted(CHANNELS);
  const version = random.weighted(profile.versions);
  const buildDay = pickBuildDay(random, submissionDay, profile.buildCadenceDays);
  const buildId = buildIdFor(profile.channel, buildDay);
  const os = random.weighted(OPERATING_SYSTEMS);
  // Beta display versions carry the beta number, e.g. "52.0b3".
  const displayVersion = profile.channel === 'beta' ? `${version}b${1 + (Math.floor(buildDay / 3) % 9)}` : version;
  // A ping is created after its build and before (or on) its submission day.
  const earliest = Math.max(submissionDay * MS_PER_DAY, buildDay * MS_PER_DAY + 6 * 3_600_000);
  const latest = (submissionDay + 1) * MS_PER_DAY - 1;
  return {
    submissionDay,
    sampleId: random.integer(0, 99),
    channel: profile.channel,
    version,
    displayVersion,
    buildId,
    appName: random.chance(FENNEC_SHARE) ? 'Fennec' : 'Firefox',
    architecture: random.weighted(os.architectures),
    osName: os.name,
    osVersion: os.version(random),
    e10sEnabled: random.weighted(E10S_STATES),
    clientId: random.uuid(),
    documentId: random.uuid(),
    creationTime: earliest + Math.floor(random.float() * (latest - earliest)),
  };
}

function xpcomAbiFor(architecture: string, osName: string): string {
  const cpu = architecture === 'x86-64' ? 'x86_64' : 'x86';
  return `${cpu}-${osName === 'Windows_NT' ? 'msvc' : 'gcc3'}`;
}

function applyDimensions(ping: JsonObject, d: PingDimensions): void {
  const submissionDate = dateOfDayNumber(d.submissionDay);
  ping.clientId = d.clientId;
  ping.id = d.documentId;
  ping.creationDate = new Date(d.creationTime).toISOString();

  const application = ensureObject(ping, 'application');
  application.channel = d.channel;
  application.version = d.version;
  application.displayVersion = d.displayVersion;
  application.platformVersion = d.version;
  application.buildId = d.buildId;
  application.name = d.appName;
  application.architecture = d.architecture;
  application.xpcomAbi = xpcomAbiFor(d.architecture, d.osName);

  const environment = ensureObject(ping, 'environment');
  const system = ensureObject(environment, 'system');
  const previousOs = ensureObject(system, 'os');
  // Replace the OS object so Windows-only fields do not leak into Darwin or Linux pings.
  system.os = {
    name: d.osName,
    version: d.osVersion,
    ...(typeof previousOs.locale === 'string' ? { locale: previousOs.locale } : {}),
  };
  const settings = ensureObject(environment, 'settings');
  if (d.e10sEnabled === undefined) delete settings.e10sEnabled;
  else settings.e10sEnabled = d.e10sEnabled;
  if (isJsonObject(settings.update)) settings.update.channel = d.channel;

  // The pipeline's metadata mirrors the ping; keep it coherent.
  const meta = ensureObject(ping, 'meta');
  meta.submissionDate = submissionDate;
  meta.sampleId = d.sampleId;
  meta.docType = 'main';
  meta.appName = d.appName;
  meta.appUpdateChannel = d.channel;
  meta.normalizedChannel = d.channel;
  meta.appVersion = d.version;
  meta.appBuildId = d.buildId;
  meta.os = d.osName;
  meta.clientId = d.clientId;
  meta.documentId = d.documentId;
  if ('creationTimestamp' in meta) meta.creationTimestamp = d.creationTime * 1_000_000;
  if ('Timestamp' in meta) meta.Timestamp = d.creationTime * 1_000_000;
  if ('Date' in meta) meta.Date = new Date(d.creationTime).toUTCString();
}

// ---------------------------------------------------------------------------------------------
// Entry point

interface ValidatedOptions {
  count: number;
  seed: number;
  firstDay: number;
  days: number;
  /** Each base ping serialised once; parsing it again is a fast deep clone. */
  serializedBases: string[];
  dimensionPool: number | undefined;
}

function validateOptions(options: DemoPingOptions): ValidatedOptions {
  const { count, seed = DEFAULT_DEMO_SEED, startDate = DEFAULT_DEMO_START_DATE, days = DEFAULT_DEMO_DAYS } = options;
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, got ${days}`);
  const { dimensionPool } = options;
  if (dimensionPool !== undefined && (!Number.isSafeInteger(dimensionPool) || dimensionPool < 1)) {
    throw new RangeError(`dimensionPool must be a positive integer, got ${dimensionPool}`);
  }
  const firstDay = dayNumberOf(startDate);
  options.basePings.forEach((ping, index) => {
    if (!isJsonObject(ping)) throw new TypeError(`basePings[${index}] is not a JSON object`);
  });
  if (count > 0 && options.basePings.length === 0) throw new RangeError('basePings must not be empty');
  const serializedBases = options.basePings.map((ping) => JSON.stringify(ping));
  return { count, seed, firstDay, days, serializedBases, dimensionPool };
}

/** The pool's combinations come from a PRNG stream of their own, so the pool does not depend on the count. */
const POOL_SEED_SALT = 0x5bd1e995;

function* generateValidated(options: ValidatedOptions): Generator<Record<string, unknown>> {
  const random = new SeededRandom(options.seed);
  const pool = dimensionPoolOf(options);
  for (let index = 0; index < options.count; index++) {
    const ping = JSON.parse(random.pick(options.serializedBases)) as JsonObject;
    const dimensions = pool ? withOwnIdentity(random.pick(pool), random) : drawDimensions(random, options.firstDay, options.days);
    applyDimensions(ping, dimensions);
    scalePayload(ping.payload, random);
    yield ping;
  }
}

function dimensionPoolOf(options: ValidatedOptions): PingDimensions[] | undefined {
  if (options.dimensionPool === undefined) return undefined;
  const random = new SeededRandom(options.seed ^ POOL_SEED_SALT);
  return Array.from({ length: options.dimensionPool }, () => drawDimensions(random, options.firstDay, options.days));
}

/** A pooled combination with this ping's own client, document and sample ids. */
function withOwnIdentity(shared: PingDimensions, random: SeededRandom): PingDimensions {
  return { ...shared, sampleId: random.integer(0, 99), clientId: random.uuid(), documentId: random.uuid() };
}

/**
 * Yields `count` pings, each a varied deep copy of one of `basePings`. Options are validated
 * eagerly (this function throws, not the first `next()`).
 */
export function generateDemoPings(options: DemoPingOptions): Generator<Record<string, unknown>> {
  return generateValidated(validateOptions(options));
}
