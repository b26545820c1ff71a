import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** the end record (22 bytes) plus the longest comment a zip file may carry */
const END_SEARCH_BYTES = 22 + 0xffff;
/** entries read this way are small XML parts; a bigger one is refused */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** Where a zip file's bytes come from: a local file, or ranged reads of an S3 object. */
export interface ZipSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A local file as a `ZipSource`, for the duration of `work`. */
export async function withZipFile<T>(path: string, work: (source: ZipSource) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await work({
      size,
      async read(offset, length) {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of one entry of a zip file (an .xlsx part such as `xl/workbook.xml`), read through the
 * central directory without unpacking anything else; undefined when there is no such entry.
 * Throws on a file that is not a zip (or a zip64 one, which small parts never need).
 */
export async function readZipEntry(source: ZipSource, entryName: string): Promise<Buffer | undefined> {
  const size = source.size;
  const tailLength = Math.min(size, END_SEARCH_BYTES);
  const tail = await source.read(size - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file (no central directory)');
  const entries = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  if (directoryOffset === 0xffffffff || directoryOffset + directorySize > size) throw new Error('unsupported zip file (zip64 or damaged directory)');
  const directory = await source.read(directoryOffset, directorySize);
  for (let at = 0, n = 0; n < entries && at + 46 <= directory.length; n++) {
    if (directory.readUInt32LE(at) !== DIRECTORY_ENTRY) throw new Error('damaged zip directory');
    const method = directory.readUInt16LE(at + 10);
    const compressedSize = directory.readUInt32LE(at + 20);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const localOffset = directory.readUInt32LE(at + 42);
    const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name !== entryName) continue;
    if (compressedSize > MAX_ENTRY_BYTES) throw new Error(`zip entry ${name} is too large to read whole`);
    const local = await source.read(localOffset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_HEADER) throw new Error('damaged zip entry');
    const data = await source.read(localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28), compressedSize);
    if (data.length < compressedSize) throw new Error('damaged zip entry');
    if (method === 0) return data;
    if (method === 8) return inflateRawSync(data, { maxOutputLength: MAX_ENTRY_BYTES });
    throw new Error(`zip entry ${name} uses compression method ${method}`);
  }
  return undefined;
}
