import { createHash, randomBytes } from 'node:crypto';
import { access, constants, copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError, removeStaleTemps, tempPrefix } from '../common/index.js';
import { DIRECT_COPY_MIN_BYTES, copyFileDirect } from './direct-copy.js';
import { PARTIAL_FILE_KIND, fsyncPath, hashFile, isFile, localReadError, localWriteError, readLocal, writeStreamAtomic } from './file-io.js';
import { RESERVED_PREFIXES, blobKey, checkListPrefix, checkObjectKey } from './object-keys.js';
import type { PutResult, Store } from './types.js';

const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * Copies a file to the new file `temp`, synced, with the hash of the bytes stored: a reflink where
 * the file system has them (no bytes move; the copy is hashed while it is synced), else a large
 * file is written around the page cache and hashed on the way (see copyFileDirect), else copied by
 * the kernel and then hashed. None goes through streams, which cost a third more CPU on 1 GB.
 */
async function copyIn(localPath: string, temp: string): Promise<PutResult> {
  const copiedByKernel = async (mode: number): Promise<PutResult> => {
    await copyFile(localPath, temp, mode);
    const [result] = await Promise.all([hashFile(temp), fsyncPath(temp)]);
    return result;
  };
  try {
    return await copiedByKernel(constants.COPYFILE_FICLONE_FORCE);
  } catch (error) {
    if (localReadError(error, localPath) !== error) throw error;
    await rm(temp, { force: true });
  }
  if ((await stat(localPath)).size >= DIRECT_COPY_MIN_BYTES) {
    const direct = await copyFileDirect(localPath, temp);
    if (direct !== undefined) return direct;
  }
  return copiedByKernel(0);
}

/** The store in a local folder: `objects/ab/cdef…` for blobs, named objects under their key. */
export class DiskStore implements Store {
  readonly url: string;
  readonly #root: string;
  readonly #temp: string;

  constructor(root: string) {
    this.#root = root;
    this.#temp = join(root, '.tmp');
    this.url = pathToFileURL(root).toString();
  }

  /** Creates the folder if needed, checks that it can be written, and clears stale temp files. */
  async check(): Promise<void> {
    try {
      await mkdir(this.#temp, { recursive: true });
      await access(this.#root, constants.W_OK);
    } catch (error) {
      throw localWriteError(error, `the store ${this.#root}`);
    }
    await this.#removeStaleTemps();
  }

  /** Temp files of a process that died mid-write (or older than a day); nothing will ever rename them. */
  async #removeStaleTemps(): Promise<void> {
    await removeStaleTemps(this.#temp, ['put', PARTIAL_FILE_KIND], STALE_TEMP_MS);
  }

  async putFile(localPath: string): Promise<PutResult> {
    const temp = join(this.#temp, `${tempPrefix('put')}${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(this.#temp, { recursive: true });
      return await this.#adoptBlob(temp, await copyIn(localPath, temp));
    } catch (error) {
      await rm(temp, { force: true });
      const asRead = localReadError(error, localPath);
      throw asRead !== error ? asRead : localWriteError(error, `the store ${this.#root}`);
    }
  }

  async putBytes(bytes: Uint8Array): Promise<PutResult> {
    const temp = join(this.#temp, `${tempPrefix('put')}${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(this.#temp, { recursive: true });
      await writeFile(temp, bytes);
      await fsyncPath(temp);
    } catch (error) {
      await rm(temp, { force: true });
      throw localWriteError(error, `the store ${this.#root}`);
    }
    return this.#adoptBlob(temp, { hash: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength });
  }

  async has(hash: string): Promise<boolean> {
    return isFile(this.#path(blobKey(hash)));
  }

  async getBytes(hash: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.#path(blobKey(hash))));
    } catch (error) {
      throw this.#missing(error, `blob ${hash}`);
    }
  }

  async getToFile(hash: string, localPath: string): Promise<void> {
    await this.#copyOut(this.#path(blobKey(hash)), localPath, `blob ${hash}`);
  }

  async putObject(key: string, localPath: string): Promise<PutResult> {
    return this.#write(() => readLocal(localPath), this.#path(checkObjectKey(key)), localPath);
  }

  async moveObject(key: string, localPath: string, known?: PutResult): Promise<PutResult> {
    const target = this.#path(checkObjectKey(key));
    let result: PutResult;
    try {
      [result] = await Promise.all([known ?? hashFile(localPath), fsyncPath(localPath)]);
    } catch (error) {
      throw localReadError(error, localPath);
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(localPath, target);
    } catch (error) {
      // another file system: copy it in like any other object
      if ((error as { code?: unknown }).code !== 'EXDEV') throw localWriteError(error, `the store ${this.#root}`);
      const put = await this.putObject(key, localPath);
      await rm(localPath, { force: true });
      return put;
    }
    await fsyncPath(dirname(target)).catch(() => undefined);
    return result;
  }

  async getObjectToFile(key: string, localPath: string): Promise<void> {
    await this.#copyOut(this.#path(checkObjectKey(key)), localPath, `object ${key}`);
  }

  async hasObject(key: string): Promise<boolean> {
    return isFile(this.#path(checkObjectKey(key)));
  }

  async listObjects(prefix: string): Promise<string[]> {
    checkListPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const keys: string[] = [];
    await this.#walk(this.#path(base), keys);
    return keys.filter((k) => k.startsWith(prefix) && !RESERVED_PREFIXES.some((r) => k.startsWith(r))).sort();
  }

  async localPathFor(key: string): Promise<string> {
    const path = this.#path(checkObjectKey(key));
    if (!(await isFile(path))) throw this.#missing(undefined, `object ${key}`);
    return path;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #path(key: string): string {
    return key === '' ? this.#root : join(this.#root, ...key.split('/'));
  }

  async #write(source: () => ReturnType<typeof readLocal>, finalPath: string, localPath: string): Promise<PutResult> {
    try {
      return await writeStreamAtomic(source, finalPath, this.#temp);
    } catch (error) {
      const asRead = localReadError(error, localPath);
      throw asRead !== error ? asRead : localWriteError(error, `the store ${this.#root}`);
    }
  }

  /** Moves a finished temp file to its content address (or drops it when the blob is there already). */
  async #adoptBlob(temp: string, result: PutResult): Promise<PutResult> {
    const target = this.#path(blobKey(result.hash));
    try {
      if (await isFile(target)) {
        await rm(temp, { force: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await rename(temp, target);
        await fsyncPath(dirname(target)).catch(() => undefined);
      }
      return result;
    } catch (error) {
      await rm(temp, { force: true });
      throw localWriteError(error, `the store ${this.#root}`);
    }
  }

  async #copyOut(path: string, localPath: string, what: string): Promise<void> {
    if (!(await isFile(path))) throw this.#missing(undefined, what);
    try {
      await writeStreamAtomic(() => readLocal(path), localPath);
    } catch (error) {
      throw localWriteError(error, localPath);
    }
  }

  async #walk(dir: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a prefix with nothing under it
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await this.#walk(full, out);
      else if (entry.isFile() && !entry.name.endsWith('.tmp') && !entry.name.startsWith(`${PARTIAL_FILE_KIND}-`)) out.push(relative(this.#root, full).split(sep).join('/'));
    }
  }

  #missing(cause: unknown, what: string): LabError {
    return new LabError(`the store ${this.#root} has no ${what}`, 'the lab may be damaged; run `autolab log --verify` and re-run the step that wrote it', {
      cause,
    });
  }
}
