/**
 * The API description served at GET /openapi.json (OpenAPI 3.1), written next to the routes.
 * test/core/openapi-document.test.ts validates it with an OpenAPI 3.1 validator and checks that
 * every route the app registers is described; test/e2e/openapi-responses.test.ts validates real
 * answers of the app against these schemas.
 */
import { version } from '../../../package.json';
import { JSON_CONTENT_TYPE } from '../core/content-types';
import { FILTER_NAMES } from '../core/index-objects';
import { PROCESS_TYPES } from '../core/metric-names';
import { CHANNELS, PREFIXES } from '../core/storage-keys';
import { CSV_CONTENT_TYPE } from '../export/csv';
import { LEGACY_CHILD, OUTPUT_FORMATS } from '../query/params';
import { MAX_STATS } from '../stats/stat-names';
import type { JsonSchema, OpenApiDocument, Operation, Parameter, Reference, Response, SecurityRequirement } from './types';

const ref = (kind: 'schemas' | 'parameters' | 'responses' | 'headers', name: string): Reference => ({
  $ref: `#/components/${kind}/${name}`,
});
const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, example?: unknown): Response['content'] => ({
  [JSON_CONTENT_TYPE]: { schema, ...(example === undefined ? {} : { example }) },
});

/** Optional bearer token: anonymous or authenticated. */
const OPTIONAL_TOKEN: SecurityRequirement[] = [{}, { bearerAuth: [] }];

const exactInteger: JsonSchema = {
  type: 'integer',
  description: 'An exact integer; totals beyond 2^53 are written as plain JSON integers (within the signed 64-bit range).',
};

const cachedOk = (description: string, content: Response['content']): Response => ({
  description,
  headers: { ETag: ref('headers', 'ETag'), 'Cache-Control': ref('headers', 'CacheControl'), Vary: ref('headers', 'Vary') },
  content,
});

const errors = {
  notModified: ref('responses', 'NotModified'),
  badRequest: ref('responses', 'BadRequest'),
  forbidden: ref('responses', 'Forbidden'),
  notFound: ref('responses', 'NotFound'),
  methodNotAllowed: ref('responses', 'MethodNotAllowed'),
  internal: ref('responses', 'InternalError'),
};

const filterParameter = (name: string, description: string, example: string): Parameter => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string' },
  example,
});

