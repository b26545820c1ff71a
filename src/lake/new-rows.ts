import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, quoteIdent, type SqlParams } from './sql.js';

/**
 * The rows of one Parquet table that another does not hold: a source that grows by appending gives
 * snapshots that repeat every earlier row, and what is new since an older snapshot (what a model
 * trained on it never saw) is the newer one's rows with no equal row in the older. Rows are equal
 * when every column both tables have is equal as text, nulls equal to nulls.
 */
export interface NewRows {
  /** a SELECT of the newer table's new rows, every column, with `file_row_number` (its row number in the newer file), in file order */
  readonly sql: string;
  readonly params: SqlParams;
}

/** The new rows of `newer` (a Parquet path) against `older`; null when they share no column. */
export async function newRowsOf(conn: DuckDBConnection, newer: string, older: string): Promise<NewRows | null> {
  const columnsOf = async (path: string) => (await queryRows(conn, 'SELECT name FROM parquet_schema($path) WHERE num_children IS NULL', { path })).map(([name]) => String(name));
  const theirs = new Set(await columnsOf(older));
  const shared = (await columnsOf(newer)).filter((name) => theirs.has(name));
  if (shared.length === 0) return null;
  const same = shared.map((name) => `CAST(n.${quoteIdent(name)} AS VARCHAR) IS NOT DISTINCT FROM CAST(o.${quoteIdent(name)} AS VARCHAR)`).join(' AND ');
  return {
    sql: `SELECT n.* FROM read_parquet($new_rows_newer, file_row_number = true) n WHERE NOT EXISTS (SELECT 1 FROM read_parquet($new_rows_older) o WHERE ${same}) ORDER BY n.file_row_number`,
    params: { new_rows_newer: newer, new_rows_older: older },
  };
}
