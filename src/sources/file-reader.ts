import { constants } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import { copyToParquet, firstLine, parquetLayoutProblem, readWholeParquet } from '../lake/index.js';
import { readCsv } from './csv-reader.js';
import { checkJsonComplete } from './file-checks.js';
import { fileFormat, SUPPORTED_EXTENSIONS } from './file-format.js';
import { writeToTarget, type ReadTarget } from './read-target.js';
import type { QualityRecord } from './types.js';
import type { XlsxSheet } from './xlsx-reader.js';


export interface ReadFileOptions {
  /** names the file in messages */
  readonly label: string;
  /** a scratch folder of this read: a workbook's sheet as CSV, a repaired copy of a CSV */
  readonly workDir: string;
  /** the worksheet of a workbook (default: the first) */
  readonly sheet?: XlsxSheet;
  /** columns read as exact text whatever they look like (CSV and workbooks: "007" stays "007") */
  readonly textColumns?: readonly string[];
  /** columns the caller expects (a model's inputs): a CSV whose header names them all is read without a search over dialects */
  readonly expectedColumns?: readonly string[];
  /** DuckDB types of expected columns: a CSV whose header names them all is read with them, without a type sniff (see `CsvSettings`) */
  readonly expectedTypes?: Readonly<Record<string, string>>;
}

/**
 * Reads one data file (one sheet of a workbook) with DuckDB into a target: ingest's bronze Parquet,
 * or the rows of a Frame. The one reader of data files: every dialect decision and repair
 * (encoding, delimiter, decimal commas, quoting, header, ragged and malformed rows) is made here.
 */
export async function readDataFile(conn: DuckDBConnection, path: string, target: ReadTarget, options: ReadFileOptions): Promise<QualityRecord> {
  const { label, workDir } = options;
  const format = fileFormat(path);
  const csvSettings = {
    ...(options.textColumns ? { textColumns: options.textColumns } : {}),
    ...(options.expectedColumns ? { expectedColumns: options.expectedColumns } : {}),
    ...(options.expectedTypes ? { expectedTypes: options.expectedTypes } : {}),
  };
  switch (format) {
    case 'csv':
      return readCsv(conn, path, target, label, workDir, csvSettings);
    case 'parquet':
      return guarded(label, 'check that it is a complete Parquet file (a truncated download fails this way); export it again', async () => {
        if (target.kind === 'parquet') return parquetToBronze(conn, path, target.path);
        await writeToTarget(conn, target, { sql: 'read_parquet($src)', params: { src: path } });
        return { format, notes: [] };
      });
    case 'json':
    case 'ndjson':
      await checkJsonComplete(path, label);
      await guarded(label, format === 'json' ? 'check that it is JSON: an array of objects, or one object per line' : 'check that each line is one JSON object', () =>
        writeToTarget(conn, target, { sql: `read_json_auto($src${format === 'ndjson' ? ", format='newline_delimited'" : ''})`, params: { src: path } }),
      );
      return { format, notes: [] };
    case 'xlsx': {
      // exceljs is large: loaded only for workbooks, so that every other command starts fast
      const { xlsxToCsv } = await import('./xlsx-reader.js');
      const read = await xlsxToCsv(path, join(workDir, 'sheet.csv'), label, options.sheet);
      const quality = await readCsv(conn, read.csvPath, target, label, workDir, { ...csvSettings, delim: ',' });
      return { ...quality, format: 'xlsx', sheet: read.sheetName, notes: [...read.notes, ...quality.notes] };
    }
    default:
      throw new InputError(`${label}: unknown kind of data file`, `use ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
}

/** Reads one data file (one sheet of a workbook) and writes it as Parquet for bronze (see `readDataFile`). */
export async function fileToParquet(conn: DuckDBConnection, path: string, outPath: string, label: string, workDir: string, sheet?: XlsxSheet): Promise<QualityRecord> {
  return readDataFile(conn, path, { kind: 'parquet', path: outPath }, { label, workDir, ...(sheet ? { sheet } : {}) });
}

/**
 * A Parquet file is already what bronze holds: one whose layout serves the lake is kept byte for
 * byte (copied, then read whole so that a damaged page fails here); any other is rewritten by
 * DuckDB. The copy is checked rather than the input, so the bytes checked are the bytes kept.
 */
async function parquetToBronze(conn: DuckDBConnection, path: string, outPath: string): Promise<QualityRecord> {
  try {
    await copyFile(path, outPath, constants.COPYFILE_FICLONE);
    const problem = await parquetLayoutProblem(conn, outPath);
    if (problem === undefined) {
      await readWholeParquet(conn, outPath);
      return { format: 'parquet', notes: [], layout: 'kept as is' };
    }
    // a new file, not the copy overwritten (a reader following the output can tell them apart)
    await rm(outPath, { force: true });
    await copyToParquet(conn, 'SELECT * FROM read_parquet($src)', { src: path }, outPath);
    return { format: 'parquet', notes: [], layout: `rewritten: ${problem}` };
  } catch (error) {
    // errors name the file read: the copy in the work folder, which means nothing to the user
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.replaceAll(outPath, path), { cause: error });
  }
}

async function guarded<T>(label: string, hint: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw new InputError(`cannot read ${label}: ${firstLine(error)}`, hint, { cause: error });
  }
}
