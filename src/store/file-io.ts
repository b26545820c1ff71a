import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError, InputError, tempPrefix } from '../common/index.js';
import type { PutResult } from './types.js';

/** A pass-through stream that hashes and counts what flows through it. */
export function hashingStream(): Transform & { result(): PutResult } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return Object.assign(stream, { result: (): PutResult => ({ hash: hash.digest('hex'), bytes }) });
}

/** Hash and size of a local file, streamed. */
export async function hashFile(localPath: string): Promise<PutResult> {
  const hasher = hashingStream();
  await pipeline(readLocal(localPath), hasher, async function drain(source: AsyncIterable<Buffer>) {
    for await (const _ of source) {
      // only the hash is wanted
    }
  }).catch((error: unknown) => {
    throw localReadError(error, localPath);
  });
  return hasher.result();
}

export function readLocal(localPath: string): Readable {
  return createReadStream(localPath, { highWaterMark: 1 << 20 });
}

/** The kind of `writeStreamAtomic`'s temp files (see `tempPrefix`), for the folders that clear them. */
export const PARTIAL_FILE_KIND = '.part';

/**
 * Writes a stream to `finalPath` so that nobody ever sees a partial file under that name: into a
 * temp file in `tempDir` (same file system), fsync, rename, fsync the folder. Returns the hash
 * and size of what was written. The temp is named by `tempPrefix(PARTIAL_FILE_KIND)`, so that one
 * left by a killed process is removed by whoever clears `tempDir` (the disk store's `.tmp/`, the
 * lab's reports and S3 cache).
 */
export async function writeStreamAtomic(
  openSource: () => Readable,
  finalPath: string,
  tempDir = dirname(finalPath),
): Promise<PutResult> {
  await mkdir(tempDir, { recursive: true });
  const temp = join(tempDir, `${tempPrefix(PARTIAL_FILE_KIND)}${randomBytes(6).toString('hex')}`);
  const hasher = hashingStream();
  try {
    // opened only now: a stream opened before the awaits above could fail with nobody listening
    await pipeline(openSource(), hasher, createWriteStream(temp));
    await fsyncPath(temp);
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(temp, finalPath);
    await fsyncPath(dirname(finalPath)).catch(() => undefined); // not every file system syncs folders
    return hasher.result();
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A local input file that cannot be read, as the user can act on it. */
export function localReadError(error: unknown, localPath: string): unknown {
  const code = codeOf(error);
  if (code === 'ENOENT') return new InputError(`no file ${localPath}`, 'check the path', { cause: error });
  if (code === 'EACCES' || code === 'EPERM') {
    return new InputError(`cannot read ${localPath} (permission denied)`, 'check the file permissions', { cause: error });
  }
  if (code === 'EISDIR') return new InputError(`${localPath} is a folder, not a file`, 'pass a file', { cause: error });
  return error;
}

/** The store folder (or a local target) cannot be written. */
export function localWriteError(error: unknown, where: string): unknown {
  const code = codeOf(error);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new ConnectionError(`cannot write to ${where} (permission denied)`, 'check the folder permissions', { cause: error });
  }
  if (code === 'ENOSPC') return new ConnectionError(`no space left on the device of ${where}`, 'free some space', { cause: error });
  return error;
}
