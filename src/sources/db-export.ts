import { join } from 'node:path';
import { InputError } from '../common/index.js';
import { copyToParquet, firstLine } from '../lake/index.js';
import { columnsOption, strictRead } from './csv-strict-types.js';
import { CsvChunkWriter } from './csv-writer.js';
import type { QualityRecord, ReadContext, SourceTable } from './types.js';

/** the largest row a database table may have (DuckDB sizes its read buffer from it) */
const MAX_ROW_BYTES = 64 * 1024 * 1024;

export interface DbColumn {
  readonly name: string;
  /** the DuckDB type the rows are read as */
  readonly duckType: string;
}

/** Rows as text (the driver's wire format), NULL as null. */
export type TextRows = AsyncIterable<readonly (string | null)[]>;

/** A table's columns and rows as a driver gives them. */
export interface DbRows {
  readonly columns: DbColumn[];
  readonly rows: TextRows;
  /** the database does not hold values to the columns' types (SQLite): each value is checked against its type */
  readonly looseTypes?: boolean;
}

/** A database table or query as a source table: `origin` is `<uri>#<schema.table | query>`; no raw copy is kept. */
export function dbTable(uri: string, name: string, origin: string, format: string, open: (label: string) => Promise<DbRows>): SourceTable {
  const label = `${uri}#${origin}`;
  return {
    name,
    origin: label,
    fetchRaw: () => Promise.resolve([]),
    writeParquet: (ctx, outPath) => exportRows(ctx, label, format, () => open(label), outPath),
  };
}

/**
 * Streams a database result into bronze: rows go in batches from the Node driver to a temporary
 * CSV file (bounded memory whatever the table's size), which DuckDB reads with the column types the
 * database declared and writes as Parquet. A value that does not fit its declared type (a zero date,
 * a NaN numeric, text in a SQLite INTEGER column) makes that column text, noted in the quality
 * record; where the database does not enforce its types, so does one the cast would change (2.5 in
 * a SQLite INTEGER column, which DuckDB's cast would round to 3).
 */
export async function exportRows(
  ctx: ReadContext,
  label: string,
  format: string,
  open: () => Promise<DbRows>,
  outPath: string,
): Promise<QualityRecord> {
  const csvPath = join(ctx.workDir, 'rows.csv');
  const writer = new CsvChunkWriter(csvPath);
  let columns: DbColumn[];
  let looseTypes: boolean;
  try {
    const result = await open();
    columns = result.columns;
    looseTypes = result.looseTypes === true;
    for await (const row of result.rows) {
      await writer.writeRow(row);
      if (writer.rows % 50_000 === 0) ctx.onRows?.(writer.rows, writer.bytes);
    }
    await writer.close();
    ctx.onRows?.(writer.rows, writer.bytes);
  } catch (error) {
    writer.destroy();
    throw error;
  }
  const notes: string[] = [];
  const { names, renamed } = uniqueNames(columns.map((c) => c.name));
  if (renamed.length) notes.push(`column names made unique or filled in: ${renamed.map((r) => `${JSON.stringify(r.from)}→${r.to}`).join(', ')}`);
  const types = columns.map((c) => c.duckType);
  const textColumns: string[] = [];
  for (let round = 0; round <= columns.length; round++) {
    const declared = names.map((name, i) => ({ name, type: types[i] ?? 'VARCHAR' }));
    // a type the database does not enforce (SQLite's, or one taken from its first rows) would round
    // "2.5" in a BIGINT column to 3: such a value fails instead, and its column is read as text
    const strict = looseTypes ? strictRead(declared, { datesWithoutFormat: true }) : undefined;
    const call = `read_csv($src, auto_detect=false, header=false, delim=',', quote='"', escape='"', allow_quoted_nulls=false, null_padding=false, max_line_size=${MAX_ROW_BYTES}, buffer_size=${2 * MAX_ROW_BYTES}, ${columnsOption(strict?.readAs ?? declared)})`;
    try {
      if (names.length === 0) throw new InputError(`${label} has no columns`, 'choose a table or query that returns columns');
      await copyToParquet(ctx.conn, strict ? `SELECT ${strict.select} FROM ${call} WHERE ${strict.where}` : `SELECT * FROM ${call}`, { src: csvPath }, outPath);
      if (textColumns.length) notes.push(`values that do not fit their declared type: read as text in ${textColumns.join(', ')}`);
      return { format, notes, ...(renamed.length ? { renamedColumns: renamed } : {}), ...(textColumns.length ? { textColumns } : {}) };
    } catch (error) {
      if (error instanceof InputError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const column = /converting column "((?:[^"]|"")*)"/.exec(message)?.[1];
      const index = column === undefined ? -1 : names.indexOf(column);
      if (index < 0 || types[index] === 'VARCHAR') throw new InputError(`cannot read ${label}: ${firstLine(error)}`, 'check the table in its database', { cause: error });
      types[index] = 'VARCHAR';
      textColumns.push(column ?? '');
    }
  }
  throw new InputError(`cannot read ${label}`, 'check the table in its database');
}

/** Duplicate or empty names from a query (`SELECT 1, 1`) made unique the way DuckDB does for CSV headers. */
function uniqueNames(names: readonly string[]): { names: string[]; renamed: { from: string; to: string }[] } {
  const used = new Set<string>();
  const renamed: { from: string; to: string }[] = [];
  const out = names.map((name, i) => {
    let candidate = name === '' ? `column${i}` : name;
    for (let k = 1; used.has(candidate); k++) candidate = `${name === '' ? `column${i}` : name}_${k}`;
    used.add(candidate);
    if (candidate !== name) renamed.push({ from: name, to: candidate });
    return candidate;
  });
  return { names: out, renamed };
}
