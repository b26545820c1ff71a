import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LabError, registerSecret } from '../common/index.js';
import type { OpenStoreOptions } from './open-store.js';
import { S3Store } from './s3-store.js';

/** `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true` → an S3Store (no I/O yet). */
export function createS3Store(url: string, options: OpenStoreOptions): S3Store {
  const parsed = new URL(url);
  const bucket = parsed.hostname;
  if (!bucket) throw new LabError(`the store URL ${url} names no bucket`, 'write s3://bucket/prefix');
  const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  const region = parsed.searchParams.get('region') ?? process.env['AWS_REGION'] ?? 'us-east-1';
  const forcePathStyle = parsed.searchParams.get('forcePathStyle') === 'true';

  // keys in the URL come from the lab's kept secrets (autolab.yaml never holds them)
  const accessKeyId = options.credentials?.accessKeyId ?? parsed.searchParams.get('accessKeyId') ?? process.env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = options.credentials?.secretAccessKey ?? parsed.searchParams.get('secretAccessKey') ?? process.env['AWS_SECRET_ACCESS_KEY'];
  registerSecret(secretAccessKey);
  // the SDK warns on stderr that its releases after January 2027 need Node 22; that is for whoever
  // upgrades the dependency, not for a user whose command output it would garble
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const client = new S3Client({
    region,
    forcePathStyle,
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    // MinIO and other S3-compatible servers do not all take the SDK's default streaming checksums
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });

  const shown = new URL(`s3://${bucket}/${prefix}`);
  if (endpoint) shown.searchParams.set('endpoint', endpoint);
  shown.searchParams.set('region', region);
  if (forcePathStyle) shown.searchParams.set('forcePathStyle', 'true');
  const shownUrl = shown.toString();
  return new S3Store({
    bucket,
    prefix,
    client,
    url: shownUrl,
    cacheDir: options.cacheDir ?? join(tmpdir(), 'autolab-s3-cache', createHash('sha256').update(shownUrl).digest('hex').slice(0, 16)),
    ...(options.multipartThreshold !== undefined ? { multipartThreshold: options.multipartThreshold } : {}),
    ...(options.partSize !== undefined ? { partSize: options.partSize } : {}),
  });
}
