/**
 * What the strings of a text column look like, measured on the sample in two statements:
 * numbers, booleans, dates (which format), words and lengths. Type inference and the
 * "stored as string" alerts read these shares; the full scan then parses with the winner.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PLACEHOLDER_STRINGS } from './column-stats-placeholders.js';
import { ParamBinder, queryRows, quoteIdent, toCount, toNumber, type Relation } from './sql.js';

/** Formats tried on strings, most specific first. 'iso8601' means DuckDB's own timestamp cast. */
export const DATETIME_FORMATS: readonly string[] = [
  'iso8601',
  '%m/%d/%Y',
  '%d/%m/%Y',
  '%m/%d/%Y %H:%M',
  '%m/%d/%Y %H:%M:%S',
  '%d/%m/%Y %H:%M',
  '%d/%m/%Y %H:%M:%S',
  '%Y/%m/%d',
  '%Y/%m/%d %H:%M:%S',
  '%d.%m.%Y',
  '%d.%m.%Y %H:%M',
  '%m/%d/%y',
  '%d-%b-%Y',
  '%d %b %Y',
  '%d %B %Y',
  '%b %d, %Y',
  '%B %d, %Y',
  '%b %d %Y',
  '%a, %d %b %Y %H:%M:%S',
];

export const BOOLEAN_WORDS: readonly string[] = ['true', 'false', 'yes', 'no', 'y', 'n', 't', 'f'];

export interface StringFormatStats {
  /** non-missing values in the sample */
  readonly sampled: number;
  readonly numeric: number;
  /** digit-only strings with a leading zero (zip codes, account numbers): numbers they are not */
  readonly leadingZeroDigits: number;
  readonly boolean: number;
  /** best datetime format and how many values it parses; null when none parses any */
  readonly datetimeFormat: string | null;
  readonly datetime: number;
  readonly meanWords: number | null;
  readonly meanLength: number | null;
  readonly distinct: number;
  /** placeholder words ("N/A", "-", blank…), left out of the shares above */
  readonly placeholders: number;
  /** values containing a digit */
  readonly withDigits: number;
  /** values shaped like a UUID */
  readonly uuidLike: number;
  /** upper-case letter/digit codes such as "SKU-00283", "ABE", "T-38A" */
  readonly codeLike: number;
}

/** Share of the meaningful (non-placeholder) sampled values that have a property. */
export function formatShare(stats: StringFormatStats, count: number): number {
  const base = stats.sampled - stats.placeholders;
  return base > 0 ? Math.min(1, count / base) : 0;
}

/** SQL expression that parses a string column with a format from DATETIME_FORMATS. */
export function datetimeParseExpr(column: string, format: string, binder: ParamBinder): string {
  if (format === 'iso8601') return `TRY_CAST(${column} AS TIMESTAMP)`;
  return `try_strptime(${column}, ${binder.bind(format)})`;
}

/** SQL expression that parses a numeric string; NaN/Infinity spellings are not numbers here. */
export function numericParseExpr(column: string): string {
  return `(CASE WHEN isfinite(TRY_CAST(${column} AS DOUBLE)) THEN TRY_CAST(${column} AS DOUBLE) END)`;
}

const CODE_SHAPE = '[A-Z0-9]+([-_./:#][A-Z0-9]+)*';
const UUID_SHAPE = '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}';

/** Digit-led strings only: keeps the date parser off names and free text. */
const DATE_SHAPE = '^\\s*(\\d{1,4}[-/.]\\d{1,2}[-/.]\\d{1,4}|\\d{1,2}[- ][A-Za-z]{3,9}[- ]\\d{4}|[A-Za-z]{3,9},? \\d{1,2},? \\d{4}|[A-Za-z]{3}, \\d{1,2} [A-Za-z]{3} \\d{4})';

