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

/** The first record of a delimited file as written, and whether a record after it has fewer fields. */
export interface FirstRecords {
  /** the first record's fields (the header, when there is one); undefined when the text has no record */
  readonly header?: string[];
  readonly shortRows: boolean;
}

/**
 * The first records of a delimited file as written (at most those in its first 1 MB; a record cut
 * by that end is left out unless it is the only one): the header, to tell which column names
 * DuckDB had to make up or change (empty or duplicate names), and whether the rows after it have
 * fewer fields. Quote-aware, with `"` as quote; blank lines skipped as DuckDB does. Only the header
 * is cut into strings: the other records' fields are counted (on 1,701 columns that is most of the
 * time `splitRecords` took on the same megabyte).
 */
export async function readFirstRecords(path: string, delimiter: string, encoding: 'utf8' | 'latin1'): Promise<FirstRecords> {
  const head = await readHead(path, FIRST_RECORDS_BYTES);
  const more = head.length > FIRST_RECORDS_BYTES;
  let text = head.subarray(0, FIRST_RECORDS_BYTES).toString(encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let header: string[] | undefined;
  const widths: number[] = [];
  let fields: string[] = [];
  let count = 0;
  let firstField: { start: number; end: number; quoted: boolean } | undefined;
  walkRecords(text, delimiter, {
    field(start, end, quoted) {
      if (header === undefined) fields.push(fieldText(text, start, end, quoted));
      else if (count++ === 0) firstField = { start, end, quoted };
    },
    record() {
      if (header === undefined) {
        if (fields.length > 1 || fields[0] !== '') header = fields;
        fields = [];
        return;
      }
      if (count > 1 || (firstField !== undefined && fieldText(text, firstField.start, firstField.end, firstField.quoted) !== '')) widths.push(count);
      count = 0;
      firstField = undefined;
    },
  });
  if (more && widths.length > 0) widths.pop();
  const width = header?.length ?? 0;
  return { ...(header !== undefined ? { header } : {}), shortRows: widths.some((w) => w < width) };
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
  return (await readFirstRecords(path, delimiter, encoding)).header ?? [''];
}

function isLineEnd(code: number): boolean {
  return code === 10 || code === 13;
}

/** A field as read: a quoted one unescaped, both trimmed. */
function fieldText(text: string, start: number, end: number, quoted: boolean): string {
  const raw = text.slice(start, end);
  return quoted ? raw.replaceAll('""', '"').trim() : raw.trim();
}

/** Each record of a delimited text, split into fields (blank lines left out). */
export function splitRecords(text: string, delimiter: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  walkRecords(text, delimiter, {
    field: (start, end, quoted) => fields.push(fieldText(text, start, end, quoted)),
    record() {
      if (fields.length > 1 || fields[0] !== '') records.push(fields);
      fields = [];
    },
  });
  return records;
}

/**
 * Walks the records of a delimited text with `"` as quote: `field` gets each field's bounds
 * (inside its quotes when quoted, leading spaces before a quote skipped), `record` each record's
 * end — at LF, CRLF or a lone CR, as DuckDB ends them, and at the end of the text.
 */
function walkRecords(text: string, delimiter: string, visit: { field(start: number, end: number, quoted: boolean): void; record(): void }): void {
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
      visit.field(start + 1, j, true);
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
      visit.field(start, end, false);
      i = end;
    }
    if (i >= n) {
      visit.record();
      break;
    }
    if (isLineEnd(text.charCodeAt(i))) {
      // LF, CRLF, or a CR alone (old Mac files), as DuckDB reads them
      visit.record();
      i += text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else {
      i += delimiter.length;
      if (i >= n) {
        visit.field(i, i, false);
        visit.record();
      }
    }
  }
}