const parameters: Record<string, Parameter> = {
  prefix: {
    name: 'prefix',
    in: 'path',
    required: true,
    description: 'How the aggregates are keyed: by build id (build date) or by submission date. Any other value answers 404.',
    schema: { type: 'string', enum: [...PREFIXES] },
  },
  channel: {
    name: 'channel',
    in: 'path',
    required: true,
    description: 'Release channel. `release` needs a token (except for public release metrics).',
    schema: { type: 'string', examples: [...CHANNELS] },
  },
  version: {
    name: 'version',
    in: 'query',
    required: true,
    description: 'Major version.',
    schema: { type: 'string', pattern: '^[0-9]+$' },
    example: '54',
  },
  dates: {
    name: 'dates',
    in: 'query',
    required: true,
    description:
      'Comma-separated dates (YYYYMMDD): build dates or submission dates, per prefix. Dates without data are left out of the answer.',
    schema: { type: 'string' },
    example: '20170120,20170121',
  },
  metric: {
    name: 'metric',
    in: 'query',
    required: true,
    description: 'Histogram name, `SCALARS_` + scalar name upper-cased, `SIMPLE_MEASURES_*`, or `USE_COUNTER2_*`.',
    schema: { type: 'string' },
    example: 'GC_MS',
  },
  application: filterParameter('application', 'Application name filter.', 'Firefox'),
  architecture: filterParameter('architecture', 'Architecture filter.', 'x86-64'),
  os: filterParameter('os', 'Operating system filter.', 'Windows_NT'),
  osVersion: filterParameter('osVersion', 'Operating system version filter (Linux: the first 3 characters of the kernel version).', '10.0'),
  child: {
    name: 'child',
    in: 'query',
    description: 'Process: `parent`, `content` or `gpu`; the legacy `true` means content and `false` parent.',
    schema: { type: 'string', enum: [...PROCESS_TYPES, ...Object.keys(LEGACY_CHILD)] },
  },
  label: filterParameter('label', 'Keyed metrics: the key (label) to keep.', 'SECOND'),
  e10sEnabled: {
    name: 'e10sEnabled',
    in: 'query',
    description: 'Whether e10s was enabled.',
    schema: { type: 'string', enum: ['true', 'false'] },
  },
  stats: {
    name: 'stats',
    in: 'query',
    description:
      'Adds `samples` (the sum of the bucket counts) and `stats` to every entry: a comma-separated list of `mean` (sum / samples) and percentiles `pN` ' +
      `(0 <= N <= 100, up to two decimals; at most ${MAX_STATS}), interpolated linearly within the bucket that holds them, between its lower bound ` +
      "and the next bucket's (the last bucket's upper bound is extrapolated as telemetry.js does). For categorical, flag and boolean metrics " +
      "(use counters included) every requested statistic is null and `stats.proportions` holds each bucket's share of the samples. An empty " +
      "histogram gives nulls. Without this parameter the answer is exactly the original service's.",
    schema: { type: 'string', pattern: '^[a-z0-9.,]+$' },
    example: 'mean,p5,p25,p50,p75,p95',
  },
  format: {
    name: 'format',
    in: 'query',
    description:
      '`json` (default) or `csv`: one row per (date, label, bucket) with the header ' +
      '`date,label,bucket_index,bucket,value,count,sum` (+ `samples` and each statistic with `stats`, + `proportion` for proportion kinds), ' +
      'as an attachment named after the metric, channel, version, prefix and dates.',
    schema: { type: 'string', enum: [...OUTPUT_FORMATS] },
  },
  filtersChannel: {
    name: 'channel',
    in: 'query',
    required: true,
    description: 'Release channel (`release` needs a token).',
    schema: { type: 'string' },
    example: 'nightly',
  },
  filtersVersion: {
    name: 'version',
    in: 'query',
    required: true,
    description: 'Major version.',
    schema: { type: 'string' },
    example: '54',
  },
  dashboardFile: {
    name: 'file',
    in: 'path',
    required: true,
    description: 'A file name the page refers to (content-hashed).',
    schema: { type: 'string' },
  },
};

const statsSchema: JsonSchema = {
  type: 'object',
  description: 'The requested statistics (null when they do not apply or the histogram is empty), and `proportions` for proportion kinds.',
  properties: {
    mean: { type: ['number', 'null'], description: 'sum / samples' },
    proportions: {
      anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'null' }],
      description: 'Categorical, flag and boolean kinds: count / samples per bucket; null when empty.',
    },
  },
  patternProperties: { '^p[0-9]{1,3}(\\.[0-9]{1,2})?$': { type: ['number', 'null'], description: 'A percentile.' } },
  additionalProperties: false,
};

const dataEntryProperties: Record<string, JsonSchema> = {
  date: { type: 'string', pattern: '^[0-9]{8}$' },
  label: { type: 'string', description: 'The key of a keyed metric, or empty.' },
  histogram: { type: 'array', items: exactInteger, description: 'Count per bucket, in the order of `buckets`.' },
  count: { ...exactInteger, description: 'Submissions (rows) summed.' },
  sum: { ...exactInteger, description: 'Sum of the recorded values.' },
};

