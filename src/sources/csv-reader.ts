import { mkdtemp, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import { queryRows, quoteIdent, quoteLiteral, type ColumnSchema } from '../lake/index.js';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { scanUtf8, utf16Bom, writeUtf16AsUtf8, writeUtf8Repaired } from './csv-encoding.js';
import { headOfFile, isGzipped, readCsvHeader, readFirstRecords, readHead, splitRecords } from './csv-header.js';
import { countLineEndings, mixedLineEndings, writeLfLineEndings } from './csv-line-endings.js';
import { plainCommaColumns } from './csv-plain-head.js';
import { keepWellQuotedRows, quotesFields } from './csv-quoting.js';
import { dropRejects, linesText, rejectOptions, rejectSummary, rejectsTableName } from './csv-rejects.js';
import { columnsOption, strictRead } from './csv-strict-types.js';
import { writeToTarget, writtenRows, type ReadTarget, type Relation } from './read-target.js';
import type { QualityRecord } from './types.js';

/** Settings a caller fixes instead of the sniffer (a CSV the lab wrote itself), and columns kept as text. */
export interface CsvSettings {
  readonly delim?: string;
  /** columns read as exact text whatever they look like ("007" stays "007"); names the file lacks are ignored */
  readonly textColumns?: readonly string[];
  /** columns the caller expects (a model's inputs): a header naming them all on a usual delimiter settles the dialect without a search */
  readonly expectedColumns?: readonly string[];
  /**
   * DuckDB types of expected columns (a model's numeric inputs as DOUBLE, its text as VARCHAR): a
   * comma-delimited file whose header names every expected column, each once, is read with these
   * types and its other columns as text, without DuckDB's type sniff; a read that fails so (a value
   * that does not fit) is done again as if no types were given, with the same result and notes.
   * (A number the sniffer would not type as one, "007" or "+5" past its sample, is read as the
   * number it writes, as a model's numeric input wants it; the sniffer's read makes its column text.)
   */
  readonly expectedTypes?: Readonly<Record<string, string>>;
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
  /** the caller's `expectedTypes` are still tried (they are dropped, without a note, when a read with them fails) */
  givenTypes: boolean;
}

const LONG_LINE_BYTES = 256 * 1024 * 1024;
/** DuckDB's default max_line_size */
const DEFAULT_LINE_BYTES = 2 * 1024 * 1024;
/** how much of a file `hasLongLine` looks at */
const LONG_LINE_PROBE_BYTES = 32 * 1024 * 1024;

/** how much `hasLongLine` reads at a time: at most DEFAULT_LINE_BYTES, so that a longer line spans a whole chunk */
const LONG_LINE_CHUNK_BYTES = 1 << 20;

/**
 * Whether the first 32 MB hold a line longer than DuckDB's default limit (a line it would fail on).
 * A chunk is shorter than the limit, so a line within one cannot be too long: only the gap from the
 * last newline of what was read to the first one of the next chunk is measured (two searches per
 * megabyte instead of one per line).
 */
export async function hasLongLine(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(LONG_LINE_CHUNK_BYTES);
    // where the current line starts, counted from the start of the file
    let lineStart = 0;
    for (let offset = 0; offset < LONG_LINE_PROBE_BYTES; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
      if (bytesRead === 0) return false;
      const read = chunk.subarray(0, bytesRead);
      const first = read.indexOf(10);
      if (offset + (first === -1 ? bytesRead : first) - lineStart > DEFAULT_LINE_BYTES) return true;
      if (first !== -1) lineStart = offset + read.lastIndexOf(10) + 1;
      offset += bytesRead;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * CSV with DuckDB's sniffer (delimiter, quoting, header, types) into a target. Rows shorter than
 * the header are padded with NULL. A failure that a setting can fix is retried with that setting,
 * and the quality record says so: text not all UTF-8 (a few stray bytes: repaired per byte; else
 * Latin-1), lines over 2 MB, quoted newlines with ragged rows (serial reader), values that do not
 * fit the type sniffed from a sample or that its lenient cast would change, "2.5" in a BIGINT
 * column (whole-file sniff, then text), and at last malformed rows
 * (skipped, counted, their line numbers kept). A quote that never closes in the sniffer's sample
 * does not turn quoting off for the whole file: its row is skipped and named instead.
 * A folder of its own in `workDir` holds the file's head and repaired copies (a file named like
 * one of them, downloaded into `workDir`, is not overwritten).
 */
export async function readCsv(conn: DuckDBConnection, path: string, target: ReadTarget, label: string, workDir: string, fixed: CsvSettings = {}): Promise<QualityRecord> {
  const scratch = await mkdtemp(join(workDir, 'csv-'));
  // the file DuckDB reads: the input, or a repaired copy of it in the scratch folder
  let source = path;
  const notes: string[] = [];
  const quality: Record<string, unknown> = {};
  // DuckDB reads UTF-8 (or Latin-1) only: a UTF-16 file, told by its byte order mark, is read from a UTF-8 copy
  const utf16 = utf16Bom(await readHead(path, 4));
  if (utf16 !== undefined) {
    source = join(scratch, 'utf16.csv');
    const bytes = createReadStream(path);
    await writeUtf16AsUtf8(isGzipped(path) ? bytes.pipe(createGunzip()) : bytes, utf16, source);
    notes.push(`${utf16.toUpperCase()} text: read as UTF-8`);
  }
  // DuckDB takes seconds to fail on a long line (it quotes it in the error), so look for one up front
  const longLines = await hasLongLine(source);
  const attempt: CsvAttempt = { latin1: false, longLines, serial: false, fullSample: false, allText: false, skipBadRows: false, decimalComma: false, givenTypes: fixed.expectedTypes !== undefined };
  if (longLines) notes.push('lines over 2 MB: read with a larger line limit');
  // the dialect is sniffed again only when a retry changed how the bytes are read
  let dialect: { key: string; found: Promise<Dialect> } | undefined;
  const dialectNow = (): Promise<Dialect> => {
    const key = JSON.stringify([source, attempt.latin1, attempt.longLines, attempt.fullSample, attempt.allText, attempt.decimalComma, attempt.givenTypes]);
    if (dialect?.key !== key) dialect = { key, found: sniff(conn, source, attempt, fixed, scratch) };
    return dialect.found;
  };
  const first = await dialectNow();
  if (first.quote === '' && fixed.delim === undefined && (await quotesFields(source, first.delimiter))) {
    const cleaned = join(scratch, 'quoted.csv');
    const skipped = await keepWellQuotedRows(conn, source, cleaned, first, encodingOptions(attempt));
    if (skipped !== undefined) {
      source = cleaned;
      quality['skippedRows'] = skipped;
      notes.push(`a quote that never closes: ${skipped.count} row(s) skipped (${linesText(skipped)}); the other rows read with "-quoted fields`);
    }
  }
  // "1,5" in a file delimited by ';' (or tabs) is a number written the European way: told from the
  // first rows before the whole file is converted (so it is converted once), or — when those rows
  // cannot be read as they are — from the first rows of what was written
  const noteDecimalCommas = (columns: readonly string[]) => {
    attempt.decimalComma = true;
    notes.push(`decimal commas read as numbers in ${columns.join(', ')}`);
  };
  let decimalsChecked = false;
  if ((await dialectNow()).delimiter !== ',') {
    const columns = await decimalCommaColumns(conn, { sql: readCsvCall(attempt, await dialectNow(), 'unused'), params: { src: source } }).catch(() => undefined);
    if (columns !== undefined) {
      decimalsChecked = true;
      if (columns.length > 0) noteDecimalCommas(columns);
    }
  }
  let utf8Checked = false;
  let lineEndsChecked = false;
  for (let round = 0; round < 9; round++) {
    const rejects = rejectsTableName();
    const dialectRead = await dialectNow();
    const read = readRelation(attempt, dialectRead, rejects, source);
    try {
      await writeToTarget(conn, target, read);
    } catch (error) {
      if (attempt.givenTypes) {
        // the caller's types did not fit this file: it is read as it would be without them
        attempt.givenTypes = false;
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      // (a gzipped file's bytes cannot be looked at one by one here: it is read as Latin-1, as before)
      if (!utf8Checked && !attempt.latin1 && !isGzipped(source) && INVALID_UTF8.test(message)) {
        // one stray byte must not make every "Zürich" of a UTF-8 file "ZÃ¼rich": look at every byte first
        utf8Checked = true;
        const scan = await scanUtf8(source);
        const where = scan.lines.length > 0 ? ` (line${scan.lines.length > 1 ? 's' : ''} ${scan.lines.join(', ')}${scan.invalidBytes > scan.lines.length ? ', …' : ''})` : '';
        if (scan.invalidBytes > 0 && scan.multibyte >= scan.invalidBytes) {
          const repaired = join(scratch, 'utf8.csv');
          await writeUtf8Repaired(source, repaired);
          source = repaired;
          quality['invalidUtf8'] = { bytes: scan.invalidBytes, lines: scan.lines };
          notes.push(`not all UTF-8: ${scan.invalidBytes} byte(s) outside UTF-8${where} decoded as Latin-1, the rest read as UTF-8`);
        } else {
          attempt.latin1 = true;
          notes.push(`not UTF-8: read as Latin-1${where}`);
        }
        continue;
      }
      if (!lineEndsChecked && !isGzipped(source) && LINE_ENDS_FAILURE.test(message)) {
        // CRLF and LF lines in one file (two editors, or files joined): DuckDB's sniffer wants one kind
        lineEndsChecked = true;
        const ends = await countLineEndings(source);
        if (mixedLineEndings(ends)) {
          const unified = join(scratch, 'lf.csv');
          await writeLfLineEndings(source, unified);
          source = unified;
          const kinds = (['crlf', 'lf', 'cr'] as const).filter((k) => ends[k] > 0).map((k) => `${ends[k]} ${k.toUpperCase()}`);
          notes.push(`mixed line endings (${kinds.join(', ')}): read as one kind`);
          continue;
        }
      }
      const change = nextAttempt(attempt, message);
      if (!change) {
        const problem = csvProblem(message);
        // the hint points at a line only when the reader named one
        const hint = problem.startsWith('line ') ? 'fix or remove that line' : 'check that it is a delimited text file (comma, semicolon, tab or pipe) in UTF-8 or Latin-1';
        throw new InputError(`cannot read ${label}: ${problem}`, hint, { cause: error });
      }
      notes.push(change);
      continue;
    }
    const sniffed = await dialectNow();
    if (!decimalsChecked && !attempt.decimalComma && !attempt.allText && sniffed.delimiter !== ',') {
      decimalsChecked = true;
      const columns = await decimalCommaColumns(conn, writtenRows(target, read));
      if (columns.length > 0) {
        noteDecimalCommas(columns);
        await dropRejects(conn, rejects);
        continue;
      }
    }
    quality['encoding'] = utf16 ?? (attempt.latin1 ? 'latin-1' : 'utf-8');
    if (attempt.decimalComma) quality['decimalSeparator'] = ',';
    if (attempt.skipBadRows) {
      const skipped = await rejectSummary(conn, rejects);
      if (skipped.count > 0) {
        quality['skippedRows'] = skipped;
        notes.push(`${skipped.count} malformed row(s) skipped (${linesText(skipped)})`);
      }
    }
    quality['delimiter'] = sniffed.delimiter;
    quality['header'] = sniffed.header;
    if (sniffed.delimiter !== ',') notes.push(`delimiter ${JSON.stringify(sniffed.delimiter)} sniffed`);
    if (sniffed.header) {
      const header = sniffed.firstRecord ?? (await readCsvHeader(source, sniffed.delimiter, attempt.latin1 ? 'latin1' : 'utf8'));
      // columns given by name are the header's own, and a longer row fails such a read: nothing to look up
      const { renamed, extra } = sniffed.columnsGiven ? { renamed: [], extra: [] } : renamedColumns(header, sniffed.columns?.map((c) => c.name) ?? (await describedColumns(conn, writtenRows(target, read))));
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

const INVALID_UTF8 = /Invalid unicode|not utf-8 encoded/i;
/** How DuckDB fails on mixed line ends: in the sniffer's sample, or (mixed beyond it) reading with the kind it sniffed */
const LINE_ENDS_FAILURE = /Error when sniffing file|state machine reached an invalid state/;

function encodingOptions(a: CsvAttempt): string[] {
  return a.latin1 ? ["encoding='latin-1'"] : [];
}

function lineOptions(a: CsvAttempt): string[] {
  return a.longLines ? [`max_line_size=${LONG_LINE_BYTES}`, `buffer_size=${2 * LONG_LINE_BYTES}`] : [];
}

/**
 * The options that decide how the bytes are read and typed, for the sniffer and for a read that
 * sniffs for itself. No BOOLEAN candidate: DuckDB's sniffer reads Yes/No, Y/N and T/F as
 * booleans, and bronze keeps the text as written (exploration still sees such a column as boolean).
 */
function sniffOptions(a: CsvAttempt, fixed: CsvSettings, textColumns: readonly string[]): string[] {
  const opts = ['null_padding=true', "auto_type_candidates=['BIGINT','DOUBLE','TIME','DATE','TIMESTAMP','VARCHAR']"];
  if (fixed.delim !== undefined) opts.push(`delim=${quoteLiteral(fixed.delim)}`, `quote='"'`, `escape='"'`, 'header=true');
  opts.push(...encodingOptions(a), ...lineOptions(a));
  if (a.fullSample) opts.push('sample_size=-1');
  if (a.allText) opts.push('all_varchar=true');
  if (a.decimalComma) opts.push("decimal_separator=','");
  if (textColumns.length > 0) opts.push(`types={${textColumns.map((c) => `${quoteLiteral(c)}: 'VARCHAR'`).join(', ')}}`);
  return opts;
}

/** The read of one attempt: with the dialect and columns the sniffer settled on (it is not sniffed again), or sniffing for itself when the sniffer failed. */
function readCsvCall(a: CsvAttempt, dialect: Dialect, rejects: string, columns?: string): string {
  // a second `columns` replaces the one in the sniffer's read: DuckDB takes the last of a named parameter
  const opts = [dialect.read, ...(columns !== undefined ? [columns] : [])];
  if (a.serial) opts.push('parallel=false');
  if (a.skipBadRows) opts.push(...rejectOptions(rejects));
  return `read_csv($src, ${opts.join(', ')})`;
}

/**
 * The read of one attempt as a relation. Columns typed from a sample (or given by the caller) whose
 * cast is lenient are read as text and cast back, failing on a value the cast would change: it
 * does not fit the type, and is retried as one that fails the scanner's cast (`strictRead`).
 * Types sniffed from the whole file need no check: the sniffer saw every value. A read that sniffs
 * for itself (the sniffer failed: the read most likely fails too) is not checked: its columns are not known here.
 */
function readRelation(a: CsvAttempt, dialect: Dialect, rejects: string, source: string): Relation {
  const params = { src: source };
  const columns = dialect.columns;
  if (columns === undefined) return { sql: readCsvCall(a, dialect, rejects), params };
  const strict = a.fullSample && dialect.columnsGiven !== true ? undefined : strictRead(columns);
  if (strict === undefined) return { sql: readCsvCall(a, dialect, rejects), params, columns };
  return { sql: `(SELECT ${strict.select} FROM ${readCsvCall(a, dialect, rejects, columnsOption(strict.readAs))} WHERE ${strict.where})`, params, columns };
}

/** The setting that fixes this failure (changed in place) and a note saying so; undefined when none does. */
function nextAttempt(a: CsvAttempt, message: string): string | undefined {
  if (!a.latin1 && INVALID_UTF8.test(message)) {
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
  const said = (what ?? lines[0] ?? message).replace(/^(Invalid Input Error|Conversion Error|Parameter Not Allowed Error|IO Error): /, '');
  // DuckDB's sniffer names the file again and nothing else
  if (/^Error when sniffing file /.test(said)) return 'its layout (delimiter, quotes, line endings) could not be worked out';
  return `${where ? `line ${where}: ` : ''}${said}`;
}

/** Rows looked at for decimal commas. */
const DECIMAL_SAMPLE_ROWS = 20_000;

/**
 * Text columns of a relation (a read_csv call, or what was written) whose sampled values are
 * all numbers with a decimal comma (or whole numbers), at least one with a comma: "1,5", "-0,75",
 * "22". None when some column was read as decimals with points: reading with a comma would turn
 * that one into text.
 */
async function decimalCommaColumns(conn: DuckDBConnection, relation: Relation): Promise<string[]> {
  const described = await queryRows(conn, `DESCRIBE SELECT * FROM ${relation.sql}`, relation.params);
  if (described.some((r) => r[1] === 'DOUBLE')) return [];
  const text = described.filter((r) => r[1] === 'VARCHAR').map((r) => String(r[0]));
  if (text.length === 0) return [];
  const checks = text.map((_, i) => `count(c${i}) > 0 AND count(c${i}) = count(*) FILTER (WHERE regexp_full_match(c${i}, '[+-]?[0-9]+(,[0-9]+)?')) AND bool_or(contains(c${i}, ','))`);
  const columns = text.map((name, i) => `${quoteIdent(name)} AS c${i}`);
  const [row] = await queryRows(conn, `SELECT ${checks.join(', ')} FROM (SELECT ${columns.join(', ')} FROM ${relation.sql} LIMIT ${DECIMAL_SAMPLE_ROWS})`, relation.params);
  return text.filter((_, i) => row?.[i] === true);
}

/**
 * The dialect and columns DuckDB settled on, sniffed once per way of reading the bytes: the read
 * then takes them as they are (`read`), since sniffing again costs as much as reading a wide
 * file. `quote` is empty when the sniffer turned quoting off; `shortRows` tells whether some of
 * the first records have fewer fields than the header.
 */
interface Dialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly header: boolean;
  readonly shortRows: boolean;
  /** the first record as written (the header, when there is one), when the first records were read */
  readonly firstRecord?: readonly string[];
  /** read_csv's options after the file: `auto_detect=false, delim=…, columns={…}, …` */
  readonly read: string;
  /** the columns are the header's names with the caller's types (`givenTypesDialect`) */
  readonly columnsGiven?: boolean;
  /** the columns as the read gives them (names, DuckDB types), when `read` names them: given types, or the sniffer's own read */
  readonly columns?: readonly ColumnSchema[];
}

/** Bytes of a file's head the dialect is sniffed from. */
const DIALECT_SAMPLE_BYTES = 256 * 1024;
/** DuckDB's own sample for types, in rows */
const DEFAULT_SAMPLE_ROWS = 20_480;
/** values the sniffer types at most, and the rows it looks at in any case */
const SAMPLE_CELLS = 2_000_000;
const MIN_SAMPLE_ROWS = 1024;

/** The dialect, also as read_csv's options (with the rows to type the columns from). */
interface Layout {
  readonly options: string[];
  readonly delimiter: string;
  readonly quote: string;
  readonly header: boolean;
  /** the header's names, when the layout was read from it (`expectedLayout`) */
  readonly names?: readonly string[];
}

/**
 * Delimiter, quote, escape, header and leading rows to skip, sniffed from the file's head (the
 * first 256 kB): DuckDB's search over dialects takes seconds on a wide file sniffed whole (1,701
 * columns, 8 MB: 2–4 s), against 0.2 s for its head. Types are then sniffed from DuckDB's 20,480
 * rows, fewer for a wide file — the sniffer's time grows with the values it looks at (1,701
 * columns × 6,552 rows: 1 s), and a value that does not fit a type sniffed from fewer rows is
 * caught by the read and retried with types from the whole file. Undefined when the sniffer fails
 * (the read then sniffs for itself, and its error says more).
 */
async function sniffLayout(conn: DuckDBConnection, path: string, a: CsvAttempt, workDir: string): Promise<Layout | undefined> {
  // a line over 2 MB does not fit the head: the whole file is sniffed, as DuckDB would
  const head = a.longLines ? path : await headOfFile(path, join(workDir, 'head.csv'), DIALECT_SAMPLE_BYTES);
  const opts = ['null_padding=true', ...encodingOptions(a), ...lineOptions(a)];
  try {
    const [row] = await queryRows(conn, `SELECT Delimiter, Quote, Escape, HasHeader, SkipRows, len(Columns) FROM sniff_csv($src, ${opts.join(', ')})`, { src: head });
    const text = (value: unknown) => (value === '(empty)' || value === null || value === undefined ? '' : String(value));
    const delimiter = text(row?.[0]) || ',';
    const quote = text(row?.[1]);
    const header = row?.[3] === true;
    const options = [`delim=${quoteLiteral(delimiter)}`, `quote=${quoteLiteral(quote)}`, `escape=${quoteLiteral(text(row?.[2]))}`, `header=${header}`];
    // skip=0 given makes DuckDB's sniffer take the whole line as one column: only a real skip is passed
    const skip = Number(row?.[4] ?? 0);
    if (skip > 0) options.push(`skip=${skip}`);
    options.push(...sampleOptions(a, Number(row?.[5] ?? 1)));
    return { options, delimiter, quote, header };
  } catch {
    return undefined;
  }
}

/** Rows the types are sniffed from: DuckDB's 20,480, fewer for a wide file (see `sniffLayout`). */
function sampleOptions(a: CsvAttempt, columns: number): string[] {
  const sampleRows = Math.max(MIN_SAMPLE_ROWS, Math.min(DEFAULT_SAMPLE_ROWS, Math.floor(SAMPLE_CELLS / Math.max(1, columns))));
  return sampleRows < DEFAULT_SAMPLE_ROWS && !a.fullSample ? [`sample_size=${sampleRows}`] : [];
}

/**
 * The layout of a plainly comma-delimited file (`plainCommaColumns`): what DuckDB's search over
 * dialects finds in its head — `,`, no quote, no escape, a header, nothing skipped — without the
 * search (0.2 s on a file of 1,701 columns, a tenth of training's time before its first
 * candidate). Undefined for any other file: the sniffer decides.
 */
async function plainLayout(path: string, a: CsvAttempt): Promise<Layout | undefined> {
  const columns = await plainCommaColumns(path, DIALECT_SAMPLE_BYTES);
  if (columns === undefined) return undefined;
  return { options: [`delim=','`, `quote=''`, `escape=''`, 'header=true', ...sampleOptions(a, columns)], delimiter: ',', quote: '', header: true };
}

/** Bytes of a file's head its first line (the header) is looked for in, against the columns a caller expects. */
const HEADER_BYTES = 256 * 1024;
const DELIMITERS = [',', ';', '\t', '|'];

/**
 * The layout of a CSV whose first line, split on one of the usual delimiters, names every column
 * the caller expects (a model's inputs): that delimiter with the standard quote and escape, and a
 * header — what the sniffer finds in such a file, without its search over dialects (0.2 s on a
 * file of 1,701 columns, where the whole prediction of 2,000 rows takes a second). Undefined when
 * no delimiter names them all: the sniffer decides.
 */
async function expectedLayout(path: string, a: CsvAttempt, expected: readonly string[]): Promise<Layout | undefined> {
  if (expected.length === 0) return undefined;
  const head = await readHead(path, HEADER_BYTES);
  const end = head.indexOf(10);
  if (end < 0) return undefined;
  let line = head.subarray(0, end).toString(a.latin1 ? 'latin1' : 'utf8');
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  for (const delimiter of DELIMITERS) {
    const header = splitRecords(line.replace(/\r$/, ''), delimiter)[0] ?? [];
    const names = new Set(header);
    if (names.size < 2 || !expected.every((name) => names.has(name))) continue;
    const options = [`delim=${quoteLiteral(delimiter)}`, `quote='"'`, `escape='"'`, 'header=true', ...sampleOptions(a, names.size)];
    return { options, delimiter, quote: '"', header: true, names: header };
  }
  return undefined;
}

/**
 * The read of a comma-delimited file whose header names every column the caller gave a type:
 * those types, text for the other columns, the header's names as written — what the sniffer would
 * settle on for values that fit those types, without its type sniff (a fixed 0.27 s on 1,701
 * columns). Undefined when the header repeats or leaves out a name (DuckDB renames those), or its
 * delimiter is not a comma (a `;` file may hold decimal commas, which the sniffer's read looks for).
 */
async function givenTypesDialect(path: string, a: CsvAttempt, layout: Layout, types: Readonly<Record<string, string>>, encoding: 'utf8' | 'latin1'): Promise<Dialect | undefined> {
  const names = layout.names;
  if (names === undefined || layout.delimiter !== ',' || new Set(names).size !== names.length || names.some((n) => n === '')) return undefined;
  const columns = names.map((name) => ({ name, type: Object.hasOwn(types, name) ? types[name]! : 'VARCHAR' }));
  const read = ['auto_detect=false', `delim=','`, `quote='"'`, `escape='"'`, 'header=true', 'null_padding=true', ...encodingOptions(a), columnsOption(columns)].join(', ');
  const { header, shortRows } = await readFirstRecords(path, ',', encoding);
  return { delimiter: ',', quote: '"', header: true, shortRows, ...(header !== undefined ? { firstRecord: header } : {}), read, columnsGiven: true, columns };
}

async function sniff(conn: DuckDBConnection, path: string, a: CsvAttempt, fixed: CsvSettings, workDir: string): Promise<Dialect> {
  // the head is looked at as text (UTF-8) only where the search would read its whole lines
  const fromHead = async () => (a.longLines ? undefined : ((await expectedLayout(path, a, fixed.expectedColumns ?? [])) ?? (a.latin1 ? undefined : await plainLayout(path, a))));
  const layout = fixed.delim !== undefined ? { options: [], delimiter: fixed.delim, quote: '"', header: true } : ((await fromHead()) ?? (await sniffLayout(conn, path, a, workDir)));
  const encoding = a.latin1 ? 'latin1' : 'utf8';
  const given = a.givenTypes && fixed.expectedTypes !== undefined && layout !== undefined ? await givenTypesDialect(path, a, layout, fixed.expectedTypes, encoding) : undefined;
  if (given !== undefined) return given;
  const wanted = fixed.textColumns ?? [];
  const optionsFor = (textColumns: readonly string[]) => [...sniffOptions(a, fixed, textColumns), ...(layout?.options ?? [])].join(', ');
  // with the delimiter known, the first records are split here while DuckDB sniffs the types
  const early = layout !== undefined ? readFirstRecords(path, layout.delimiter, encoding) : undefined;
  early?.catch(() => undefined);
  const look = async (textColumns: readonly string[]) => {
    const [row] = await queryRows(conn, `SELECT Delimiter, Quote, HasHeader, Prompt, Columns FROM sniff_csv($src, ${optionsFor(textColumns)})`, { src: path });
    return row ?? [];
  };
  let row: unknown[];
  let used = wanted;
  try {
    row = await look(wanted).catch(async (error: unknown) => {
      if (wanted.length === 0) throw error;
      // read_csv refuses a `types` entry for a column the file lacks: keep those it has
      const names = new Set(((await look([]))[4] as { name: string }[]).map((c) => c.name));
      used = wanted.filter((c) => names.has(c));
      return look(used);
    });
  } catch {
    // types the sniffer fails on are left to read_csv (with the dialect found, if any), whose error says more
    return { delimiter: layout?.delimiter ?? ',', quote: layout?.quote ?? '"', header: layout?.header ?? true, shortRows: false, read: optionsFor([]) };
  }
  const delimiter = String(row[0] ?? ',');
  const quote = String(row[1] ?? '"');
  const prompt = String(row[3] ?? '');
  const prefix = `FROM read_csv(${quoteLiteral(path)}, `;
  const prompted = prompt.startsWith(prefix) && prompt.endsWith(');') ? prompt.slice(prefix.length, -2) : undefined;
  // the columns the sniffer found: the read takes them as they are, and no DESCRIBE of it is needed for them
  const sniffedColumns = Array.isArray(row[4]) ? (row[4] as { name?: unknown; type?: unknown }[]).map((c) => ({ name: String(c.name), type: String(c.type) })) : undefined;
  // the sniffer's prompt writes what it found as SQL text without escaping it (a name with a quote,
  // or a quote or a NUL sniffed from garbage): a prompt that does not parse gives way to the
  // options built here, with the sniffer's columns and header when it found them (the read then
  // finds the dialect again, not the types: those would be a sample's, unchecked)
  let read = prompted !== undefined && (await parses(conn, `SELECT * FROM read_csv('x', ${prompted})`)) ? prompted : undefined;
  // (a name holding a NUL cannot be written as SQL: that read sniffs for itself, and a later step names the column)
  if (read === undefined && sniffedColumns !== undefined && !sniffedColumns.some((c) => c.name.includes('\u0000'))) {
    read = [optionsFor([]), `header=${row[2] === true}`, columnsOption(sniffedColumns)].join(', ');
  }
  const records = early !== undefined && layout?.delimiter === delimiter ? await early : await readFirstRecords(path, delimiter, encoding);
  return {
    delimiter,
    quote: quote === '(empty)' ? '' : quote,
    header: row[2] === true,
    shortRows: records.shortRows,
    ...(records.header !== undefined ? { firstRecord: records.header } : {}),
    read: read ?? optionsFor(used),
    ...(read !== undefined && sniffedColumns !== undefined ? { columns: sniffedColumns } : {}),
  };
}

async function parses(conn: DuckDBConnection, sql: string): Promise<boolean> {
  try {
    await conn.extractStatements(sql);
    return true;
  } catch {
    return false;
  }
}

/** The names of the columns a relation gives. */
async function describedColumns(conn: DuckDBConnection, relation: Relation): Promise<string[]> {
  return (await queryRows(conn, `DESCRIBE SELECT * FROM ${relation.sql}`, relation.params)).map((r) => String(r[0]));
}

/** Columns DuckDB named differently from the header as written, and columns beyond the header (ragged rows). */
function renamedColumns(header: readonly string[], columns: readonly string[]): { renamed: { from: string; to: string }[]; extra: string[] } {
  return {
    renamed: columns
      .slice(0, header.length)
      .map((to, i) => ({ from: header[i] ?? '', to }))
      .filter((r) => r.from !== r.to),
    extra: columns.slice(header.length),
  };
}
