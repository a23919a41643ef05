/**
 * One autocannon run against a running server over a sequence of paths (each connection walks
 * the sequence in a loop), summarized: throughput, latency percentiles from autocannon's own
 * per-response timings (fractional milliseconds; its histogram keeps whole ones), errors,
 * timeouts and statuses, and from the debug headers the R2 reads and the worker's Server-Timing.
 */

import type { AutocannonRequest, AutocannonResult } from 'autocannon';
import autocannon from 'autocannon';
import { headerValue, mean, percentile, serverTimingMs } from './measure';

export interface DriveOptions {
  baseUrl: string;
  paths: readonly string[];
  connections: number;
  durationSeconds: number;
  /** Seconds before a request counts as a timeout. */
  timeoutSeconds?: number;
  /** Statuses that count as expected (default: 200 only). */
  expectedStatuses?: readonly number[];
}

export interface DriveSummary {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Milliseconds, over 2xx responses. */
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Status -> count. */
  statuses: Record<string, number>;
  /** Responses whose status was not expected, by path. */
  unexpected: Record<string, Record<string, number>>;
  /** Means over responses that carried the debug headers (NaN when none did). */
  meanR2Reads: number;
  meanShardReads: number;
  meanServerTimingMs: number;
  meanResponseBytes: number;
}

export function drive(options: DriveOptions): Promise<DriveSummary> {
  const expected = new Set(options.expectedStatuses ?? [200]);
  const latencies: number[] = [];
  const bytes: number[] = [];
  const reads: number[] = [];
  const shardReads: number[] = [];
  const timings: number[] = [];
  const unexpected: Record<string, Record<string, number>> = {};

  const requests: AutocannonRequest[] = options.paths.map((path) => ({
    method: 'GET',
    path,
    onResponse: (status, _body, _context, headers) => {
      if (!expected.has(status)) {
        const byStatus = (unexpected[path] ??= {});
        byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
      }
      const total = headerValue(headers, 'X-R2-Reads');
      if (total !== undefined) reads.push(Number(total));
      const shards = headerValue(headers, 'X-R2-Shard-Reads');
      if (shards !== undefined) shardReads.push(Number(shards));
      const timing = serverTimingMs(headerValue(headers, 'Server-Timing'));
      if (timing !== undefined) timings.push(timing);
    },
  }));

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections: options.connections,
        duration: options.durationSeconds,
        timeout: options.timeoutSeconds ?? 10,
        requests,
      },
      (error: Error | null, result: AutocannonResult) => {
        if (error) {
          reject(error);
          return;
        }
        const statuses: Record<string, number> = {};
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = count;
        const completed = Object.values(statuses).reduce((sum, count) => sum + count, 0);
        resolve({
          requests: completed,
          seconds: result.duration,
          requestsPerSecond: completed / result.duration,
          latency: {
            p50: percentile(latencies, 50),
            p90: percentile(latencies, 90),
            p99: percentile(latencies, 99),
            mean: mean(latencies),
            max: percentile(latencies, 100),
          },
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          statuses,
          unexpected,
          meanR2Reads: mean(reads),
          meanShardReads: mean(shardReads),
          meanServerTimingMs: mean(timings),
          meanResponseBytes: mean(bytes),
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime);
        bytes.push(resBytes);
      }
    });
  });
}
