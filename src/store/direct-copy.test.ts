import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileDirect } from './direct-copy.js';
import { openStore } from './open-store.js';

const TMPFS_MAGIC = 0x01021994;
const work = mkdtempSync(join(tmpdir(), 'autolab-direct-copy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function isTmpfs(path: string): boolean {
  return statfsSync(path).type === TMPFS_MAGIC;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const workIsTmpfs = isTmpfs(work);

describe.skipIf(workIsTmpfs)(`direct copies${workIsTmpfs ? ' (skipped: the temp folder is tmpfs, which has no direct I/O)' : ''}`, () => {
  it('copies files of every length byte for byte, with the hash of what it wrote', async () => {
    // lengths around the 4 KiB block and the 8 MiB chunk: a padded last block, an exact chunk, one byte past it
    for (const length of [0, 1, 4095, 4096, 4097, 8 << 20, (8 << 20) + 1, (17 << 20) + 1234]) {
      const bytes = randomBytes(length);
      const source = join(work, `source-${length}`);
      writeFileSync(source, bytes);
      const target = join(work, `target-${length}`);
      expect(await copyFileDirect(source, target)).toEqual({ hash: sha256(bytes), bytes: length });
      expect(readFileSync(target).equals(bytes)).toBe(true);
    }
  });

  it('runs copies started together one after another, each whole', async () => {
    const inputs = [1, 2, 3].map((n) => {
      const bytes = randomBytes((5 << 20) + n * 1000);
      const path = join(work, `together-${n}`);
      writeFileSync(path, bytes);
      return { path, bytes };
    });
    const results = await Promise.all(inputs.map((input) => copyFileDirect(input.path, `${input.path}.copy`)));
    inputs.forEach((input, i) => {
      expect(results[i]).toEqual({ hash: sha256(input.bytes), bytes: input.bytes.length });
      expect(readFileSync(`${input.path}.copy`).equals(input.bytes)).toBe(true);
    });
  });

  it('fails on a missing source or an existing target, leaving nothing behind', async () => {
    await expect(copyFileDirect(join(work, 'missing'), join(work, 'never'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(join(work, 'never'))).toBe(false);
    const source = join(work, 'exists-source');
    writeFileSync(source, 'abc');
    const taken = join(work, 'taken');
    writeFileSync(taken, 'keep me');
    await expect(copyFileDirect(source, taken)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(taken, 'utf8')).toBe('keep me');
  });

  it('a store on disk keeps a large file through it, and reads it back the same', async () => {
    const store = await openStore(`file:${join(work, 'store')}`);
    try {
      const bytes = randomBytes((6 << 20) + 77);
      const source = join(work, 'large.bin');
      writeFileSync(source, bytes);
      const put = await store.putFile(source);
      expect(put).toEqual({ hash: sha256(bytes), bytes: bytes.length });
      const back = join(work, 'large.back');
      await store.getToFile(put.hash, back);
      expect(readFileSync(back).equals(bytes)).toBe(true);
    } finally {
      await store.close();
    }
  });
});

const shmIsTmpfs = existsSync('/dev/shm') && isTmpfs('/dev/shm');

// tmpfs refused direct I/O before Linux 6.6 and takes it since: either way the outcome is exact
it.skipIf(!shmIsTmpfs)(`on tmpfs, copies whole or gives way leaving no file${shmIsTmpfs ? '' : ' (skipped: no tmpfs at /dev/shm)'}`, async () => {
  const bytes = randomBytes(5 << 20);
  const source = join(work, 'to-shm');
  writeFileSync(source, bytes);
  const target = join('/dev/shm', `autolab-direct-copy-${process.pid}`);
  try {
    const copied = await copyFileDirect(source, target);
    if (copied === undefined) expect(existsSync(target)).toBe(false);
    else expect(readFileSync(target).equals(bytes)).toBe(true);
    // the store falls back to a kernel copy where direct I/O is refused
    const store = await openStore(`file:${join('/dev/shm', `autolab-store-${process.pid}`)}`);
    try {
      expect(await store.putFile(source)).toEqual({ hash: sha256(bytes), bytes: bytes.length });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(target, { force: true });
    rmSync(join('/dev/shm', `autolab-store-${process.pid}`), { recursive: true, force: true });
  }
});
