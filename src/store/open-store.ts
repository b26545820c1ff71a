import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../common/index.js';
import { DiskStore } from './disk-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** where an S3 store keeps local copies for `localPathFor`; default: a folder under the OS temp dir */
  readonly cacheDir?: string;
  /** S3 keys; default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the SDK's usual chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** S3 only: files above this many bytes are sent in parts of `partSize` (tests lower both) */
  readonly multipartThreshold?: number;
  readonly partSize?: number;
}

/** A store that can also say, with one cheap call, whether it is reachable and writable. */
export type CheckedStore = Store & { check(): Promise<void> };

/**
 * Opens the store at `url`: `file:/abs/dir` (or `file:///abs/dir`) or
 * `s3://bucket/prefix?endpoint=http://host:port&region=us-east-1&forcePathStyle=true`.
 * Opening does no I/O on S3; call `check()` to find a wrong endpoint, bucket or key early.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<CheckedStore> {
  if (url.startsWith('file:')) {
    const store = new DiskStore(diskRoot(url));
    await store.check();
    return store;
  }
  if (url.startsWith('s3://')) return openS3(url, options);
  throw new LabError(`unsupported store URL ${url}`, 'use file:/absolute/folder or s3://bucket/prefix?endpoint=…');
}

function diskRoot(url: string): string {
  const rest = url.slice('file:'.length);
  if (!rest.startsWith('/')) throw new LabError(`the store URL ${url} is not an absolute path`, 'write file:/absolute/folder');
  const path = rest.startsWith('//') ? fileURLToPath(url) : decodeURIComponent(rest);
  if (!isAbsolute(path)) throw new LabError(`the store URL ${url} is not an absolute path`, 'write file:/absolute/folder');
  return path;
}

async function openS3(url: string, options: OpenStoreOptions): Promise<CheckedStore> {
  // loaded on demand: the AWS SDK costs a fifth of a second of start-up that a lab on disk never needs
  const { createS3Store } = await import('./s3-store-factory.js');
  return createS3Store(url, options);
}
