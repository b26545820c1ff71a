import type { DuckDBConnection } from '@duckdb/node-api';
import { execute, queryRows, quoteIdent, quoteLiteral } from '../lake/index.js';

let rejectCounter = 0;

/** A fresh name for a rejects table of this connection (DuckDB keeps one per name until dropped). */
export function rejectsTableName(): string {
  return `autolab_rejects_${process.pid}_${rejectCounter++}`;
}

/** read_csv's options that skip malformed rows into `rejects` (and its `_scan` table), line numbers kept. */
export function rejectOptions(rejects: string): string[] {
  return ['store_rejects=true', `rejects_table=${quoteLiteral(rejects)}`, `rejects_scan=${quoteLiteral(rejects + '_scan')}`];
}

export interface SkippedRows {
  readonly count: number;
  /** the first five lines skipped, as numbered in the file read */
  readonly lines: number[];
  readonly reasons: string[];
}

/** What went into a rejects table; the table is dropped. */
export async function rejectSummary(conn: DuckDBConnection, rejects: string): Promise<SkippedRows> {
  const table = quoteIdent(rejects);
  const [countRow] = await queryRows(conn, `SELECT count(DISTINCT line) FROM ${table}`);
  const lines = await queryRows(conn, `SELECT DISTINCT line FROM ${table} ORDER BY line LIMIT 5`);
  const reasons = await queryRows(conn, `SELECT DISTINCT error_type FROM ${table} ORDER BY 1`);
  await dropRejects(conn, rejects);
  return { count: Number(countRow?.[0] ?? 0), lines: lines.map((r) => Number(r[0])), reasons: reasons.map((r) => String(r[0])) };
}

export async function dropRejects(conn: DuckDBConnection, rejects: string): Promise<void> {
  await execute(conn, `DROP TABLE IF EXISTS ${quoteIdent(rejects)}`);
  await execute(conn, `DROP TABLE IF EXISTS ${quoteIdent(rejects + '_scan')}`);
}

/** "lines 3, 7, …" for a note. */
export function linesText(skipped: SkippedRows): string {
  return `line${skipped.lines.length === 1 && skipped.count === 1 ? '' : 's'} ${skipped.lines.join(', ')}${skipped.count > skipped.lines.length ? ', …' : ''}`;
}
