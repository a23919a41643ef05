/**
 * Requests one at a time (no concurrency), timed by the client with sub-millisecond resolution,
 * with the debug headers of each: for cold requests, and for a clean per-request worker time.
 */
import { mean, percentile, serverTimingMs } from './measure';

export interface TimedResponse {
  status: number;
  bytes: number;
  ms: number;
  indexReads: number;
  shardReads: number;
  /** The worker's Server-Timing durations (whole request; R2 reads in flight), if it sent them. */
  workerMs: number | undefined;
  r2Ms: number | undefined;
}

export interface SequentialSummary {
  count: number;
  statuses: Record<string, number>;
  latency: { p50: number; p90: number; max: number; mean: number };
  meanWorkerMs: number;
  meanR2Ms: number;
  /** Reads of the first response, and the most any response made. */
  first: { indexReads: number; shardReads: number };
  maxIndexReads: number;
  maxShardReads: number;
  bytes: number;
}

export async function timedGet(url: string): Promise<TimedResponse> {
  const started = performance.now();
  const response = await fetch(url);
  const body = new Uint8Array(await response.arrayBuffer());
  const ms = performance.now() - started;
  const number = (name: string): number => Number(response.headers.get(name) ?? Number.NaN);
  return {
    status: response.status,
    bytes: body.byteLength,
    ms,
    indexReads: number('X-R2-Index-Reads'),
    shardReads: number('X-R2-Shard-Reads'),
    workerMs: serverTimingMs(response.headers.get('Server-Timing') ?? undefined),
    r2Ms: serverTimingMs(response.headers.get('Server-Timing') ?? undefined, 'r2'),
  };
}

export async function sequential(url: string, count: number): Promise<SequentialSummary> {
  const responses: TimedResponse[] = [];
  for (let i = 0; i < count; i++) responses.push(await timedGet(url));
  return summarizeSequential(responses);
}

export function summarizeSequential(responses: readonly TimedResponse[]): SequentialSummary {
  const statuses: Record<string, number> = {};
  for (const response of responses) statuses[String(response.status)] = (statuses[String(response.status)] ?? 0) + 1;
  const latencies = responses.map((response) => response.ms);
  const first = responses[0];
  return {
    count: responses.length,
    statuses,
    latency: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), max: percentile(latencies, 100), mean: mean(latencies) },
    meanWorkerMs: mean(responses.flatMap((response) => (response.workerMs === undefined ? [] : [response.workerMs]))),
    meanR2Ms: mean(responses.flatMap((response) => (response.r2Ms === undefined ? [] : [response.r2Ms]))),
    first: { indexReads: first?.indexReads ?? Number.NaN, shardReads: first?.shardReads ?? Number.NaN },
    maxIndexReads: Math.max(...responses.map((response) => response.indexReads)),
    maxShardReads: Math.max(...responses.map((response) => response.shardReads)),
    bytes: first?.bytes ?? 0,
  };
}
