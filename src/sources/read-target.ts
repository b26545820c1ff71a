import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { copyToParquet, type ColumnSchema, type SqlParams } from '../lake/index.js';

/**
 * Takes a file's rows as DuckDB reads them (a Frame's columns, say). A read that fails part way
 * is tried again with other settings: each call starts from scratch, dropping what an earlier one took.
 */
export interface RowConsumer {
  /** `columns`: the names and DuckDB types the select gives, when the reader knows them (no DESCRIBE needed) */
  consume(conn: DuckDBConnection, selectSql: string, params: SqlParams, columns?: readonly ColumnSchema[]): Promise<void>;
}

/**
 * Where a file's rows go: a Parquet file (bronze, written by ingest) or a consumer (the rows of a
 * Frame for train and predict). Both are reached by the same reader, so a file is read with the
 * same dialect, encoding and repairs whichever it is for.
 */
export type ReadTarget = { readonly kind: 'parquet'; readonly path: string } | { readonly kind: 'rows'; readonly consumer: RowConsumer };

/** A table expression and the parameters it binds: `read_parquet($p)`, `read_csv($src, …)`. */
export interface Relation {
  readonly sql: string;
  readonly params: SqlParams;
  /** the names and DuckDB types of its columns, when known without asking DuckDB */
  readonly columns?: readonly ColumnSchema[];
}

/** Writes the rows of a relation to the target; each write replaces what an earlier attempt wrote. */
export async function writeToTarget(conn: DuckDBConnection, target: ReadTarget, rows: Relation): Promise<void> {
  const select = `SELECT * FROM ${rows.sql}`;
  if (target.kind === 'rows') return target.consumer.consume(conn, select, rows.params, rows.columns);
  // a new file, not the last attempt's overwritten (a reader following the output can tell them apart)
  await rm(target.path, { force: true });
  await copyToParquet(conn, select, rows.params, target.path);
}

/** Where the rows just read can be looked at again: the Parquet written (cheaper than reading the input again), or the read itself. */
export function writtenRows(target: ReadTarget, read: Relation): Relation {
  return target.kind === 'parquet' ? { sql: 'read_parquet($written)', params: { written: target.path } } : read;
}
