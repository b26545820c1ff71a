import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, InputError, LabError } from '../common/index.js';
import { openStore, type CheckedStore } from './open-store.js';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from './s3rver.testutil.js';

const work = mkdtempSync(join(tmpdir(), 'autolab-store-test-'));
let s3: LocalS3 | undefined;
beforeAll(async () => {
  s3 = await startLocalS3(['lab', 'other']);
});
afterAll(async () => {
  await s3?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Backend {
  name: string;
  open(): Promise<CheckedStore>;
}

let counter = 0;
const backends: Backend[] = [
  { name: 'disk', open: () => openStore(`file:${join(work, `store-${++counter}`)}`) },
  {
    name: 's3',
    open: () =>
      openStore(s3!.url('lab', `run-${++counter}/store`), {
        credentials: S3RVER_CREDENTIALS,
        cacheDir: join(work, `cache-${counter}`),
        // small enough that the 300 kB file below goes in parts
        multipartThreshold: 100_000,
        partSize: 64 * 1024,
      }),
  },
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function localFile(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

describe.each(backends)('store on $name', (backend) => {
  it('keeps blobs under their content hash, once', async () => {
    const store = await backend.open();
    try {
      const bytes = new TextEncoder().encode('id,name\n1,Ada\n');
      const put = await store.putBytes(bytes);
      expect(put).toEqual({ hash: sha256(bytes), bytes: bytes.length });
      expect(await store.has(put.hash)).toBe(true);
      expect(await store.has(sha256(new Uint8Array([1])))).toBe(false);
      expect(await store.getBytes(put.hash)).toEqual(bytes);

      const file = localFile(`same-${backend.name}.csv`, bytes);
      expect(await store.putFile(file)).toEqual(put);

      const big = randomBytes(300_000);
      const bigPut = await store.putFile(localFile(`big-${backend.name}.bin`, big));
      expect(bigPut).toEqual({ hash: sha256(big), bytes: big.length });
      const out = join(work, `out-${backend.name}`, 'big.bin');
      await store.getToFile(bigPut.hash, out);
      expect(sha256(readFileSync(out))).toBe(bigPut.hash);
      expect(readdirSync(join(work, `out-${backend.name}`))).toEqual(['big.bin']);

      await expect(store.getBytes(sha256(new Uint8Array([2])))).rejects.toBeInstanceOf(LabError);
      await expect(store.has('not-a-hash')).rejects.toBeInstanceOf(InputError);
      await expect(store.putFile(join(work, 'missing.csv'))).rejects.toBeInstanceOf(InputError);
    } finally {
      await store.close();
    }
  });

  it('moves a file the caller gives up into a named object', async () => {
    const store = await backend.open();
    try {
      const bytes = randomBytes(120_000);
      const src = localFile(`m-${backend.name}.parquet`, bytes);
      const put = await store.moveObject('lake/bronze/p/s/t/1.parquet', src);
      expect(put).toEqual({ hash: sha256(bytes), bytes: bytes.length });
      expect(existsSync(src)).toBe(false);
      expect(sha256(readFileSync(await store.localPathFor('lake/bronze/p/s/t/1.parquet')))).toBe(put.hash);
      // with the hash already known it is not computed again
      const again = randomBytes(1000);
      const known = { hash: sha256(again), bytes: again.length };
      expect(await store.moveObject('lake/bronze/p/s/t/2.parquet', localFile(`n-${backend.name}.parquet`, again), known)).toEqual(known);
      expect([...readFileSync(await store.localPathFor('lake/bronze/p/s/t/2.parquet'))]).toEqual([...again]);
      await expect(store.moveObject('lake/bronze/p/s/t/3.parquet', join(work, 'missing.parquet'))).rejects.toBeInstanceOf(InputError);
      await expect(store.moveObject('../escape', localFile(`e-${backend.name}.parquet`, again))).rejects.toBeInstanceOf(InputError);
    } finally {
      await store.close();
    }
  });

  it('keeps named objects, lists them by prefix and hands out a local path', async () => {
    const store = await backend.open();
    try {
      const parquet = randomBytes(250_000);
      const src = localFile(`t-${backend.name}.parquet`, parquet);
      const put = await store.putObject('lake/bronze/churn/crm/customers/1.parquet', src);
      expect(put).toEqual({ hash: sha256(parquet), bytes: parquet.length });
      await store.putObject('lake/bronze/churn/crm/customers/2.parquet', localFile(`u-${backend.name}.parquet`, new Uint8Array([1, 2, 3])));
      await store.putObject('lake/bronze/other/x/y/1.parquet', src);
      await store.putBytes(new Uint8Array([9])); // blobs never show up as named objects

      expect(await store.hasObject('lake/bronze/churn/crm/customers/1.parquet')).toBe(true);
      expect(await store.hasObject('lake/bronze/churn/crm/customers/3.parquet')).toBe(false);
      expect(await store.listObjects('lake/bronze/churn/')).toEqual([
        'lake/bronze/churn/crm/customers/1.parquet',
        'lake/bronze/churn/crm/customers/2.parquet',
      ]);
      expect(await store.listObjects('lake/bronze/ch')).toHaveLength(2);
      expect(await store.listObjects('')).toHaveLength(3);
      expect(await store.listObjects('nothing/here/')).toEqual([]);

      const local = await store.localPathFor('lake/bronze/churn/crm/customers/1.parquet');
      expect(sha256(readFileSync(local))).toBe(put.hash);
      // an object written again under the same key is read afresh
      await store.putObject('lake/bronze/churn/crm/customers/1.parquet', localFile(`v-${backend.name}.parquet`, new Uint8Array([7, 7])));
      expect([...readFileSync(await store.localPathFor('lake/bronze/churn/crm/customers/1.parquet'))]).toEqual([7, 7]);

      const copy = join(work, `copy-${backend.name}.parquet`);
      await store.getObjectToFile('lake/bronze/churn/crm/customers/2.parquet', copy);
      expect([...readFileSync(copy)]).toEqual([1, 2, 3]);

      await expect(store.putObject('../escape', src)).rejects.toBeInstanceOf(InputError);
      await expect(store.putObject('objects/ab/cd', src)).rejects.toBeInstanceOf(InputError);
      await expect(store.localPathFor('lake/none.parquet')).rejects.toBeInstanceOf(LabError);
      await expect(store.getObjectToFile('lake/none.parquet', copy)).rejects.toBeInstanceOf(LabError);
    } finally {
      await store.close();
    }
  });
});

describe('store failures', () => {
  it('S3 with wrong keys or a missing bucket is a one-line ConnectionError without the secret', async () => {
    const wrong = await openStore(s3!.url('lab', 'p'), { credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'wrong-secret-123' } });
    const error = await wrong.putBytes(new Uint8Array([1])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/refused access \((InvalidAccessKeyId|HTTP 403)\)/);
    expect((error as Error).message).not.toMatch(/wrong-secret-123|\n/);
    await expect(wrong.check()).rejects.toBeInstanceOf(ConnectionError);
    await wrong.close();

    const missing = await openStore(s3!.url('no-such-bucket', 'p'), { credentials: S3RVER_CREDENTIALS });
    await expect(missing.putBytes(new Uint8Array([1]))).rejects.toThrow(/does not exist/);
    await missing.close();

    const down = await openStore('s3://lab/p?endpoint=http%3A%2F%2F127.0.0.1%3A1&forcePathStyle=true', { credentials: S3RVER_CREDENTIALS });
    await expect(down.check()).rejects.toThrow(/cannot reach the S3 store/);
    await down.close();
  });

  it.skipIf(process.getuid?.() === 0)('a store folder without write permission is a ConnectionError (skipped as root)', async () => {
    const root = join(work, 'readonly-store');
    const store = await openStore(`file:${root}`);
    chmodSync(root, 0o500);
    chmodSync(join(root, '.tmp'), 0o500);
    try {
      await expect(store.putBytes(new Uint8Array([1, 2]))).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      chmodSync(join(root, '.tmp'), 0o700);
      chmodSync(root, 0o700);
    }
    expect(existsSync(join(root, 'objects'))).toBe(false);
  });

  it('refuses unknown and relative URLs', async () => {
    await expect(openStore('ftp://x/y')).rejects.toBeInstanceOf(LabError);
    await expect(openStore('file:relative/store')).rejects.toBeInstanceOf(LabError);
  });
});
