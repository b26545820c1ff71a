import { createReadStream } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';

/** How much of a file the header and the first records are read from. */
const FIRST_RECORDS_BYTES = 1 << 20;

/** Whether DuckDB reads the file through gzip (as it does by the name). */
export function isGzipped(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/**
 * The first bytes of a file's text, at most `bytes` (and one more, to tell whether there are more):
 * a gzipped file's decompressed, as DuckDB reads it.
 */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  if (!isGzipped(path)) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const source = createReadStream(path);
  const text = source.pipe(createGunzip());
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of text) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total > bytes) break;
    }
  } catch {
    // a damaged or cut gzip: what came out before (DuckDB's read says what is wrong)
  } finally {
    text.destroy();
    source.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes + 1);
}

/**
 * The first records of a delimited file as written (at most those in its first 1 MB; a record cut
 * by that end is left out unless it is the only one): the header, to tell which column names
 * DuckDB had to make up or change (empty or duplicate names), and the rows after it, to tell
 * whether some are short. Quote-aware, with `"` as quote; blank lines skipped as DuckDB does.
 */
export async function readFirstRecords(path: string, delimiter: string, encoding: 'utf8' | 'latin1'): Promise<string[][]> {
  const head = await readHead(path, FIRST_RECORDS_BYTES);
  const more = head.length > FIRST_RECORDS_BYTES;
  let text = head.subarray(0, FIRST_RECORDS_BYTES).toString(encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = splitRecords(text, delimiter);
  return more && records.length > 1 ? records.slice(0, -1) : records;
}

/**
 * The file itself when it is at most `bytes` long and not gzipped, else its head written to
 * `outPath` as text: whole lines up to about `bytes`, cut where the quotes so far are closed (a
 * quoted newline is not cut).
 */
export async function headOfFile(path: string, outPath: string, bytes: number): Promise<string> {
  const head = await readHead(path, bytes);
  if (head.length <= bytes) {
    if (!isGzipped(path)) return path;
    await writeFile(outPath, head);
    return outPath;
  }
  let quotes = 0;
  let cut = -1;
  for (let i = 0; i < bytes; i++) {
    const b = head[i];
    if (b === 34) quotes++;
    else if (b === 10 && quotes % 2 === 0) cut = i + 1;
  }
  if (cut <= 0) return path;
  await writeFile(outPath, head.subarray(0, cut));
  return outPath;
}

/** The header as written (see `readFirstRecords`). */
export async function readCsvHeader(path: string, delimiter: string, encoding: 'utf8' | 'latin1'): Promise<string[]> {
  return (await readFirstRecords(path, delimiter, encoding))[0] ?? [''];
}

function isLineEnd(code: number): boolean {
  return code === 10 || code === 13;
}

export function splitRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  const endField = (start: number, end: number, quoted: boolean) => {
    const raw = text.slice(start, end);
    fields.push(quoted ? raw.replaceAll('""', '"').trim() : raw.trim());
  };
  const endRecord = () => {
    if (fields.length > 1 || fields[0] !== '') records.push(fields);
    fields = [];
  };
  const n = text.length;
  const delimiterCode = delimiter.length === 1 ? delimiter.charCodeAt(0) : -1;
  let i = 0;
  while (i < n) {
    // one field from i: quoted (to its closing quote) or up to the next delimiter or line end
    let start = i;
    while (start < n && text.charCodeAt(start) === 32) start++;
    if (text.charCodeAt(start) === 34) {
      let j = start + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) {
          j = n;
          break;
        }
        if (text.charCodeAt(q + 1) === 34) j = q + 2;
        else {
          j = q;
          break;
        }
      }
      endField(start + 1, j, true);
      i = j + 1;
      // anything between the closing quote and the delimiter is dropped, as a sniffer would
      while (i < n && !isLineEnd(text.charCodeAt(i)) && !(delimiterCode >= 0 ? text.charCodeAt(i) === delimiterCode : text.startsWith(delimiter, i))) i++;
    } else {
      let end = start;
      while (end < n) {
        const c = text.charCodeAt(end);
        if (isLineEnd(c) || (delimiterCode >= 0 ? c === delimiterCode : delimiter !== '' && text.startsWith(delimiter, end))) break;
        end++;
      }
      endField(start, end, false);
      i = end;
    }
    if (i >= n) {
      endRecord();
      break;
    }
    if (isLineEnd(text.charCodeAt(i))) {
      // LF, CRLF, or a CR alone (old Mac files), as DuckDB reads them
      endRecord();
      i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else {
      i += delimiter.length;
      if (i >= n) {
        fields.push('');
        endRecord();
      }
    }
  }
  return records;
}