export async function measureStringFormats(
  conn: DuckDBConnection,
  sample: Relation,
  columns: readonly string[],
): Promise<Map<string, StringFormatStats>> {
  const result = new Map<string, StringFormatStats>();
  if (columns.length === 0) return result;
  const chunkSize = 200;
  for (let start = 0; start < columns.length; start += chunkSize) {
    const chunk = columns.slice(start, start + chunkSize);
    const binder = new ParamBinder(sample.params);
    const shape = binder.bind(DATE_SHAPE);
    const boolWords = BOOLEAN_WORDS.map((w) => binder.bind(w)).join(', ');
    const placeholderWords = PLACEHOLDER_STRINGS.map((w) => binder.bind(w)).join(', ');
    const uuid = binder.bind(UUID_SHAPE);
    const code = binder.bind(CODE_SHAPE);
    const perColumn = 12;
    const selects = chunk.map((name) => {
      const c = asText(name);
      return [
        `count(${c})`,
        `count(${numericParseExpr(c)})`,
        `count_if(regexp_full_match(${c}, '0[0-9]+'))`,
        `count_if(lower(trim(${c})) IN (${boolWords}))`,
        `count_if(regexp_matches(${c}, ${shape}))`,
        `avg(length(${c}))`,
        `avg(CASE WHEN trim(${c}) <> '' THEN length(trim(${c})) - length(replace(trim(${c}), ' ', '')) + 1 END)`,
        `count(DISTINCT ${c})`,
        `count_if(lower(trim(${c})) IN (${placeholderWords}))`,
        `count_if(regexp_matches(${c}, '[0-9]'))`,
        `count_if(regexp_full_match(trim(${c}), ${uuid}))`,
        `count_if(regexp_full_match(trim(${c}), ${code}))`,
      ].join(', ');
    });
    const rows = await queryRows(conn, `SELECT ${selects.join(', ')} FROM ${sample.from}`, binder.params);
    const row = rows[0] ?? [];
    const dateLike: string[] = [];
    chunk.forEach((name, i) => {
      const at = i * perColumn;
      const sampled = toCount(row[at]);
      const shaped = toCount(row[at + 4]);
      result.set(name, {
        sampled,
        numeric: toCount(row[at + 1]),
        leadingZeroDigits: toCount(row[at + 2]),
        boolean: toCount(row[at + 3]),
        datetimeFormat: null,
        datetime: 0,
        meanLength: toNumber(row[at + 5]),
        meanWords: toNumber(row[at + 6]),
        distinct: toCount(row[at + 7]),
        placeholders: toCount(row[at + 8]),
        withDigits: toCount(row[at + 9]),
        uuidLike: toCount(row[at + 10]),
        codeLike: toCount(row[at + 11]),
      });
      const meaningful = sampled - toCount(row[at + 8]);
      if (meaningful > 0 && shaped / meaningful >= 0.5) dateLike.push(name);
    });
    await measureDatetimeFormats(conn, sample, dateLike, result);
  }
  return result;
}

/** For columns whose values look like dates, count how many each format parses; keep the best. */
async function measureDatetimeFormats(
  conn: DuckDBConnection,
  sample: Relation,
  columns: readonly string[],
  into: Map<string, StringFormatStats>,
): Promise<void> {
  if (columns.length === 0) return;
  const binder = new ParamBinder(sample.params);
  // a parse counts only with a plausible year: "1.9.1" is a version, not the 1st of September of year 1
  const selects = columns.flatMap((name) =>
    DATETIME_FORMATS.map((f) => `count_if(year(${datetimeParseExpr(asText(name), f, binder)}) BETWEEN 1800 AND 2200)`),
  );
  const rows = await queryRows(conn, `SELECT ${selects.join(', ')} FROM ${sample.from}`, binder.params);
  const row = rows[0] ?? [];
  columns.forEach((name, i) => {
    let best: string | null = null;
    let bestCount = 0;
    DATETIME_FORMATS.forEach((format, j) => {
      const n = toCount(row[i * DATETIME_FORMATS.length + j]);
      if (n > bestCount) {
        best = format;
        bestCount = n;
      }
    });
    const prior = into.get(name);
    if (prior && best !== null) into.set(name, { ...prior, datetimeFormat: best, datetime: bestCount });
  });
}

function asText(name: string): string {
  return `(${quoteIdent(name)}::VARCHAR)`;
}
