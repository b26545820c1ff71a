import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../lake/index.js';
import { readCsvHeader, readHead } from './csv-header.js';
import { dropRejects, rejectOptions, rejectSummary, rejectsTableName, type SkippedRows } from './csv-rejects.js';

/** How much of a file `quotesFields` looks at. */
const QUOTE_PROBE_BYTES = 64 * 1024;

/**
 * Whether the first lines open fields with `"`: the file quotes its fields. DuckDB's sniffer turns
 * quoting off for the whole file when a quote in its sample never closes (a last line cut off in
 * the middle of a field), which splits every quoted "Doe, John" in two.
 */
export async function quotesFields(path: string, delimiter: string): Promise<boolean> {
  const text = (await readHead(path, QUOTE_PROBE_BYTES)).toString('latin1');
  const lines = text.split('\n').slice(0, -1);
  return lines.some((line) => line.startsWith('"') || line.includes(`${delimiter}"`));
}

/** A row left out for every this many read: more means the file is not quoted after all. */
const MAX_SKIPPED_SHARE = 0.01;

/**
 * Reads a file that quotes its fields with `"` quoting forced on (every column as text, the
 * dialect given, not sniffed: the sniffer fails on the broken quote) and writes the rows that parse
 * to `outPath` as a clean CSV for the usual reader. Rows that do not parse (an unclosed quote)
 * are skipped and counted, their line numbers kept. Undefined when that does not help: the read
 * fails, or more than 1 % of the rows would be skipped.
 */
export async function keepWellQuotedRows(
  conn: DuckDBConnection,
  path: string,
  outPath: string,
  dialect: { readonly delimiter: string; readonly header: boolean },
  encodingOptions: readonly string[],
): Promise<SkippedRows | undefined> {
  const written = await readCsvHeader(path, dialect.delimiter, encodingOptions.length > 0 ? 'latin1' : 'utf8');
  // names that DuckDB would refuse (empty, repeated) are filled in; the clean file's header is what the reader sees
  const seen = new Set<string>();
  const names = written.map((name, i) => {
    const usable = dialect.header && name !== '' && !seen.has(name) ? name : `column${i}`;
    seen.add(usable);
    return usable;
  });
  const rejects = rejectsTableName();
  const columns = `{${names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(', ')}}`;
  const options = [
    'auto_detect=false',
    `delim=${quoteLiteral(dialect.delimiter)}`,
    `quote='"'`,
    `escape='"'`,
    `header=${dialect.header}`,
    'null_padding=true',
    `columns=${columns}`,
    ...encodingOptions,
    ...rejectOptions(rejects),
  ];
  try {
    const rows = await writeQuotedCsv(conn, `SELECT * FROM read_csv($src, ${options.join(', ')})`, path, outPath, dialect);
    const skipped = await rejectSummary(conn, rejects);
    if (skipped.count === 0 || skipped.count > Math.max(1, rows * MAX_SKIPPED_SHARE)) return undefined;
    return skipped;
  } catch {
    await dropRejects(conn, rejects);
    return undefined;
  }
}

/** Writes the rows as a CSV in the file's dialect with every value quoted (NULL as an empty field) and returns how many. */
async function writeQuotedCsv(conn: DuckDBConnection, selectSql: string, path: string, outPath: string, dialect: { readonly delimiter: string; readonly header: boolean }): Promise<number> {
  const reader = await conn.runAndReadAll(`COPY (${selectSql}) TO ${quoteLiteral(outPath)} (FORMAT csv, DELIMITER ${quoteLiteral(dialect.delimiter)}, HEADER ${dialect.header}, FORCE_QUOTE *)`, { src: path });
  return Number(reader.getRowsJson()[0]?.[0] ?? 0);
}
