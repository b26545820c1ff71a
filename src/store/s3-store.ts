import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import type {
  S3Client} from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { LabError } from '../common/index.js';
import { hashFile, hashingStream, localReadError, localWriteError, readLocal, writeStreamAtomic } from './file-io.js';
import { CACHE_TEMP_DIR, blobKey, checkListPrefix, checkObjectKey } from './object-keys.js';
import { isNotFound, translateS3Error } from './s3-errors.js';
import type { PutResult, Store } from './types.js';

export interface S3Location {
  readonly bucket: string;
  /** without leading or trailing slash; '' for the bucket root */
  readonly prefix: string;
  readonly client: S3Client;
  /** the store URL as shown to users (no credentials) */
  readonly url: string;
  /** where `localPathFor` keeps downloaded objects */
  readonly cacheDir: string;
  /** files above this size are uploaded in parts (S3 takes at most 5 GB in one PUT) */
  readonly multipartThreshold?: number;
  readonly partSize?: number;
}

const DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024;
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;

/**
 * The store in an S3-compatible bucket: `<prefix>/objects/ab/cdef…` and `<prefix>/<key>`.
 * A PUT (or a completed multipart upload) appears whole or not at all, which is the atomicity the
 * Store contract asks for. Files stream in and out; nothing is held whole in memory except `getBytes`.
 */
export class S3Store implements Store {
  readonly url: string;
  readonly #loc: S3Location;

  constructor(location: S3Location) {
    this.#loc = location;
    this.url = location.url;
  }

  /** One request that fails fast with a clear error on a wrong bucket, endpoint or keys. */
  async check(): Promise<void> {
    await this.#call(() => this.#loc.client.send(new HeadBucketCommand({ Bucket: this.#loc.bucket })));
  }

