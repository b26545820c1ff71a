import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import type { Frame, RawColumn } from './frame.js';

export interface ReadFrameOptions {
  /** columns read as exact text whatever they look like (a target's class labels, categorical inputs) */
  readonly textColumns?: readonly string[];
}

let connectionPromise: Promise<DuckDBConnection> | undefined;

function connection(): Promise<DuckDBConnection> {
  connectionPromise ??= DuckDBInstance.create(':memory:').then((instance) => instance.connect());
  return connectionPromise;
}

/** DuckDB string literal; used only for the column names inside read_csv's `types` option, which cannot be bound. */
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const CSV_EXTENSIONS = new Set(['.csv', '.tsv', '.txt', '.tab', '.psv', '.gz']);

function sourceExpression(path: string, textColumns: readonly string[]): string {
  const ext = extname(path.endsWith('.gz') ? path.slice(0, -3) : path).toLowerCase();
  if (ext === '.parquet' || ext === '.pq') return 'read_parquet($1)';
  if (ext === '.ndjson' || ext === '.jsonl') return "read_json_auto($1, format='newline_delimited')";
  if (ext === '.json') return 'read_json_auto($1)';
  if (ext === '.xls') throw new InputError(`${path}: old .xls workbooks are not read`, 'save it as .xlsx or CSV');
  if (!CSV_EXTENSIONS.has(ext) && ext !== '') {
    throw new InputError(`${path}: unknown file type '${ext}'`, 'use a .csv, .tsv, .parquet, .json or .ndjson file');
  }
  const types = textColumns.length
    ? `, types={${textColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`
    : '';
  return `read_csv_auto($1${types})`;
}

type ColumnClass = RawColumn['kind'];

function classify(duckType: string): ColumnClass {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'datetime';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL)$/.test(t) || t.startsWith('DECIMAL')) {
    return 'number';
  }
  return 'string';
}

function selectExpression(name: string, kind: ColumnClass): string {
  const id = sqlIdentifier(name);
  switch (kind) {
    case 'number':
    case 'boolean':
      return `CAST(${id} AS DOUBLE)`;
    case 'datetime':
      return `CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE)`;
    case 'string':
      return `CAST(${id} AS VARCHAR)`;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

/** Reads a CSV/TSV (delimiter sniffed), Parquet, JSON, NDJSON or .xlsx file into a frame. */
export async function readFrame(path: string, options: ReadFrameOptions = {}): Promise<Frame> {
  if (!existsSync(path)) throw new InputError(`file not found: ${path}`, 'check the path');
  const stat = statSync(path);
  if (stat.isDirectory()) throw new InputError(`${path} is a folder, not a data file`, 'pass a CSV, Parquet or JSON file');
  if (stat.size === 0) throw new InputError(`${path} is empty`, 'pass a file with a header and at least one row');
  if (extname(path).toLowerCase() === '.xlsx') {
    // exceljs is large; load it only for workbooks so every other command starts fast
    const { readXlsx } = await import('./read-xlsx.js');
    return readXlsx(path, options.textColumns);
  }
  const db = await connection();
  const describe = async (source: string): Promise<{ column_name: string; column_type: string }[]> => {
    try {
      const reader = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`, [path]);
      return reader.getRowObjectsJS() as { column_name: string; column_type: string }[];
    } catch (error) {
      throw new InputError(`cannot read ${path}: ${firstLine(error)}`, 'check that the file is a valid CSV, Parquet or JSON file');
    }
  };
  let source = sourceExpression(path, []);
  let described = await describe(source);
  // read_csv rejects a `types` entry for a column the file lacks, so only existing columns are forced to text
  const present = new Set(described.map((d) => d.column_name));
  const textColumns = (options.textColumns ?? []).filter((c) => present.has(c));
  if (textColumns.length > 0) {
    source = sourceExpression(path, textColumns);
    if (source.startsWith('read_csv')) described = await describe(source);
  }
  const forced = new Set(textColumns);
  if (described.length === 0) throw new InputError(`${path} has no columns`, 'pass a file with a header row');
  const kinds = described.map((d) => (forced.has(d.column_name) ? 'string' : classify(d.column_type)));
  const select = described.map((d, i) => `${selectExpression(d.column_name, kinds[i]!)} AS ${sqlIdentifier(`c${i}`)}`).join(', ');
  let data: unknown[][];
  try {
    const reader = await db.runAndReadAll(`SELECT ${select} FROM ${source}`, [path]);
    data = reader.getColumnsJS() as unknown[][];
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${firstLine(error)}`, 'check that the file is well formed');
  }
  const rows = data[0]?.length ?? 0;
  if (rows === 0) throw new InputError(`${path} has a header but no rows`, 'pass a file with at least one data row');
  const columns = described.map((d, i): RawColumn => {
    const values = data[i] ?? [];
    const kind = kinds[i]!;
    if (kind === 'string') {
      return { name: d.column_name, kind, values: values.map((v) => (v === null || v === undefined ? null : String(v))) };
    }
    return { name: d.column_name, kind, values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN)) };
  });
  return { rows, columns };
}
