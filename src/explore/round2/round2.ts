/**
 * Round 2 of exploration for a project, once tags exist: the target analysis (when a target is
 * confirmed), drift of every table that has an older snapshot, and the coverage of every
 * confirmed relationship. Pure DuckDB work on Parquet files; the caller stores the result.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TableProfile } from '../profile-types.js';
import { parquetSource } from './bins.js';
import { joinCoverage } from './coverage.js';
import { tableDrift } from './drift.js';
import { analyseTarget } from './target.js';
import type { JoinCoverage, Round2Result, TableDrift, TargetAnalysis } from './types.js';
import { confirmedTarget, type ColumnRole, type TagSet } from '../tags/index.js';

export interface Round2Table {
  readonly name: string;
  readonly version: number;
  readonly parquetPath: string;
  readonly profile: TableProfile;
  /** the snapshot before this one, for drift */
  readonly previous?: { readonly version: number; readonly parquetPath: string };
}

export async function runRound2(conn: DuckDBConnection, input: { tables: readonly Round2Table[]; tags: TagSet }): Promise<Round2Result> {
  const started = performance.now();
  const byName = new Map(input.tables.map((t) => [t.name, t]));

  let target: TargetAnalysis | null = null;
  const targetTag = confirmedTarget(input.tags);
  const targetTable = targetTag && byName.get(targetTag.table);
  if (targetTag && targetTable) {
    const roles: Record<string, ColumnRole | undefined> = {};
    for (const c of input.tags.columns) if (c.table === targetTag.table) roles[c.column] = c.confirmed.role;
    target = await analyseTarget(conn, {
      source: parquetSource(targetTable.parquetPath),
      profile: targetTable.profile,
      target: targetTag.column,
      roles,
    });
  }

  const drift: TableDrift[] = [];
  for (const table of input.tables) {
    if (!table.previous) continue;
    drift.push(
      await tableDrift(conn, {
        table: table.name,
        profile: table.profile,
        from: table.previous,
        to: { version: table.version, parquetPath: table.parquetPath },
      }),
    );
  }

  const joins: JoinCoverage[] = [];
  for (const rel of input.tags.relationships) {
    if (rel.status !== 'confirmed') continue;
    const from = byName.get(rel.from.table);
    const to = byName.get(rel.to.table);
    if (!from || !to) continue;
    joins.push(
      await joinCoverage(conn, {
        from: { ...rel.from, parquetPath: from.parquetPath },
        to: { ...rel.to, parquetPath: to.parquetPath },
        cardinality: rel.cardinality,
      }),
    );
  }
  return { round2Version: 1, target, drift, joins, timings: { totalMs: Math.round(performance.now() - started) } };
}