  async putFile(localPath: string): Promise<PutResult> {
    // the content hash names the object, so it is known before the upload: one pass to hash, one to send
    const digest = await hashFile(localPath);
    const key = this.#full(blobKey(digest.hash));
    if (!(await this.#exists(key))) await this.#upload(key, localPath);
    return digest;
  }

  async putBytes(bytes: Uint8Array): Promise<PutResult> {
    const hash = createHash('sha256').update(bytes).digest('hex');
    const key = this.#full(blobKey(hash));
    if (!(await this.#exists(key))) {
      await this.#call(() => this.#loc.client.send(new PutObjectCommand({ Bucket: this.#loc.bucket, Key: key, Body: bytes })));
    }
    return { hash, bytes: bytes.byteLength };
  }

  async has(hash: string): Promise<boolean> {
    return this.#exists(this.#full(blobKey(hash)));
  }

  async getBytes(hash: string): Promise<Uint8Array> {
    const body = await this.#get(this.#full(blobKey(hash)), `blob ${hash}`);
    return new Uint8Array(await body.transformToByteArray());
  }

  async getToFile(hash: string, localPath: string): Promise<void> {
    await this.#download(this.#full(blobKey(hash)), localPath, `blob ${hash}`);
  }

  async putObject(key: string, localPath: string): Promise<PutResult> {
    return this.#upload(this.#full(checkObjectKey(key)), localPath);
  }

  async moveObject(key: string, localPath: string): Promise<PutResult> {
    const put = await this.putObject(key, localPath);
    await rm(localPath, { force: true });
    return put;
  }

  async getObjectToFile(key: string, localPath: string): Promise<void> {
    await this.#download(this.#full(checkObjectKey(key)), localPath, `object ${key}`);
  }

  async hasObject(key: string): Promise<boolean> {
    return this.#exists(this.#full(checkObjectKey(key)));
  }

  async listObjects(prefix: string): Promise<string[]> {
    checkListPrefix(prefix);
    const keys: string[] = [];
    const strip = this.#loc.prefix ? this.#loc.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.#call(() =>
        this.#loc.client.send(
          new ListObjectsV2Command({ Bucket: this.#loc.bucket, Prefix: this.#full(prefix), ContinuationToken: token }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        const key = item.Key.slice(strip);
        if (!key.startsWith('objects/')) keys.push(key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /**
   * A cached download under cacheDir. The object's ETag is kept beside the copy, so a changed
   * object is fetched again and an unchanged one costs one HEAD.
   */
  async localPathFor(key: string): Promise<string> {
    const full = this.#full(checkObjectKey(key));
    const head = await this.#call(() => this.#loc.client.send(new HeadObjectCommand({ Bucket: this.#loc.bucket, Key: full })), `object ${key}`);
    const path = join(this.#loc.cacheDir, ...key.split('/'));
    const tagPath = join(this.#loc.cacheDir, '.etags', ...key.split('/'));
    const etag = head.ETag ?? '';
    const cached = await readFile(tagPath, 'utf8').catch(() => undefined);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (cached !== etag || size !== Number(head.ContentLength ?? -2)) {
      // the partial download goes to the cache's .tmp/, where the lab clears one left by a killed process
      await this.#download(full, path, `object ${key}`, join(this.#loc.cacheDir, CACHE_TEMP_DIR));
      await mkdir(dirname(tagPath), { recursive: true });
      await writeFile(tagPath, etag);
    }
    return path;
  }

  close(): Promise<void> {
    this.#loc.client.destroy();
    return Promise.resolve();
  }

  #full(key: string): string {
    return this.#loc.prefix ? `${this.#loc.prefix}/${key}` : key;
  }

  async #exists(fullKey: string): Promise<boolean> {
    try {
      await this.#loc.client.send(new HeadObjectCommand({ Bucket: this.#loc.bucket, Key: fullKey }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw translateS3Error(error, this.url);
    }
  }

  async #get(fullKey: string, what: string) {
    const response = await this.#call(() => this.#loc.client.send(new GetObjectCommand({ Bucket: this.#loc.bucket, Key: fullKey })), what);
    if (!response.Body) throw new LabError(`the S3 store ${this.url} sent no content for ${what}`, 'try again');
    return response.Body;
  }

  async #download(fullKey: string, localPath: string, what: string, tempDir?: string): Promise<void> {
    const body = await this.#get(fullKey, what);
    try {
      await writeStreamAtomic(() => body as Readable, localPath, tempDir);
    } catch (error) {
      throw localWriteError(translateS3Error(error, this.url), localPath);
    }
  }

  /** Streams a local file to `fullKey`, hashing on the way; large files go in parts. */
  async #upload(fullKey: string, localPath: string): Promise<PutResult> {
    const size = await stat(localPath).then(
      (s) => s.size,
      (error: unknown) => {
        throw localReadError(error, localPath);
      },
    );
    if (size <= (this.#loc.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD)) {
      const hasher = hashingStream();
      // pipeline (not pipe) so that a read error reaches the request body and fails the upload
      const body = pipeline(readLocal(localPath), hasher, () => undefined);
      await this.#call(() =>
        this.#loc.client.send(new PutObjectCommand({ Bucket: this.#loc.bucket, Key: fullKey, Body: body, ContentLength: size })),
      );
      return hasher.result();
    }
    return this.#uploadInParts(fullKey, localPath, size);
  }

  async #uploadInParts(fullKey: string, localPath: string, size: number): Promise<PutResult> {
    const hash = createHash('sha256');
    const { client, bucket } = this.#loc;
    const partSize = this.#loc.partSize ?? DEFAULT_PART_SIZE;
    const created = await this.#call(() => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: fullKey })));
    const uploadId = created.UploadId;
    try {
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];
      // parts go one after another so that the hash sees the bytes in order and memory stays at one buffer
      for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber++) {
        const end = Math.min(size, start + partSize);
        const piece = await readRange(localPath, start, end);
        hash.update(piece);
        const sent = await this.#call(() =>
          client.send(new UploadPartCommand({ Bucket: bucket, Key: fullKey, UploadId: uploadId, PartNumber: partNumber, Body: piece, ContentLength: piece.length })),
        );
        parts.push({ ETag: sent.ETag, PartNumber: partNumber });
      }
      await this.#call(() =>
        client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: fullKey, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
      return { hash: hash.digest('hex'), bytes: size };
    } catch (error) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: fullKey, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  async #call<T>(send: () => Promise<T>, what?: string): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (what && isNotFound(error)) {
        throw new LabError(`the S3 store ${this.url} has no ${what}`, 'the lab may be damaged; re-run the step that wrote it', { cause: error });
      }
      throw translateS3Error(error, this.url);
    }
  }
}

/** One part of a file, read as one buffer (a part is bounded by partSize). */
async function readRange(localPath: string, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(localPath, { start, end: end - 1, highWaterMark: 1 << 20 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks, end - start);
}