const schemas: Record<string, JsonSchema> = {
  ErrorMessage: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'], additionalProperties: false },
  AuthError: {
    type: 'object',
    description: "The original service's 403 body.",
    properties: {
      code: { type: 'string', examples: ['authorization_header_missing', 'token_expired', 'invalid_header'] },
      description: { type: 'string' },
    },
    required: ['code', 'description'],
    additionalProperties: false,
  },
  Channels: { type: 'array', items: { type: 'string' }, description: 'Channels with data (release only with a token).' },
  DateEntry: {
    type: 'object',
    properties: { date: { type: 'string', pattern: '^[0-9]{8}$' }, version: { type: 'string' } },
    required: ['date', 'version'],
    additionalProperties: false,
  },
  Dates: { type: 'array', items: schemaRef('DateEntry'), description: 'Newest first.' },
  Filters: {
    type: 'object',
    description: 'Filter options of a channel and version; keys without options are left out. `os` values are "os,version".',
    properties: Object.fromEntries(FILTER_NAMES.map((key) => [key, { type: 'array', items: { type: 'string' } }])),
    additionalProperties: false,
  },
  DataEntry: {
    type: 'object',
    properties: dataEntryProperties,
    required: ['date', 'label', 'histogram', 'count', 'sum'],
    additionalProperties: false,
  },
  DataEntryWithStats: {
    type: 'object',
    description: 'An entry of an answer with `stats=`.',
    properties: { ...dataEntryProperties, samples: { ...exactInteger, description: 'The sum of the bucket counts.' }, stats: statsSchema },
    required: ['date', 'label', 'histogram', 'count', 'samples', 'sum', 'stats'],
    additionalProperties: false,
  },
  Data: {
    type: 'object',
    properties: {
      data: {
        anyOf: [
          { type: 'array', items: schemaRef('DataEntry') },
          { type: 'array', items: schemaRef('DataEntryWithStats') },
        ],
      },
      buckets: {
        type: 'array',
        items: { type: ['number', 'string'] },
        description: 'Bucket lower bounds, or category labels (plus "spill").',
      },
      kind: { type: 'string', enum: ['exponential', 'linear', 'enumerated', 'categorical', 'boolean', 'flag', 'count'] },
      description: { type: 'string' },
    },
    required: ['data', 'buckets', 'kind', 'description'],
    additionalProperties: false,
  },
  Heartbeat: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['ok', 'warning', 'error'] },
      checks: { type: 'object', properties: { storage: { type: 'string', enum: ['ok', 'warning', 'error'] } }, required: ['storage'] },
      details: { type: 'object', additionalProperties: { type: 'string' } },
    },
    required: ['status', 'checks', 'details'],
  },
  Version: {
    type: 'object',
    properties: { source: { type: 'string' }, version: { type: 'string' }, commit: { type: 'string' }, build: { type: 'string' } },
    required: ['source', 'version', 'commit', 'build'],
    additionalProperties: false,
  },
};

const EXAMPLE_DATA = {
  data: [{ date: '20170120', label: '', histogram: [0, 3, 5, 2], count: 4, samples: 10, sum: 140, stats: { mean: 14, p50: 12.5 } }],
  buckets: [0, 1, 10, 20],
  kind: 'exponential',
  description: 'Time spent running JS GC (ms)',
};

const dataQueryParameters = [
  'version',
  'dates',
  'metric',
  'application',
  'architecture',
  'os',
  'osVersion',
  'child',
  'label',
  'e10sEnabled',
  'stats',
  'format',
];

const operation = (op: Operation): { get: Operation } => ({ get: op });

