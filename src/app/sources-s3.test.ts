import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, InputError } from '../common/index.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../store/s3rver.testutil.js';
import { Vault } from '../sources/index.js';
import { addSource, ingestProject, initLab, type Lab } from './index.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/ingest');

let dir: string;
let lab: Lab;
let s3: LocalS3;

/** Runs `body` with AWS keys in the environment, as a user would export them before `source add`. */
async function withKeys<T>(keys: { accessKeyId: string; secretAccessKey: string }, body: () => Promise<T>): Promise<T> {
  const saved = [process.env['AWS_ACCESS_KEY_ID'], process.env['AWS_SECRET_ACCESS_KEY']];
  process.env['AWS_ACCESS_KEY_ID'] = keys.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = keys.secretAccessKey;
  try {
    return await body();
  } finally {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved[0]],
      ['AWS_SECRET_ACCESS_KEY', saved[1]],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-s3src-'));
  lab = await initLab(join(dir, 'lab'), { project: 'p' });
  s3 = await startLocalS3(['data']);
  const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  for (const [key, file] of [
    ['exports/customers.csv', 'customers.csv'],
    ['exports/2024/items.parquet', 'items.parquet'],
    ['exports/README.md', 'customers.csv'],
    ['books/orders.xlsx', 'orders.xlsx'],
  ] as const) {
    await client.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: readFileSync(join(FIXTURES, file)) }));
  }
  client.destroy();
});
afterAll(async () => {
  await lab.close();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 sources (s3rver on loopback)', () => {
  it('ingests the data files under a prefix, with the keys kept in the vault', async () => {
    const added = await withKeys(S3RVER_CREDENTIALS, () => addSource(lab, 'p', 'bucket', 's3://data/exports/', { endpoint: s3.endpoint }));
    expect(added.tables.map((t) => [t.name, t.origin])).toEqual([
      ['items', 's3://data/exports/2024/items.parquet'],
      ['customers', 's3://data/exports/customers.csv'],
    ]);
    expect(added.source.credentialId).not.toBeNull();
    expect(added.source.options).toEqual({ endpoint: s3.endpoint });
    // no keys in the environment now: ingest must take them from the vault
    const outcome = await withKeys({ accessKeyId: '', secretAccessKey: '' }, () => ingestProject(lab, 'p', { source: 'bucket' }));
    expect(outcome.tables.map((t) => [t.table, t.status, t.rows])).toEqual([
      ['items', 'new', 50],
      ['customers', 'new', 5],
    ]);
    const snapshots = await lab.catalog.listSnapshots((await lab.catalog.getProject('p'))?.id ?? -1);
    const customers = snapshots.find((s) => s.tableName === 'customers');
    const raw = await lab.store.getBytes(customers?.rawHashes[0] ?? '');
    expect(Buffer.from(raw).equals(readFileSync(join(FIXTURES, 'customers.csv')))).toBe(true);
    const again = await ingestProject(lab, 'p', { source: 'bucket' });
    expect(again.tables.map((t) => t.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('takes every sheet of a workbook in the bucket as its own table, listed by ranged reads', async () => {
    const added = await withKeys(S3RVER_CREDENTIALS, () => addSource(lab, 'p', 'books', 's3://data/books/', { endpoint: s3.endpoint }));
    expect(added.tables.map((t) => t.name)).toEqual(['orders', 'orders_notes']);
    const outcome = await withKeys(S3RVER_CREDENTIALS, () => ingestProject(lab, 'p', { source: 'books' }));
    expect(outcome.tables.map((t) => [t.table, t.status, t.rows])).toEqual([
      ['orders', 'new', 3],
      ['orders_notes', 'new', 0],
    ]);
  });

  it('takes the endpoint from the location too', async () => {
    const added = await withKeys(S3RVER_CREDENTIALS, () => addSource(lab, 'p', 'bucket-url', s3.url('data', 'exports/2024/')));
    expect(added.tables.map((t) => t.name)).toEqual(['items']);
  });

  it('takes keys written in the location into the vault, and keeps them out of the URI and the log', async () => {
    const noKeys = { accessKeyId: '', secretAccessKey: '' };
    const location = `${s3.url('data', 'exports/2024/')}&accessKeyId=${S3RVER_CREDENTIALS.accessKeyId}&secretAccessKey=${S3RVER_CREDENTIALS.secretAccessKey}`;
    const added = await withKeys(noKeys, () => addSource(lab, 'p', 'keys-in-url', location));
    expect(added.source.uri).toBe('s3://data/exports/2024/');
    expect(added.tables.map((t) => t.name)).toEqual(['items']);
    const outcome = await withKeys(noKeys, () => ingestProject(lab, 'p', { source: 'keys-in-url' }));
    expect(outcome.tables.map((t) => t.status)).toEqual(['new']);

    const canary = 'Canary-Secret/Key@0042';
    const refused = await withKeys(noKeys, () => addSource(lab, 'p', 'bad-url-keys', `s3://data/exports/?endpoint=${s3.endpoint}&accessKeyId=NOT-A-KEY&secretAccessKey=${canary}`)).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ConnectionError);
    const log = JSON.stringify(await lab.catalog.listActions({ limit: 1000 })) + JSON.stringify(await lab.catalog.listSources((await lab.catalog.getProject('p'))?.id ?? -1));
    for (const text of [(refused as Error).message, log]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(encodeURIComponent(canary));
    }
  });

  it('takes keys given as ${env:NAME} references: kept as references, resolved at each use, an unset one named in one line', async () => {
    const noKeys = { accessKeyId: '', secretAccessKey: '' };
    const refs = '&accessKeyId=${env:AUTOLAB_TEST_SRC_KEY_ID}&secretAccessKey=${env:AUTOLAB_TEST_SRC_SECRET}';
    process.env['AUTOLAB_TEST_SRC_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
    process.env['AUTOLAB_TEST_SRC_SECRET'] = S3RVER_CREDENTIALS.secretAccessKey;
    try {
      const added = await withKeys(noKeys, () => addSource(lab, 'p', 'env-keys', `${s3.url('data', 'exports/2024/')}${refs}`));
      expect(added.source.uri).toBe('s3://data/exports/2024/');
      expect(added.tables.map((t) => t.name)).toEqual(['items']);
      // the vault holds the references, not the values: a rotated key is used without a new source add
      const vault = await Vault.open(lab.catalog, join(lab.root, '.autolab'));
      expect(await vault.get(added.source.credentialId ?? '')).toEqual({
        accessKeyId: '${env:AUTOLAB_TEST_SRC_KEY_ID}',
        secretAccessKey: '${env:AUTOLAB_TEST_SRC_SECRET}',
      });
      const outcome = await withKeys(noKeys, () => ingestProject(lab, 'p', { source: 'env-keys' }));
      expect(outcome.tables.map((t) => [t.table, t.status, t.rows])).toEqual([['items', 'new', 50]]);

      delete process.env['AUTOLAB_TEST_SRC_SECRET'];
      const unset = await withKeys(noKeys, () => ingestProject(lab, 'p', { source: 'env-keys' }));
      expect(unset.firstError).toBeInstanceOf(ConnectionError);
      expect((unset.firstError as Error | undefined)?.message).toBe(
        'the secret access key of s3://data/exports/2024/ is ${env:AUTOLAB_TEST_SRC_SECRET} but AUTOLAB_TEST_SRC_SECRET is not set — export AUTOLAB_TEST_SRC_SECRET before running autolab',
      );
      const refused = await withKeys(noKeys, () => addSource(lab, 'p', 'env-keys-unset', `${s3.url('data', 'exports/2024/')}${refs}`)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ConnectionError);
      expect((refused as Error).message).toMatch(/^the secret access key of s3:\/\/data\/exports\/2024\/ is \$\{env:AUTOLAB_TEST_SRC_SECRET\} but AUTOLAB_TEST_SRC_SECRET is not set/);
    } finally {
      delete process.env['AUTOLAB_TEST_SRC_KEY_ID'];
      delete process.env['AUTOLAB_TEST_SRC_SECRET'];
    }
  });

  it('says when the keys are refused', async () => {
    const error = await withKeys({ accessKeyId: 'NOT-A-KEY', secretAccessKey: 'not-the-secret-key' }, () =>
      addSource(lab, 'p', 'bad-keys', 's3://data/exports/', { endpoint: s3.endpoint }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^s3:\/\/data\/exports\/ at http:\/\/127\.0\.0\.1:\d+ refused access \(InvalidAccessKeyId\) — check the access keys/);
    expect((error as Error).message).not.toContain('not-the-secret-key');
  });

  it('says when the bucket does not exist, or holds no data files under the prefix', async () => {
    const missing = await withKeys(S3RVER_CREDENTIALS, () => addSource(lab, 'p', 'no-bucket', 's3://nowhere/x/', { endpoint: s3.endpoint })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConnectionError);
    expect((missing as Error).message).toMatch(/^the bucket nowhere at http:\/\/127\.0\.0\.1:\d+ does not exist — check the bucket name$/);
    const empty = await withKeys(S3RVER_CREDENTIALS, () => addSource(lab, 'p', 'no-data', 's3://data/exports/README', { endpoint: s3.endpoint })).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(InputError);
    expect((empty as Error).message).toMatch(/^no data files under s3:\/\/data\/exports\/README \(1 other object\(s\)\)/);
  });
});
