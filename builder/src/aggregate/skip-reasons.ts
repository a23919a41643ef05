/** Why a ping, or a part of one, was not aggregated. Every skip is counted in the build report. */

export const PING_SKIP_REASONS = {
  'invalid-json': 'line is not valid JSON',
  'not-an-object': 'ping is not a JSON object',
  'bad-sample-id': 'meta.sampleId missing, not a number, or not below 100',
  'sampled-out': 'meta.sampleId not below the --sample cut',
  'unsupported-channel': 'application.channel not nightly, aurora, beta or release',
  'channel-not-selected': 'channel not in --channels',
  fennec: 'application.name is Fennec',
  'other-submission-date': 'meta.submissionDate differs from --date',
  'missing-dimension': 'a dimension field is missing (submissionDate, version, buildId, name, architecture, os)',
  'invalid-dimension': 'a dimension has the wrong type or shape (8-digit dates, numeric major version, strings)',
  'nul-in-dimension': 'a dimension contains a NUL character',
  'invalid-payload': 'payload is not an object, or childPayloads is neither a list of objects nor an empty object or string',
} as const;
export type PingSkipReason = keyof typeof PING_SKIP_REASONS;

const METRIC_SKIP_REASONS = {
  'invalid-histogram': 'histogram is not an object, values not an object, sum not a non-negative integer, or histogram_type not an integer',
  'no-definition':
    'histogram the Histograms.json of its channel and version does not define (not aggregated; the report lists these apart, as withoutDefinition, not among the skips)',
  'negative-value': 'scalar, simple measurement or count-histogram value below zero',
  'non-numeric-value': 'scalar or simple measurement value that is not a number',
  'non-integer-bucket-key': 'histogram bucket key that is not an integer',
  'non-integer-bucket-count':
    'histogram bucket count that is not an integer (a string, float, list, object or null): added as 0, as the original did',
  'invalid-container':
    'processes, a process entry, histograms, keyedHistograms, scalars, keyedScalars or simpleMeasurements, or one keyed histogram or keyed scalar, present but not an object: its contents ignored, as the original did',
  'non-printable-name': 'metric name with characters outside [A-Za-z0-9_-[].]',
  'name-too-long': 'stored metric name longer than 200 UTF-8 bytes (MAX_METRIC_NAME_BYTES: a key segment every store can hold)',
  'nul-in-label': 'key of a keyed metric contains a NUL character',
  'label-too-long': 'key of a keyed metric longer than 256 UTF-8 bytes (MAX_LABEL_BYTES: the longest request parameter)',
  'sum-overflow': 'aggregated sum beyond 2^63-1, or infinite (row dropped, as the original did)',
} as const;
export type MetricSkipReason = keyof typeof METRIC_SKIP_REASONS;
