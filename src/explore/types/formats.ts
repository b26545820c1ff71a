/**
 * What the strings of a text column look like, measured on the sample in two statements:
 * numbers, booleans, dates (which format), words and lengths. Type inference and the
 * "stored as string" alerts read these shares; the full scan then parses with the winner.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PLACEHOLDER_STRINGS } from './placeholders.js';
import { execute, ParamBinder, queryRows, quoteIdent, tempName, toCount, toNumber, type Relation } from '../sql.js';

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

/**
 * Measured on each column's distinct values with their counts (one UNPIVOT and GROUP BY per chunk
 * of columns), so that each regular expression and parse runs once per distinct value rather than
 * once per row: a column of 100,000 rows and 20 categories costs 20 checks, not 100,000.
 */
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
    const values = quoteIdent(tempName('autolab_fmt_values'));
    // NULLs drop out in UNPIVOT: every (column, value) row is a present value and its count
    const unpivot = chunk.map((name, i) => `${asText(name)} AS "${i}"`).join(', ');
    await execute(
      conn,
      `CREATE TEMP TABLE ${values} AS SELECT CAST(k AS INTEGER) AS col, v, count(*) AS n
       FROM (UNPIVOT (SELECT ${unpivot} FROM ${sample.from}) ON COLUMNS(*) INTO NAME k VALUE v) GROUP BY ALL`,
      sample.params,
    );
    try {
      await measureChunk(conn, values, chunk, result);
    } finally {
      await conn.run(`DROP TABLE IF EXISTS ${values}`);
    }
  }
  return result;
}

async function measureChunk(conn: DuckDBConnection, values: string, chunk: readonly string[], result: Map<string, StringFormatStats>): Promise<void> {
  const binder = new ParamBinder();
  const shape = binder.bind(DATE_SHAPE);
  const boolWords = BOOLEAN_WORDS.map((w) => binder.bind(w)).join(', ');
  const placeholderWords = PLACEHOLDER_STRINGS.map((w) => binder.bind(w)).join(', ');
  const uuid = binder.bind(UUID_SHAPE);
  const code = binder.bind(CODE_SHAPE);
  const where = (condition: string) => `sum(n) FILTER (WHERE ${condition})`;
  const words = "length(trim(v)) - length(replace(trim(v), ' ', '')) + 1";
  const rows = await queryRows(
    conn,
    `SELECT col,
       sum(n),
       ${where(`${numericParseExpr('v')} IS NOT NULL`)},
       ${where("regexp_full_match(v, '0[0-9]+')")},
       ${where(`lower(trim(v)) IN (${boolWords})`)},
       ${where(`regexp_matches(v, ${shape})`)},
       sum(n * length(v)) / sum(n),
       sum(n * (${words})) FILTER (WHERE trim(v) <> '') / sum(n) FILTER (WHERE trim(v) <> ''),
       count(*),
       ${where(`lower(trim(v)) IN (${placeholderWords})`)},
       ${where("regexp_matches(v, '[0-9]')")},
       ${where(`regexp_full_match(trim(v), ${uuid})`)},
       ${where(`regexp_full_match(trim(v), ${code})`)}
     FROM ${values} GROUP BY col`,
    binder.params,
  );
  const byColumn = new Map(rows.map((row) => [toCount(row[0]), row]));
  const dateLike: number[] = [];
  chunk.forEach((name, i) => {
    const row = byColumn.get(i) ?? [];
    const sampled = toCount(row[1]);
    const placeholders = toCount(row[9]);
    result.set(name, {
      sampled,
      numeric: toCount(row[2]),
      leadingZeroDigits: toCount(row[3]),
      boolean: toCount(row[4]),
      datetimeFormat: null,
      datetime: 0,
      meanLength: toNumber(row[6]),
      meanWords: toNumber(row[7]),
      distinct: toCount(row[8]),
      placeholders,
      withDigits: toCount(row[10]),
      uuidLike: toCount(row[11]),
      codeLike: toCount(row[12]),
    });
    const meaningful = sampled - placeholders;
    if (meaningful > 0 && toCount(row[5]) / meaningful >= 0.5) dateLike.push(i);
  });
  await measureDatetimeFormats(conn, values, chunk, dateLike, result);
}

/** For columns whose values look like dates, count how many each format parses; keep the best. */
async function measureDatetimeFormats(
  conn: DuckDBConnection,
  values: string,
  chunk: readonly string[],
  dateLike: readonly number[],
  into: Map<string, StringFormatStats>,
): Promise<void> {
  if (dateLike.length === 0) return;
  const binder = new ParamBinder();
  // a parse counts only with a plausible year: "1.9.1" is a version, not the 1st of September of year 1
  const counts = DATETIME_FORMATS.map((f) => `sum(n) FILTER (WHERE year(${datetimeParseExpr('v', f, binder)}) BETWEEN 1800 AND 2200)`);
  const rows = await queryRows(
    conn,
    `SELECT col, ${counts.join(', ')} FROM ${values} WHERE col IN (${dateLike.map((i) => binder.bind(i)).join(', ')}) GROUP BY col`,
    binder.params,
  );
  for (const row of rows) {
    const name = chunk[toCount(row[0])];
    if (name === undefined) continue;
    let best: string | null = null;
    let bestCount = 0;
    DATETIME_FORMATS.forEach((format, j) => {
      const n = toCount(row[j + 1]);
      if (n > bestCount) {
        best = format;
        bestCount = n;
      }
    });
    const prior = into.get(name);
    if (prior && best !== null) into.set(name, { ...prior, datetimeFormat: best, datetime: bestCount });
  }
}

function asText(name: string): string {
  return `(${quoteIdent(name)}::VARCHAR)`;
}
