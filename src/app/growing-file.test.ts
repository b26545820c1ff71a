import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followWrittenFile } from './growing-file.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-growing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('followWrittenFile', () => {
  it('hashes a file as a writer appends to it', async () => {
    const path = join(dir, 'appended.bin');
    const parts = Array.from({ length: 6 }, (_, i) => randomBytes(300_000 + i));
    const writing = (async () => {
      await pause(20); // the file does not exist yet when following starts
      for (const part of parts) {
        await appendFile(path, part);
        await pause(30);
      }
    })();
    const followed = await followWrittenFile(path, writing);
    const whole = Buffer.concat(parts);
    expect(followed).toEqual({ hash: sha256(whole), bytes: whole.length });
  });

  it('hashes the finished file again when the writer started over with a new file', async () => {
    const path = join(dir, 'retried.bin');
    const first = randomBytes(500_000);
    const second = randomBytes(700_000);
    const writing = (async () => {
      await writeFile(path, first);
      await pause(120);
      await rm(path);
      await writeFile(path, second.subarray(0, 100));
      await pause(80);
      await appendFile(path, second.subarray(100));
    })();
    expect(await followWrittenFile(path, writing)).toEqual({ hash: sha256(second), bytes: second.length });
  });

  it('fails as the writer fails', async () => {
    const path = join(dir, 'failed.bin');
    const writing = (async () => {
      await writeFile(path, randomBytes(1000));
      throw new Error('disk full');
    })();
    await expect(followWrittenFile(path, writing)).rejects.toThrow('disk full');
  });
});
