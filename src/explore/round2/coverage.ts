/**
 * Join coverage of a relationship: how many child rows find their parent, and how many parents
 * are referenced. Keys are compared as text so that an integer key and its string copy still meet.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnRef, RelationshipCardinality } from '../profile-types.js';
import type { JoinCoverage } from './types.js';
import { queryRows, quoteIdent, toNumber } from '../sql.js';

export async function joinCoverage(
  conn: DuckDBConnection,
  input: {
    from: ColumnRef & { parquetPath: string };
    to: ColumnRef & { parquetPath: string };
    cardinality: RelationshipCardinality | null;
  },
): Promise<JoinCoverage> {
  const f = quoteIdent(input.from.column);
  const t = quoteIdent(input.to.column);
  const [row] = await queryRows(
    conn,
    `WITH child AS (SELECT CAST(${f} AS VARCHAR) AS k FROM read_parquet($from_path)),
          parent AS (SELECT DISTINCT CAST(${t} AS VARCHAR) AS k FROM read_parquet($to_path) WHERE ${t} IS NOT NULL),
          child_keys AS (SELECT DISTINCT k FROM child WHERE k IS NOT NULL)
     SELECT (SELECT count(*) FROM child),
            (SELECT count(*) FROM child WHERE k IS NULL),
            (SELECT count(*) FROM child c SEMI JOIN parent p ON c.k = p.k),
            (SELECT count(*) FROM parent),
            (SELECT count(*) FROM parent p SEMI JOIN child_keys c ON c.k = p.k)`,
    { from_path: input.from.parquetPath, to_path: input.to.parquetPath },
  );
  const [rows, missing, matched, parents, referenced] = (row ?? []).map((v) => toNumber(v) ?? 0);
  const present = (rows ?? 0) - (missing ?? 0);
  return {
    from: { table: input.from.table, column: input.from.column },
    to: { table: input.to.table, column: input.to.column },
    cardinality: input.cardinality,
    fromRows: rows ?? 0,
    fromMissing: missing ?? 0,
    matchedShare: present > 0 ? round((matched ?? 0) / present) : 0,
    referencedShare: (parents ?? 0) > 0 ? round((referenced ?? 0) / (parents ?? 1)) : 0,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
