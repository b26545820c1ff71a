import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  allowMismatchedSignatures: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

// s3rver ships no type declarations
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** The keys s3rver accepts out of the box. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface LocalS3 {
  readonly endpoint: string;
  /** where s3rver keeps the objects (to search their bytes) */
  readonly directory: string;
  /** `s3://bucket/prefix?endpoint=…&region=us-east-1&forcePathStyle=true` */
  url(bucket: string, prefix: string): string;
  stop(): Promise<void>;
}

/**
 * A real S3 API server on loopback (random port, temp folder), with the given buckets.
 * `anySecretKey`: the access key id must still be S3RVER, but any secret key signs (a test can then
 * give a canary as the secret key and still connect).
 */
export async function startLocalS3(buckets: readonly string[], options: { anySecretKey?: boolean } = {}): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'autolab-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    allowMismatchedSignatures: options.anySecretKey ?? false,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    directory,
    url: (bucket, prefix) => `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true`,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
