import { constants } from 'node:fs';
import { copyFile, open, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import { copyToParquet, execute, firstLine, parquetLayoutProblem, queryRows, quoteIdent, quoteLiteral, readWholeParquet, type SqlParams } from '../lake/index.js';
import { readCsvHeader } from './csv-header.js';
import type { QualityRecord } from './types.js';
import { xlsxToCsv, type XlsxSheet } from './xlsx-reader.js';

export type FileFormat = 'csv' | 'parquet' | 'json' | 'ndjson' | 'xlsx';

const FORMATS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.psv': 'csv',
  '.txt': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xlsx': 'xlsx',
};

/** The format of a data file by its extension (`.gz` looked through), or undefined. */
export function fileFormat(path: string): FileFormat | undefined {
  const base = path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  return FORMATS[extname(base).toLowerCase()];
}

export const SUPPORTED_EXTENSIONS = Object.keys(FORMATS);

/** Reads one data file (one sheet of a workbook) with DuckDB and writes it as Parquet; `label` names it in messages. */
export async function fileToParquet(conn: DuckDBConnection, path: string, outPath: string, label: string, workDir: string, sheet?: XlsxSheet): Promise<QualityRecord> {
  const format = fileFormat(path);
  switch (format) {
    case 'csv':
      return csvToParquet(conn, path, outPath, label);
    case 'parquet':
      return guarded(label, 'check that it is a complete Parquet file (a truncated download fails this way); export it again', () => parquetToBronze(conn, path, outPath));
    case 'json':
    case 'ndjson':
      await guarded(label, format === 'json' ? 'check that it is JSON: an array of objects, or one object per line' : 'check that each line is one JSON object', () =>
        copyToParquet(conn, `SELECT * FROM read_json_auto($src${format === 'ndjson' ? ", format='newline_delimited'" : ''})`, { src: path }, outPath),
      );
      return { format, notes: [] };
    case 'xlsx': {
      const read = await xlsxToCsv(path, join(workDir, 'sheet.csv'), label, sheet);
      const quality = await csvToParquet(conn, read.csvPath, outPath, label, { delim: ',' });
      return { ...quality, format: 'xlsx', sheet: read.sheetName, notes: [...read.notes, ...quality.notes] };
    }
    default:
      throw new InputError(`${label}: unknown kind of data file`, `use ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
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

/** How one attempt at reading a CSV is configured; each retry widens one setting after a specific failure. */
interface CsvAttempt {
  latin1: boolean;
  longLines: boolean;
  serial: boolean;
  fullSample: boolean;
  allText: boolean;
  skipBadRows: boolean;
  decimalComma: boolean;
}

const LONG_LINE_BYTES = 256 * 1024 * 1024;
/** DuckDB's default max_line_size */
const DEFAULT_LINE_BYTES = 2 * 1024 * 1024;
/** how much of a file `hasLongLine` looks at */
const LONG_LINE_PROBE_BYTES = 32 * 1024 * 1024;

/** Whether the first 32 MB hold a line longer than DuckDB's default limit (a line it would fail on). */
async function hasLongLine(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    let run = 0;
    for (let offset = 0; offset < LONG_LINE_PROBE_BYTES; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead === 0) return false;
      let start = 0;
      for (let nl = chunk.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = chunk.indexOf(10, nl + 1)) {
        if (run + (nl - start) > DEFAULT_LINE_BYTES) return true;
        run = 0;
        start = nl + 1;
      }
      run += bytesRead - start;
      if (run > DEFAULT_LINE_BYTES) return true;
      offset += bytesRead;
    }
    return false;
  } finally {
    await handle.close();
  }
}
let rejectCounter = 0;

/**
 * CSV with DuckDB's sniffer (delimiter, quoting, header, types). Rows shorter than the header are
 * padded with NULL. A failure that a setting can fix is retried with that setting, and the quality
 * record says so: Latin-1 text, lines over 2 MB, quoted newlines with ragged rows (serial reader),
 * values that do not fit the type sniffed from a sample (whole-file sniff, then text), and at last
 * malformed rows (skipped, counted, their line numbers kept).
 */
async function csvToParquet(conn: DuckDBConnection, path: string, outPath: string, label: string, fixed: { delim?: string } = {}): Promise<QualityRecord> {
  // DuckDB takes seconds to fail on a long line (it quotes it in the error), so look for one up front
  const longLines = await hasLongLine(path);
  const attempt: CsvAttempt = { latin1: false, longLines, serial: false, fullSample: false, allText: false, skipBadRows: false, decimalComma: false };
  const notes: string[] = longLines ? ['lines over 2 MB: read with a larger line limit'] : [];
  // the dialect is sniffed again only when a retry changed how the bytes are read
  let dialect: { key: string; found: Promise<Dialect> } | undefined;
  const dialectNow = (): Promise<Dialect> => {
    const key = `${attempt.latin1}/${attempt.longLines}`;
    if (dialect?.key !== key) dialect = { key, found: sniff(conn, path, attempt, fixed) };
    return dialect.found;
  };
  // "1,5" in a file delimited by ';' (or tabs) is a number written the European way: told from the
  // first rows before the whole file is converted (so it is converted once), or — when those rows
  // cannot be read as they are — from the first rows of the converted file
  const noteDecimalCommas = (columns: readonly string[]) => {
    attempt.decimalComma = true;
    notes.push(`decimal commas read as numbers in ${columns.join(', ')}`);
  };
  let decimalsChecked = false;
  if ((await dialectNow()).delimiter !== ',') {
    const columns = await decimalCommaColumns(conn, readCsvCall(attempt, 'unused', fixed), { src: path }).catch(() => undefined);
    if (columns !== undefined) {
      decimalsChecked = true;
      if (columns.length > 0) noteDecimalCommas(columns);
    }
  }
  for (let round = 0; round < 8; round++) {
    const rejects = `autolab_rejects_${process.pid}_${rejectCounter++}`;
    const call = readCsvCall(attempt, rejects, fixed);
    try {
      // every attempt writes a new file (a reader following the output can tell them apart)
      await rm(outPath, { force: true });
      await copyToParquet(conn, `SELECT * FROM ${call}`, { src: path }, outPath);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const change = nextAttempt(attempt, message);
      if (!change) throw new InputError(`cannot read ${label}: ${csvProblem(message)}`, 'check that it is a delimited text file; fix or remove the line named', { cause: error });
      notes.push(change);
      continue;
    }
    const sniffed = await dialectNow();
    if (!decimalsChecked && !attempt.decimalComma && !attempt.allText && sniffed.delimiter !== ',') {
      decimalsChecked = true;
      const columns = await decimalCommaColumns(conn, 'read_parquet($p)', { p: outPath });
      if (columns.length > 0) {
        noteDecimalCommas(columns);
        await dropRejects(conn, rejects);
        continue;
      }
    }
    const quality: Record<string, unknown> = { format: 'csv', encoding: attempt.latin1 ? 'latin-1' : 'utf-8' };
    if (attempt.decimalComma) quality['decimalSeparator'] = ',';
    if (attempt.skipBadRows) {
      const skipped = await rejectSummary(conn, rejects);
      if (skipped.count > 0) {
        quality['skippedRows'] = skipped;
        notes.push(`${skipped.count} malformed row(s) skipped (lines ${skipped.lines.join(', ')}${skipped.count > skipped.lines.length ? ', …' : ''})`);
      }
    }
    quality['delimiter'] = sniffed.delimiter;
    quality['header'] = sniffed.header;
    if (sniffed.delimiter !== ',') notes.push(`delimiter ${JSON.stringify(sniffed.delimiter)} sniffed`);
    if (sniffed.header) {
      const { renamed, extra } = await renamedColumns(conn, path, outPath, sniffed.delimiter, attempt.latin1);
      if (renamed.length) {
        quality['renamedColumns'] = renamed;
        notes.push(`column names made unique or filled in: ${renamed.map((r) => `${JSON.stringify(r.from)}→${r.to}`).join(', ')}`);
      }
      if (extra.length) {
        quality['extraColumns'] = extra;
        notes.push(`ragged rows: some have more fields than the header, kept in ${extra.join(', ')}; short rows padded with NULL`);
      } else if (sniffed.shortRows) {
        quality['shortRows'] = true;
        notes.push('ragged rows: some have fewer fields than the header, padded with NULL');
      }
    }
    return { ...quality, format: 'csv', notes } as QualityRecord;
  }
  throw new InputError(`cannot read ${label}: too many problems at once`, 'check that it is a delimited text file');
}

function readCsvCall(a: CsvAttempt, rejects: string, fixed: { delim?: string }): string {
  // no BOOLEAN candidate: DuckDB's sniffer reads Yes/No, Y/N and T/F as booleans, and bronze keeps
  // the text as written (exploration still sees such a column as boolean)
  const opts = ['null_padding=true', "auto_type_candidates=['BIGINT','DOUBLE','TIME','DATE','TIMESTAMP','VARCHAR']"];
  if (fixed.delim !== undefined) opts.push(`delim=${quoteLiteral(fixed.delim)}`, `quote='"'`, `escape='"'`, 'header=true');
  if (a.latin1) opts.push("encoding='latin-1'");
  if (a.longLines) opts.push(`max_line_size=${LONG_LINE_BYTES}`, `buffer_size=${2 * LONG_LINE_BYTES}`);
  if (a.serial) opts.push('parallel=false');
  if (a.fullSample) opts.push('sample_size=-1');
  if (a.allText) opts.push('all_varchar=true');
  if (a.decimalComma) opts.push("decimal_separator=','");
  if (a.skipBadRows) opts.push('store_rejects=true', `rejects_table=${quoteLiteral(rejects)}`, `rejects_scan=${quoteLiteral(rejects + '_scan')}`);
  return `read_csv($src, ${opts.join(', ')})`;
}

/** The setting that fixes this failure (changed in place) and a note saying so; undefined when none does. */
function nextAttempt(a: CsvAttempt, message: string): string | undefined {
  if (!a.latin1 && /Invalid unicode|not utf-8 encoded/i.test(message)) {
    a.latin1 = true;
    return 'not UTF-8: read as Latin-1';
  }
  if (!a.longLines && /Maximum line size/i.test(message)) {
    a.longLines = true;
    return 'lines over 2 MB: read with a larger line limit';
  }
  if (!a.serial && /null_padding in conjunction with quoted new lines/i.test(message)) {
    a.serial = true;
    return 'quoted newlines with short rows: read serially';
  }
  if (/Could not convert|Conversion Error/i.test(message)) {
    if (!a.fullSample) {
      a.fullSample = true;
      return 'a value did not fit the type sniffed from a sample: types sniffed from the whole file';
    }
    if (!a.allText) {
      a.allText = true;
      return 'values still did not fit their sniffed types: every column read as text';
    }
  }
  if (!a.skipBadRows && /CSV Error on Line/i.test(message)) {
    a.skipBadRows = true;
    return 'malformed rows found: read again skipping them';
  }
  return undefined;
}

/** "CSV Error on Line: 3 … Expected Number of Columns: 3 Found: 4" → one short line. */
function csvProblem(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const where = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const what = lines.find((l) => !/^(Original Line|Possible Solution|CSV Error|file =|delimiter|quote|escape|new_line|header|skip|comments|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar|\*)/i.test(l) && !l.startsWith('Invalid Input Error: CSV Error'));
  return `${where ? `line ${where}: ` : ''}${(what ?? lines[0] ?? message).replace(/^(Invalid Input Error|Conversion Error|Parameter Not Allowed Error|IO Error): /, '')}`;
}

async function rejectSummary(conn: DuckDBConnection, rejects: string): Promise<{ count: number; lines: number[]; reasons: string[] }> {
  const table = `"${rejects}"`;
  const [countRow] = await queryRows(conn, `SELECT count(*) FROM ${table}`);
  const lines = await queryRows(conn, `SELECT line FROM ${table} ORDER BY line LIMIT 5`);
  const reasons = await queryRows(conn, `SELECT DISTINCT error_type FROM ${table} ORDER BY 1`);
  await dropRejects(conn, rejects);
  return { count: Number(countRow?.[0] ?? 0), lines: lines.map((r) => Number(r[0])), reasons: reasons.map((r) => String(r[0])) };
}

async function dropRejects(conn: DuckDBConnection, rejects: string): Promise<void> {
  await execute(conn, `DROP TABLE IF EXISTS "${rejects}"`);
  await execute(conn, `DROP TABLE IF EXISTS "${rejects}_scan"`);
}

/** Rows looked at for decimal commas. */
const DECIMAL_SAMPLE_ROWS = 20_000;

/**
 * Text columns of a table (`relation`: a read_csv or read_parquet call) whose sampled values are
 * all numbers with a decimal comma (or whole numbers), at least one with a comma: "1,5", "-0,75",
 * "22". None when some column was read as decimals with points: reading with a comma would turn
 * that one into text.
 */
async function decimalCommaColumns(conn: DuckDBConnection, relation: string, params: SqlParams): Promise<string[]> {
  const described = await queryRows(conn, `DESCRIBE SELECT * FROM ${relation}`, params);
  if (described.some((r) => r[1] === 'DOUBLE')) return [];
  const text = described.filter((r) => r[1] === 'VARCHAR').map((r) => String(r[0]));
  if (text.length === 0) return [];
  const checks = text.map((_, i) => `count(c${i}) > 0 AND count(c${i}) = count(*) FILTER (WHERE regexp_full_match(c${i}, '[+-]?[0-9]+(,[0-9]+)?')) AND bool_or(contains(c${i}, ','))`);
  const columns = text.map((name, i) => `${quoteIdent(name)} AS c${i}`);
  const [row] = await queryRows(conn, `SELECT ${checks.join(', ')} FROM (SELECT ${columns.join(', ')} FROM ${relation} LIMIT ${DECIMAL_SAMPLE_ROWS})`, params);
  return text.filter((_, i) => row?.[i] === true);
}

/**
 * The dialect DuckDB settled on, from a second, cheap look at the first rows. Sniffing them once
 * more without NULL padding tells whether some rows are short: the strict sniffer then finds another
 * dialect or width.
 */
interface Dialect {
  readonly delimiter: string;
  readonly header: boolean;
  readonly shortRows: boolean;
}

async function sniff(conn: DuckDBConnection, path: string, a: CsvAttempt, fixed: { delim?: string }): Promise<Dialect> {
  if (fixed.delim !== undefined) return { delimiter: fixed.delim, header: true, shortRows: false };
  const opts = ['sample_size=2048'];
  if (a.latin1) opts.push("encoding='latin-1'");
  if (a.longLines) opts.push(`max_line_size=${LONG_LINE_BYTES}`, `buffer_size=${2 * LONG_LINE_BYTES}`);
  const look = async (padded: boolean) => {
    const [row] = await queryRows(conn, `SELECT Delimiter, HasHeader, len(Columns) FROM sniff_csv($src, ${[...opts, `null_padding=${padded}`].join(', ')})`, { src: path });
    return { delimiter: String(row?.[0] ?? ','), header: row?.[1] === true, width: Number(row?.[2] ?? 0) };
  };
  try {
    const padded = await look(true);
    const strict = await look(false).catch(() => undefined);
    const shortRows = strict !== undefined && (strict.delimiter !== padded.delimiter || strict.width !== padded.width);
    return { delimiter: padded.delimiter, header: padded.header, shortRows };
  } catch {
    return { delimiter: ',', header: true, shortRows: false };
  }
}

/** Columns DuckDB named differently from the header as written, and columns beyond the header (ragged rows). */
async function renamedColumns(
  conn: DuckDBConnection,
  path: string,
  parquetPath: string,
  delimiter: string,
  latin1: boolean,
): Promise<{ renamed: { from: string; to: string }[]; extra: string[] }> {
  const written = await readCsvHeader(path, delimiter, latin1 ? 'latin1' : 'utf8');
  const columns = (await queryRows(conn, 'SELECT name FROM parquet_schema($p) WHERE num_children IS NULL OR num_children = 0', { p: parquetPath })).map((r) => String(r[0]));
  return {
    renamed: columns
      .slice(0, written.length)
      .map((to, i) => ({ from: written[i] ?? '', to }))
      .filter((r) => r.from !== r.to),
    extra: columns.slice(written.length),
  };
}
