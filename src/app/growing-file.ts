import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';

/** How often a growing file is looked at; it is flushed to disk once this much is new, or this long has passed. */
const POLL_MS = 50;
const FLUSH_BYTES = 8 << 20;
const FLUSH_MS = 250;
const CHUNK_BYTES = 4 << 20;

export interface FollowedFile {
  /** sha256 of the finished file, hex */
  readonly hash: string;
  readonly bytes: number;
}

/**
 * Follows a file that another writer (DuckDB writing Parquet) fills front to back: reads and hashes
 * each new part as it appears and flushes the file to disk every 8 MB or quarter second, so that after the
 * writer is done only the tail is left to hash and sync. Resolves once `writing` has settled (with
 * its rejection, if it failed) and the finished file is hashed and on disk.
 *
 * The bytes hashed are checked against the finished file: if it was replaced (another inode — a
 * retry that wrote a new file) or is not exactly as long as what was read, it is hashed again from
 * the start. The file is held open while followed, so its inode cannot be reused meanwhile.
 */
export async function followWrittenFile(path: string, writing: Promise<unknown>): Promise<FollowedFile> {
  let done = false;
  const settled = writing.then(
    () => (done = true),
    () => (done = true),
  );
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let hash = createHash('sha256');
  let offset = 0;
  let handle: FileHandle | undefined;
  let inode = -1;
  let lastFlush = Date.now();
  let flushedTo = 0;
  /** hashes what the file holds beyond `offset` */
  const readToEnd = async (from: FileHandle): Promise<void> => {
    for (;;) {
      const { bytesRead } = await from.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) return;
      hash.update(buffer.subarray(0, bytesRead));
      offset += bytesRead;
    }
  };
  try {
    for (;;) {
      // read the flag first: everything written before it was set is then read below
      const finished = done;
      if (handle === undefined) {
        handle = await open(path, 'r').catch(() => undefined);
        if (handle !== undefined) inode = (await handle.stat()).ino;
      }
      if (handle !== undefined) {
        await readToEnd(handle);
        if (!finished && offset > flushedTo && (offset - flushedTo >= FLUSH_BYTES || Date.now() - lastFlush >= FLUSH_MS)) {
          flushedTo = offset;
          await handle.datasync();
          lastFlush = Date.now();
        }
      }
      if (finished) break;
      await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, POLL_MS))]);
    }
    await writing;
    const finishedFile = await stat(path);
    if (handle === undefined || finishedFile.ino !== inode || finishedFile.size !== offset) {
      await handle?.close();
      handle = await open(path, 'r');
      hash = createHash('sha256');
      offset = 0;
      await readToEnd(handle);
    }
    await handle.sync();
    return { hash: hash.digest('hex'), bytes: offset };
  } finally {
    await handle?.close();
  }
}
