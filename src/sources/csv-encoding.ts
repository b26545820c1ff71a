import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { open } from 'node:fs/promises';

/** What a look at every byte found: how much is UTF-8 beyond ASCII, and which bytes are not UTF-8 (as Latin-1 would be). */
export interface Utf8Scan {
  /** bytes that start no valid UTF-8 sequence */
  readonly invalidBytes: number;
  /** valid UTF-8 sequences of two bytes or more */
  readonly multibyte: number;
  /** the first five lines holding an invalid byte (1-based, as an editor numbers them) */
  readonly lines: number[];
}

/** The length of the valid UTF-8 sequence at `i` (1 to 4), 0 when the byte starts none, -1 when the buffer ends before it could tell. */
function sequenceLength(buf: Uint8Array, i: number, end: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0;
    if (b === 0xed) high = 0x9f; // no UTF-16 surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    if (b === 0xf4) high = 0x8f;
  } else return 0;
  for (let k = 1; k < length; k++) {
    if (i + k >= end) return -1;
    const c = buf[i + k]!;
    if (c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return 0;
  }
  return length;
}

interface Utf8Visitor {
  /** bytes [start, end) of `buf` are valid UTF-8 */
  valid(buf: Buffer, start: number, end: number): void | Promise<void>;
  /** one byte that starts no valid sequence, on `line` */
  invalid(byte: number, line: number): void | Promise<void>;
  multibyte(): void;
}

/** Walks a file in 1 MB pieces, telling valid runs from invalid bytes; a sequence cut by a piece's end is carried to the next. */
async function walkUtf8(path: string, visit: Utf8Visitor): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const piece = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    let line = 1;
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(piece, 0, piece.length, position);
      position += bytesRead;
      const atEnd = bytesRead === 0;
      const buf = carry.length > 0 ? Buffer.concat([carry, piece.subarray(0, bytesRead)]) : piece.subarray(0, bytesRead);
      const end = buf.length;
      let runStart = 0;
      let i = 0;
      while (i < end) {
        const b = buf[i]!;
        if (b < 0x80) {
          if (b === 10) line++;
          i++;
          continue;
        }
        const length = sequenceLength(buf, i, end);
        if (length === -1 && !atEnd) break;
        if (length > 1) {
          visit.multibyte();
          i += length;
          continue;
        }
        if (i > runStart) await visit.valid(buf, runStart, i);
        await visit.invalid(b, line);
        i++;
        runStart = i;
      }
      if (i > runStart) await visit.valid(buf, runStart, i);
      if (atEnd) return;
      carry = Buffer.from(buf.subarray(i));
    }
  } finally {
    await handle.close();
  }
}

/** Counts a file's UTF-8 sequences and the bytes that are not UTF-8, with the lines that hold them. */
export async function scanUtf8(path: string): Promise<Utf8Scan> {
  let invalidBytes = 0;
  let multibyte = 0;
  const lines: number[] = [];
  await walkUtf8(path, {
    valid() {},
    invalid(_byte, line) {
      invalidBytes++;
      if (lines.length < 5 && lines.at(-1) !== line) lines.push(line);
    },
    multibyte() {
      multibyte++;
    },
  });
  return { invalidBytes, multibyte, lines };
}

/**
 * Copies a mostly UTF-8 file to `outPath` as valid UTF-8: each byte that starts no UTF-8 sequence is
 * taken as the Latin-1 character it would be (a stray 0xFC in "Z\xFCrich" becomes "ü"), the rest is
 * copied unchanged.
 */
export async function writeUtf8Repaired(path: string, outPath: string): Promise<void> {
  const out = createWriteStream(outPath);
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    await walkUtf8(path, {
      valid: (buf, start, end) => write(Buffer.from(buf.subarray(start, end))),
      invalid: (byte) => write(Buffer.from(String.fromCharCode(byte), 'utf8')),
      multibyte() {},
    });
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
}

/** The UTF-16 a file's byte order mark says it is in, if any (UTF-32's marks, which start like UTF-16LE's, are not taken for it). */
export function utf16Bom(head: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (head[0] === 0xff && head[1] === 0xfe && !(head[2] === 0 && head[3] === 0)) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * Writes a UTF-16 text (LE or BE, its byte order mark dropped) to `outPath` as UTF-8, streamed:
 * DuckDB reads UTF-8 only. A character cut by a chunk's end is carried to the next; a lone
 * surrogate becomes U+FFFD, as any UTF-16 decoder makes it.
 */
export async function writeUtf16AsUtf8(source: AsyncIterable<Buffer>, encoding: 'utf-16le' | 'utf-16be', outPath: string): Promise<void> {
  const decoder = new TextDecoder(encoding);
  const out = createWriteStream(outPath);
  const write = async (text: string) => {
    if (text !== '' && !out.write(text, 'utf8')) await once(out, 'drain');
  };
  try {
    for await (const chunk of source) await write(decoder.decode(chunk, { stream: true }));
    await write(decoder.decode());
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  }
}
