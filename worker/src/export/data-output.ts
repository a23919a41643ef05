/**
 * The representation of a data answer chosen by `stats=` and `format=` (pure). Without either,
 * the JSON is exactly the original's; the ETag parts are empty then, so ETags stay the same too.
 */
import { stringifyWithBigInts } from '../core/exact-int';
import type { DataRow } from '../query/aggregate';
import type { DataQuery } from '../query/params';
import type { StatsDataRow } from '../stats/data-rows';
import { withStats } from '../stats/data-rows';
import type { HistogramShape } from '../stats/histogram-stats';
import { CSV_CONTENT_TYPE, csvContentDisposition, csvFileName, dataToCsv } from './csv';

/** The JSON a data request answers (key order as the original's). */
export interface DataResponse {
  data: DataRow[] | StatsDataRow[];
  buckets: (number | string)[];
  kind: string;
  description: string;
}

export interface DataDefinition extends HistogramShape {
  buckets: (number | string)[];
  description: string;
}

/** The body: JSON (rows with statistics when asked) or CSV. */
export function renderDataBody(query: DataQuery, definition: DataDefinition, rows: DataRow[]): string {
  const data = query.stats ? withStats(rows, definition, query.stats) : rows;
  const response: DataResponse = { data, buckets: definition.buckets, kind: definition.kind, description: definition.description };
  if (query.format === 'csv') return dataToCsv(response, query.stats);
  return stringifyWithBigInts(response);
}

/** Headers of a non-JSON body; undefined for JSON. */
export function dataBodyHeaders(query: DataQuery, scope: { prefix: string; channel: string }): Record<string, string> | undefined {
  if (query.format !== 'csv') return undefined;
  const fileName = csvFileName({
    metric: query.metric,
    prefix: scope.prefix,
    channel: scope.channel,
    version: query.version,
    dates: query.dates,
  });
  return { 'Content-Type': CSV_CONTENT_TYPE, 'Content-Disposition': csvContentDisposition(fileName) };
}

/** What the representation adds to the data ETag (nothing for the original's JSON). */
export function outputEtagParts(query: DataQuery): string[] {
  const parts: string[] = [];
  if (query.stats) parts.push(`stats=${query.stats.join(',')}`);
  if (query.format && query.format !== 'json') parts.push(`format=${query.format}`);
  return parts;
}
