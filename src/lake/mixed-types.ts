import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnSchema } from './bronze-writer.js';
import { queryRows, quoteIdent } from './sql.js';

const SAMPLE_ROWS = 20_000;

export interface MixedColumn {
  readonly column: string;
  /** share of non-null values in the sample that read as numbers */
  readonly numericShare: number;
}

/**
 * Text columns whose values are mostly — but not all — numbers: a sign of mixed types (a stray
 * "n/a", a unit typed into one cell). Bronze keeps them as text; the quality record says so.
 * Looks at the first rows only, so it costs little on a large table.
 */
export async function findMixedTypeColumns(conn: DuckDBConnection, parquetPath: string, schema: readonly ColumnSchema[]): Promise<MixedColumn[]> {
  const text = schema.filter((c) => c.type === 'VARCHAR');
  if (text.length === 0) return [];
  const parts = text.map((c) => `count(${quoteIdent(c.name)}), count(TRY_CAST(${quoteIdent(c.name)} AS DOUBLE))`);
  const select = text.map((c) => quoteIdent(c.name)).join(', ');
  const [row] = await queryRows(conn, `SELECT ${parts.join(', ')} FROM (SELECT ${select} FROM read_parquet($p) LIMIT ${SAMPLE_ROWS})`, { p: parquetPath });
  const out: MixedColumn[] = [];
  text.forEach((c, i) => {
    const values = Number(row?.[2 * i] ?? 0);
    const numeric = Number(row?.[2 * i + 1] ?? 0);
    if (values > 0 && numeric > 0 && numeric < values && numeric / values >= 0.5) out.push({ column: c.name, numericShare: numeric / values });
  });
  return out;
}