const paths: OpenApiDocument['paths'] = {
  '/aggregates_by/{prefix}/channels/': operation({
    operationId: 'listChannels',
    summary: 'Channels with data',
    tags: ['data'],
    parameters: [ref('parameters', 'prefix')],
    security: OPTIONAL_TOKEN,
    responses: {
      '200': cachedOk('Channel names (release only for a valid token).', json(schemaRef('Channels'), ['aurora', 'beta', 'nightly'])),
      '304': errors.notModified,
      '404': errors.notFound,
      '500': errors.internal,
    },
  }),
  '/aggregates_by/{prefix}/channels/{channel}/dates/': operation({
    operationId: 'listDates',
    summary: 'Dates and versions with data',
    tags: ['data'],
    parameters: [ref('parameters', 'prefix'), ref('parameters', 'channel')],
    security: OPTIONAL_TOKEN,
    responses: {
      '200': cachedOk(
        'Dates, newest first (empty for an unknown channel).',
        json(schemaRef('Dates'), [{ date: '20170121', version: '54' }]),
      ),
      '304': errors.notModified,
      '403': errors.forbidden,
      '404': errors.notFound,
      '500': errors.internal,
    },
  }),
  '/filters/': operation({
    operationId: 'getFilters',
    summary: 'Filter options of a channel and version',
    tags: ['data'],
    parameters: [ref('parameters', 'filtersChannel'), ref('parameters', 'filtersVersion')],
    security: OPTIONAL_TOKEN,
    responses: {
      '200': cachedOk(
        'Options per filter.',
        json(schemaRef('Filters'), { metric: ['GC_MS'], os: ['Windows_NT,10.0'], child: ['parent', 'content'] }),
      ),
      '304': errors.notModified,
      '403': errors.forbidden,
      '404': errors.notFound,
      '500': errors.internal,
    },
  }),
  '/aggregates_by/{prefix}/channels/{channel}/': operation({
    operationId: 'getData',
    summary: 'Histograms of a metric per date and label',
    description:
      'Rows matching the filters, summed per (date, label). Any query key not listed here answers 405 with an `Allow` header naming the same URL without it.',
    tags: ['data'],
    parameters: [ref('parameters', 'prefix'), ref('parameters', 'channel'), ...dataQueryParameters.map((name) => ref('parameters', name))],
    security: OPTIONAL_TOKEN,
    responses: {
      '200': {
        description: 'The histograms (JSON), or CSV with `format=csv`.',
        headers: {
          ETag: ref('headers', 'ETag'),
          'Cache-Control': ref('headers', 'CacheControl'),
          Vary: ref('headers', 'Vary'),
          'Content-Disposition': ref('headers', 'ContentDisposition'),
        },
        content: {
          [JSON_CONTENT_TYPE]: { schema: schemaRef('Data'), example: EXAMPLE_DATA },
          [CSV_CONTENT_TYPE]: {
            schema: { type: 'string' },
            example: 'date,label,bucket_index,bucket,value,count,sum\r\n20170120,,0,0,0,4,140\r\n',
          },
        },
      },
      '304': errors.notModified,
      '400': errors.badRequest,
      '403': errors.forbidden,
      '404': errors.notFound,
      '405': errors.methodNotAllowed,
      '500': errors.internal,
    },
  }),
  '/authed': operation({
    operationId: 'checkToken',
    summary: 'Whether the bearer token is valid',
    tags: ['operations'],
    security: [{ bearerAuth: [] }],
    responses: {
      '200': { description: 'The token is valid.', content: { 'text/plain': { schema: { type: 'string', const: 'Authenticated' } } } },
      '403': errors.forbidden,
      '500': errors.internal,
    },
  }),
  '/status': operation({
    operationId: 'status',
    summary: 'Liveness',
    tags: ['operations'],
    responses: {
      '200': { description: 'Up.', content: { 'text/plain': { schema: { type: 'string', const: 'OK' } } } },
      '500': errors.internal,
    },
  }),
  '/__lbheartbeat__': operation({
    operationId: 'lbHeartbeat',
    summary: 'Load-balancer liveness (Dockerflow)',
    tags: ['operations'],
    responses: { '200': { description: 'Up (empty body).' }, '500': errors.internal },
  }),
  '/__heartbeat__': operation({
    operationId: 'heartbeat',
    summary: 'Storage check (Dockerflow)',
    tags: ['operations'],
    responses: {
      '200': { description: 'Storage answers (`warning` when nothing is published yet).', content: json(schemaRef('Heartbeat')) },
      '500': { description: 'Storage fails.', content: json(schemaRef('Heartbeat')) },
    },
  }),
  '/__version__': operation({
    operationId: 'version',
    summary: 'Deployed version (Dockerflow)',
    tags: ['operations'],
    responses: { '200': { description: 'Version information.', content: json(schemaRef('Version')) }, '500': errors.internal },
  }),
  '/openapi.json': operation({
    operationId: 'openapi',
    summary: 'This API description',
    tags: ['operations'],
    responses: {
      '200': { description: 'OpenAPI 3.1 document.', content: { [JSON_CONTENT_TYPE]: { schema: { type: 'object' } } } },
      '500': errors.internal,
    },
  }),
  '/': operation({
    operationId: 'dashboard',
    summary: 'The dashboard page',
    tags: ['dashboard'],
    responses: {
      '200': {
        description: 'HTML; its script and styles are under /dashboard/.',
        headers: { ETag: ref('headers', 'ETag') },
        content: { 'text/html; charset=utf-8': { schema: { type: 'string' } } },
      },
      '304': { description: 'Not modified (If-None-Match matched).' },
      '500': errors.internal,
    },
  }),
  '/dashboard/{file}': operation({
    operationId: 'dashboardFile',
    summary: "A static file of the dashboard (cached for a year: names carry their content's hash)",
    tags: ['dashboard'],
    parameters: [ref('parameters', 'dashboardFile')],
    responses: {
      '200': {
        description: 'The file.',
        headers: { ETag: ref('headers', 'ETag') },
        content: {
          'text/javascript; charset=utf-8': { schema: { type: 'string' } },
          'text/css; charset=utf-8': { schema: { type: 'string' } },
          'image/svg+xml': { schema: { type: 'string' } },
        },
      },
      '304': { description: 'Not modified (If-None-Match matched).' },
      '404': errors.notFound,
      '500': errors.internal,
    },
  }),
};

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Telemetry aggregates',
    version,
    description:
      "Firefox Telemetry histogram aggregates, with the API of Mozilla's python_mozaggregator (same paths, parameters, JSON shapes and status codes), " +
      'plus per-entry statistics (`stats=`), CSV export (`format=csv`) and a dashboard at `/`. Every response carries CORS (`Access-Control-Allow-Origin: *`) ' +
      'and security headers; data and index answers carry a strong ETag and answer 304 to a matching If-None-Match. Paths also match without their trailing slash.',
  },
  servers: [{ url: '/', description: 'This deployment' }],
  tags: [
    { name: 'data', description: 'Channels, dates, filter options and the aggregates.' },
    { name: 'operations', description: 'Health, version and token check.' },
    { name: 'dashboard', description: 'The built-in web page.' },
  ],
  paths,
  components: {
    schemas,
    parameters,
    headers: {
      ETag: { description: 'A strong ETag of the answer.', schema: { type: 'string' } },
      CacheControl: { description: '`max-age=N` anonymous, `private, max-age=N` authenticated.', schema: { type: 'string' } },
      Vary: { description: '`Authorization`.', schema: { type: 'string' } },
      Allow: { description: 'The same path and query without the unsupported keys.', schema: { type: 'string' } },
      ContentDisposition: {
        description: 'With `format=csv`: `attachment; filename="METRIC_CHANNEL_VERSION_PREFIX_FIRST-LAST.csv"`.',
        schema: { type: 'string' },
      },
    },
    responses: {
      NotModified: {
        description: 'Not modified: If-None-Match matched the ETag.',
        headers: { ETag: ref('headers', 'ETag'), 'Cache-Control': ref('headers', 'CacheControl') },
      },
      BadRequest: {
        description: 'A bad `stats` or `format` value.',
        content: json(schemaRef('ErrorMessage'), { message: 'Unknown format: xml. format takes json or csv.' }),
      },
      Forbidden: {
        description: 'A token is needed, or the token is invalid.',
        content: json(schemaRef('AuthError'), { code: 'authorization_header_missing', description: 'Authorization header is expected' }),
      },
      NotFound: {
        description: 'Missing parameters, unknown metric, blacklisted metric, or no data.',
        content: json(schemaRef('ErrorMessage'), { message: 'No data found for this metric.' }),
      },
      MethodNotAllowed: {
        description: 'An unsupported query key.',
        headers: { Allow: ref('headers', 'Allow') },
        content: json(schemaRef('ErrorMessage'), { message: 'Unsupported query parameter(s): foo.' }),
      },
      InternalError: {
        description: 'The service failed (e.g. storage).',
        content: json(schemaRef('ErrorMessage'), { message: 'Internal error.' }),
      },
    },
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An RS256 JWT with the read:aggregates scope. Needed for release-channel data (except public metrics) and authed-only metrics.',
      },
    },
  },
};

/** The document as served (computed once). */
export const OPENAPI_JSON = JSON.stringify(OPENAPI_DOCUMENT);
