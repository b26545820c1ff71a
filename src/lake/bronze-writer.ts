import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows, quoteLiteral, type SqlParams } from './sql.js';

export interface ColumnSchema {
  readonly name: string;
  readonly type: string;
}

export interface ParquetFacts {
  readonly rows: number;
  readonly bytes: number;
  readonly schema: ColumnSchema[];
}

/**
 * Writes the rows of `selectSql` to a Parquet file. DuckDB streams the rows through (it reads files
 * itself and spills to its temp folder), so memory stays bounded whatever the input's size. Insertion
 * order is kept, which makes the file — and so its content hash — the same for the same rows.
 */
export async function copyToParquet(conn: DuckDBConnection, selectSql: string, params: SqlParams, outPath: string): Promise<void> {
  // DuckDB's default codec (snappy): zstd files are smaller but took ~25% longer to write here
  await execute(conn, `COPY (${selectSql}) TO ${quoteLiteral(outPath)} (FORMAT parquet)`, params);
}

/** Row count, size and column types of a Parquet file, read from its footer. */
export async function describeParquet(conn: DuckDBConnection, path: string): Promise<ParquetFacts> {
  const [countRow] = await queryRows(conn, 'SELECT coalesce(sum(row_group_num_rows), 0) FROM (SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata($p))', { p: path });
  const schemaRows = await queryRows(conn, 'DESCRIBE SELECT * FROM read_parquet($p)', { p: path });
  const { size } = await stat(path);
  return {
    rows: Number(countRow?.[0] ?? 0),
    bytes: size,
    schema: schemaRows.map((r) => ({ name: String(r[0]), type: String(r[1]) })),
  };
}
