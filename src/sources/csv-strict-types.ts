import { quoteIdent, quoteLiteral, type ColumnSchema } from '../lake/index.js';

/**
 * DuckDB's sniffer types a column from a sample with strict casts, but its scanner converts the
 * rest of the file with lenient ones (duckdb/duckdb#25824): past the sample, "2.5" in a BIGINT
 * column is read as 3, "1e3" as 1000, "007" as 7, and "10:00 PM" in a TIME column as 10:00 —
 * with no error. A DATE column is safe: the sniffer's read gives it a `dateformat`, parsed
 * strictly. What a DOUBLE's cast accepts beyond the sniffer ("+5", "007", "1_000") is read as the
 * number it writes, and a TIMESTAMP's is what the sniffer takes on the whole file too: neither is
 * checked (a check of every DOUBLE doubled the read of a file of 28 DOUBLE columns).
 */

/** A value DuckDB's sniffer would not have typed so: a boolean SQL expression on one VARCHAR value. */
function changedByCast(id: string, type: string, options: StrictOptions): string | undefined {
  switch (type) {
    case 'BIGINT':
      // the sniffer's own rule: no sign but '-', no leading zero, no fraction, exponent or separator
      return `NOT regexp_full_match(${id}, ' *-?(0|[1-9][0-9]*) *')`;
    case 'DATE':
      // a date written as DuckDB writes it reads back so ("2024-01-05 12:00" does not)
      return options.datesWithoutFormat === true ? `CAST(CAST(${id} AS DATE) AS VARCHAR) <> ${id}` : undefined;
    case 'TIME':
      return `NOT regexp_full_match(${id}, ' *[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]*)?)? *')`;
    default:
      return undefined;
  }
}

export interface StrictOptions {
  /** DATE columns are read without a `dateformat` (a database's declared types), so their cast is lenient too */
  readonly datesWithoutFormat?: boolean;
}

/** How a read checks its columns: the types read_csv is given, the columns restored, and the condition every row meets. */
export interface StrictRead {
  /** every column, those checked as VARCHAR */
  readonly readAs: readonly ColumnSchema[];
  /** each column by name, the checked ones cast back to their type */
  readonly select: string;
  /** true for a row whose values the casts keep; fails on any other, naming the column */
  readonly where: string;
}

/**
 * How to read columns typed from a sample so that no value past it is changed: each column of a
 * type whose cast is lenient is read as text and cast back in SQL, and a row with a value the
 * sniffer would not have typed so fails, as DuckDB words a value that does not fit its column's
 * type (`Error when converting column "x". Could not convert …`): the CSV reader then sniffs the
 * types from the whole file, a database export reads that column as text. One condition for the
 * row, not one CASE per value: the cheaper on a file of 1,600 BIGINT columns. Undefined when no
 * column needs it.
 */
export function strictRead(columns: readonly ColumnSchema[], options: StrictOptions = {}): StrictRead | undefined {
  const checks = columns.map((c) => changedByCast(quoteIdent(c.name), c.type, options));
  const checked = columns.flatMap((c, i) => (checks[i] === undefined ? [] : [{ column: c, check: checks[i] }]));
  if (checked.length === 0) return undefined;
  const readAs = columns.map((c, i) => (checks[i] === undefined ? c : { name: c.name, type: 'VARCHAR' }));
  const select = columns.map((c, i) => (checks[i] === undefined ? quoteIdent(c.name) : `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`)).join(', ');
  // the message is made only for a row that fails (an OR in a filter looks no further than it must)
  const message = checked.map(({ column, check }) => `WHEN ${check} THEN ${quoteLiteral(`Error when converting column "${column.name.replaceAll('"', '""')}". Could not convert a value to ${column.type} without changing it`)}`);
  const where = `(${checked.map(({ check }) => check).join(' OR ')}) IS NOT TRUE OR error(CASE ${message.join(' ')} END)`;
  return { readAs, select, where };
}
/** read_csv's `columns` option for these columns. */
export function columnsOption(columns: readonly ColumnSchema[]): string {
  return `columns={${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
}
