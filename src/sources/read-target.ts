import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { copyToParquet, execute, quoteIdent, type SqlParams } from '../lake/index.js';

/**
 * Where a file's rows go: a Parquet file (bronze, written by ingest) or a temporary table of the
 * connection (the rows of a Frame for train and predict). Both are reached by the same reader, so
 * a file is read with the same dialect, encoding and repairs whichever it is for.
 */
export type ReadTarget = { readonly kind: 'parquet'; readonly path: string } | { readonly kind: 'table'; readonly name: string };

/** A table expression and the parameters it binds: `read_parquet($p)`, a table's name. */
export interface Relation {
  readonly sql: string;
  readonly params: SqlParams;
}

/** Writes the rows of `selectSql` to the target; each write replaces what an earlier attempt wrote. */
export async function writeToTarget(conn: DuckDBConnection, target: ReadTarget, selectSql: string, params: SqlParams): Promise<void> {
  if (target.kind === 'table') {
    await execute(conn, `CREATE OR REPLACE TEMP TABLE ${quoteIdent(target.name)} AS ${selectSql}`, params);
    return;
  }
  // a new file, not the last attempt's overwritten (a reader following the output can tell them apart)
  await rm(target.path, { force: true });
  await copyToParquet(conn, selectSql, params, target.path);
}

/** The rows written to a target, to read back. */
export function targetRelation(target: ReadTarget): Relation {
  return target.kind === 'table' ? { sql: quoteIdent(target.name), params: {} } : { sql: 'read_parquet($written)', params: { written: target.path } };
}
