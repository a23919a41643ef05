/**
 * A real S3 server for tests: s3rver on 127.0.0.1 (a free port, a temporary directory, quiet),
 * with the fault proxy in front of it. Clients talk to `endpoint` (the proxy).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3FaultProxy } from './s3-fault-proxy';

/** s3rver's built-in account. It checks the access key id, not signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Sandbox {
  /** The proxy's URL: what stores should use. */
  endpoint: string;
  /** s3rver itself, bypassing the proxy. */
  originEndpoint: string;
  proxy: S3FaultProxy;
  stop(): Promise<void>;
}

export async function startS3Sandbox(buckets: string[]): Promise<S3Sandbox> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const proxy = await S3FaultProxy.start({ host: '127.0.0.1', port });
  return {
    endpoint: proxy.endpoint,
    originEndpoint: `http://127.0.0.1:${port}`,
    proxy,
    async stop() {
      await proxy.stop();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
