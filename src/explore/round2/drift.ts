/**
 * Drift between a table's two latest snapshots: the population stability index of every column
 * both share, with bins (deciles or top categories, missing as its own bin) fixed on the older one.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TableProfile } from '../profile-types.js';
import { binHistogram, binnedCounts, planBins, parquetSource } from './bins.js';
import { populationStabilityIndex, psiLevel } from './math.js';
import type { ColumnDrift, TableDrift } from './types.js';
import { specOf } from './target.js';
import { queryRows } from '../sql.js';

export interface SnapshotSide {
  readonly version: number;
  readonly parquetPath: string;
}

export async function tableDrift(
  conn: DuckDBConnection,
  /** `profile` is the newer snapshot's: it gives each column's type */
  input: { table: string; profile: TableProfile; from: SnapshotSide; to: SnapshotSide },
): Promise<TableDrift> {
  const fromSource = parquetSource(input.from.parquetPath, 'ref_path');
  const toSource = parquetSource(input.to.parquetPath, 'cur_path');
  const fromColumns = await columnNames(conn, input.from.parquetPath);
  const toColumns = await columnNames(conn, input.to.parquetPath);
  const shared = input.profile.columns.filter(
    (c) => fromColumns.has(c.name) && toColumns.has(c.name) && c.semanticType !== 'empty' && c.semanticType !== 'constant',
  );
  const plans = await planBins(conn, fromSource, shared.map(specOf));
  const [reference, current, fromRows, toRows] = await Promise.all([
    binnedCounts(conn, fromSource, plans),
    binnedCounts(conn, toSource, plans),
    rowCount(conn, input.from.parquetPath),
    rowCount(conn, input.to.parquetPath),
  ]);
  const columns: ColumnDrift[] = plans.map((plan) => {
    const psi = populationStabilityIndex(binHistogram(reference, plan), binHistogram(current, plan));
    return {
      column: plan.spec.name,
      psi: Math.round(psi * 1e4) / 1e4,
      level: psiLevel(psi),
      binning: plan.kind === 'quantile' ? 'quantile' : 'category',
    };
  });
  columns.sort((a, b) => b.psi - a.psi);
  return {
    table: input.table,
    fromVersion: input.from.version,
    toVersion: input.to.version,
    fromRows,
    toRows,
    columns,
    added: [...toColumns].filter((c) => !fromColumns.has(c)),
    removed: [...fromColumns].filter((c) => !toColumns.has(c)),
  };
}

async function columnNames(conn: DuckDBConnection, path: string): Promise<Set<string>> {
  const rows = await queryRows(conn, 'SELECT name FROM parquet_schema($p) WHERE name IS NOT NULL', { p: path });
  // parquet_schema lists the root (schema) node first; the Parquet writer names it duckdb_schema
  return new Set(rows.slice(1).map(([name]) => String(name)));
}

async function rowCount(conn: DuckDBConnection, path: string): Promise<number> {
  const [row] = await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: path });
  return Number(row?.[0] ?? 0);
}
