import { createWriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ConnectionError, InputError } from '../common/index.js';
import { resolveS3Keys } from './credentials.js';
import { distinctTableNames, fileTables } from './file-connector.js';
import { listXlsxSheetsIn } from './xlsx-reader.js';
import { fileFormat, SUPPORTED_EXTENSIONS } from './file-format.js';
import type { ConnectorContext } from './open-connector.js';
import { uniqueTableNames } from './table-names.js';
import type { Connector, SourceSpec, SourceTable } from './types.js';

const ACCESS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'AllAccessDisabled', 'InvalidToken', 'ExpiredToken']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'TimeoutError']);

/**
 * The data files under an S3 prefix (any S3-compatible server: set the endpoint for MinIO). Each
 * file is one table; it is downloaded to the ingest's scratch folder, kept byte for byte in the
 * store, and read like a local file.
 */
export class S3Connector implements Connector {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(
    readonly spec: SourceSpec,
    ctx: ConnectorContext,
  ) {
    const url = new URL(spec.uri);
    this.#bucket = url.hostname;
    this.#prefix = decodeURIComponent(url.pathname.replace(/^\//, ''));
    const { accessKeyId, secretAccessKey } = resolveS3Keys(ctx.credential, spec.uri);
    this.#client = new S3Client({
      region: spec.options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      ...(spec.options.endpoint ? { endpoint: spec.options.endpoint, forcePathStyle: true } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
  }

  async listTables(): Promise<SourceTable[]> {
    const objects: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client
        .send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix, ...(token ? { ContinuationToken: token } : {}) }))
        .catch((error: unknown) => {
          throw this.#explain(error);
        });
      for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) objects.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const data = objects.filter((o) => fileFormat(o.key) !== undefined).sort((a, b) => a.key.localeCompare(b.key));
    if (data.length === 0) {
      throw new InputError(
        `no data files under ${this.spec.uri}${objects.length ? ` (${objects.length} other object(s))` : ''}`,
        `check the prefix; autolab reads ${SUPPORTED_EXTENSIONS.join(', ')}`,
      );
    }
    const names = uniqueTableNames(data.map((o) => o.key));
    const tables: SourceTable[] = [];
    for (const [i, o] of data.entries()) {
      // a workbook's sheets are listed from its directory and workbook part, read by ranges
      const sheets = fileFormat(o.key) === 'xlsx' ? await listXlsxSheetsIn({ size: o.size, read: (offset, length) => this.#readRange(o.key, offset, length) }).catch(() => []) : [];
      tables.push(...fileTables(names[i] ?? o.key, `s3://${this.#bucket}/${o.key}`, (ctx) => this.#download(o.key, join(ctx.workDir, basename(o.key))), o.size, sheets));
    }
    return distinctTableNames(tables);
  }

  async #readRange(key: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }));
    return Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  }

  async #download(key: string, localPath: string): Promise<string> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      if (!answer.Body) throw new InputError(`s3://${this.#bucket}/${key} has no body`, 'check the object');
      await pipeline(answer.Body as Readable, createWriteStream(localPath));
      return localPath;
    } catch (error) {
      throw this.#explain(error, key);
    }
  }

  #explain(error: unknown, key?: string): unknown {
    const e = (error ?? {}) as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
    const name = typeof e.name === 'string' && e.name !== 'Unknown' ? e.name : '';
    const code = typeof e.code === 'string' ? e.code : '';
    const where = key ? `s3://${this.#bucket}/${key}` : this.spec.uri;
    const via = this.spec.options.endpoint ? ` at ${this.spec.options.endpoint}` : '';
    if (ACCESS.has(name) || e.$metadata?.httpStatusCode === 403) {
      return new ConnectionError(`${where}${via} refused access (${name || 'HTTP 403'})`, 'check the access keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when the source was added) and the bucket policy', { cause: error });
    }
    if (name === 'NoSuchBucket') return new ConnectionError(`the bucket ${this.#bucket}${via} does not exist`, 'check the bucket name', { cause: error });
    if (name === 'NoSuchKey') return new InputError(`${where} is gone`, 'add the source again or check the bucket', { cause: error });
    if (name === 'CredentialsProviderError') {
      return new ConnectionError(`no S3 credentials for ${where}`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and add the source again', { cause: error });
    }
    if (NETWORK.has(code) || NETWORK.has(name)) {
      return new ConnectionError(`cannot reach ${where}${via} (${code || name})`, 'check the endpoint and that the server is up', { cause: error });
    }
    return error;
  }

  close(): Promise<void> {
    this.#client.destroy();
    return Promise.resolve();
  }
}
