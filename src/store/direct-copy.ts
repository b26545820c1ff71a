import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { PutResult } from './types.js';

/** Files smaller than this are copied the usual way: their cache pages cost nothing worth avoiding. */
export const DIRECT_COPY_MIN_BYTES = 4 << 20;

const CHUNK_BYTES = 8 << 20;
const BUFFERS = 3;
/** O_DIRECT wants offsets and lengths in whole blocks; 4 KiB covers every common device. */
const BLOCK_BYTES = 4096;
const WASM_PAGE_BYTES = 64 * 1024;

/** The one part of WebAssembly used here (the project's TypeScript libraries leave the DOM's types out). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer } };

let pool: Buffer[] | undefined;
/** Direct copies share one set of buffers, so they run one after another. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Buffers whose addresses are block-aligned, as O_DIRECT needs. Node gives no aligned allocation;
 * a WebAssembly memory starts on a page boundary, so buffers carved from it at whole chunks are.
 */
function buffers(): Buffer[] {
  if (pool === undefined) {
    const memory = new WebAssembly.Memory({ initial: (BUFFERS * CHUNK_BYTES) / WASM_PAGE_BYTES });
    pool = Array.from({ length: BUFFERS }, (_, i) => Buffer.from(memory.buffer, i * CHUNK_BYTES, CHUNK_BYTES));
  }
  return pool;
}

/**
 * Copies `source` to the new file `target`, writing around the page cache (O_DIRECT), and hashes
 * the bytes in the same pass; the target is synced when this resolves. Resolves undefined, with no
 * target left, when the target's file system refuses direct writes (tmpfs, some network file
 * systems): the caller copies the usual way.
 *
 * Why: a kernel copy of a large file fills as many fresh page-cache pages, and on a small machine
 * that slows whatever else writes at the same time — measured on 2 cores, DuckDB converting a
 * 1 GB CSV took 4.6–5.0 s beside `copyFile` of that CSV and 3.6 s beside this copy (3.2–3.7 s
 * alone). Reads still go through the cache, which the converter reads from too.
 */
export function copyFileDirect(source: string, target: string): Promise<PutResult | undefined> {
  const run = queue.then(() => copyDirect(source, target));
  queue = run.catch(() => undefined);
  return run;
}

async function copyDirect(source: string, target: string): Promise<PutResult | undefined> {
  const input = await open(source, 'r');
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT;
    const output = await open(target, flags, 0o644).catch((error: unknown) => {
      if (isUnsupported(error)) return undefined;
      throw error;
    });
    if (output === undefined) return undefined;
    let copied: PutResult | undefined;
    try {
      const result = await copyChunks(input, output);
      if (result !== undefined) {
        await output.truncate(result.bytes); // the last block was padded to a whole block
        await output.sync();
        copied = result;
      }
    } finally {
      await output.close();
      // a copy that failed or gave way leaves no file behind
      if (copied === undefined) await rm(target, { force: true });
    }
    return copied;
  } finally {
    await input.close();
  }
}

/** Reads chunk after chunk until the end, hashing each and writing it while the next is read. */
async function copyChunks(input: FileHandle, output: FileHandle): Promise<PutResult | undefined> {
  const chunks = buffers();
  const hash = createHash('sha256');
  const writes: Promise<unknown>[] = [];
  let offset = 0;
  try {
    for (let i = 0; ; i++) {
      const buffer = chunks[i % BUFFERS]!;
      // the buffer about to be read into must be written out first
      if (writes.length === BUFFERS - 1) await writes.shift();
      const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      const length = Math.ceil(bytesRead / BLOCK_BYTES) * BLOCK_BYTES;
      buffer.fill(0, bytesRead, length);
      const at = offset;
      const write = output.write(buffer, 0, length, at).then(({ bytesWritten }) => {
        // a partial direct write leaves a hole the final truncate would not show: never accept one
        if (bytesWritten !== length) throw new Error(`wrote ${bytesWritten} of ${length} bytes at offset ${at} of a store file`);
      });
      write.catch(() => undefined);
      writes.push(write);
      offset += bytesRead;
      // a short read is the end of the file: a block-padded write may only come last
      if (bytesRead < CHUNK_BYTES) break;
    }
    await Promise.all(writes);
  } catch (error) {
    await Promise.allSettled(writes);
    if (isUnsupported(error)) return undefined;
    throw error;
  }
  return { hash: hash.digest('hex'), bytes: offset };
}

/** How a file system says it does not do direct I/O (or not with these alignments). */
function isUnsupported(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}
