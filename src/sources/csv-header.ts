import { open } from 'node:fs/promises';

/**
 * The first record of a delimited file as written, to tell which column names DuckDB had to make
 * up or change (empty or duplicate names). Reads at most 1 MB; quote-aware, with `"` as quote.
 */
export async function readCsvHeader(path: string, delimiter: string, encoding: 'utf8' | 'latin1'): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    let text = buffer.subarray(0, bytesRead).toString(encoding);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return splitFirstRecord(text, delimiter);
  } finally {
    await handle.close();
  }
}

export function splitFirstRecord(text: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (delimiter !== '' && text.startsWith(delimiter, i)) {
      fields.push(field);
      field = '';
      i += delimiter.length - 1;
    } else if (ch === '\n' || ch === '\r') break;
    else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}
