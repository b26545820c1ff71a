/**
 * SQL text helpers for the lake. Values are bound as parameters wherever DuckDB allows it; the one
 * place it does not — the target of `COPY … TO` — gets a quoted literal of a path the lab made itself.
 */
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { DOUBLE } from './duckdb.js';
import { InputError, shownInError } from '../common/index.js';

// the one identifier quoter (common/sql-identifiers.ts), here too so the lake's SQL helpers are in one place
export { quoteIdent } from '../common/index.js';

export type SqlParams = Record<string, DuckDBValue>;


/** A string literal; only for text that DuckDB cannot take as a bound parameter. */
export function quoteLiteral(text: string): string {
  if (text.includes('\u0000')) throw new InputError(`text contains a NUL character: ${shownInError(text)}`, 'remove it');
  return `'${text.replaceAll("'", "''")}'`;
}

/** DuckDB refuses to bind a parameter the statement does not mention: keep only those it does. */
function usedParams(sql: string, params: SqlParams): SqlParams | undefined {
  const names = new Set([...sql.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  const used = Object.fromEntries(Object.entries(params).filter(([name]) => names.has(name)));
  return Object.keys(used).length > 0 ? used : undefined;
}

const INT64_LIMIT = 2 ** 63;

/**
 * The driver binds a whole JS number as BIGINT, and refuses one beyond 64 bits (a histogram edge
 * of a column of huge integers, 1.8e19): such numbers are bound as DOUBLE, which they already are.
 */
function typesOf(params: SqlParams): Record<string, DuckDBType> | undefined {
  const wide = Object.entries(params).filter(([, v]) => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= INT64_LIMIT);
  return wide.length > 0 ? Object.fromEntries(wide.map(([name]) => [name, DOUBLE])) : undefined;
}

export async function queryRows(conn: DuckDBConnection, sql: string, params: SqlParams = {}): Promise<unknown[][]> {
  const used = usedParams(sql, params);
  const reader = used ? await conn.runAndReadAll(sql, used, typesOf(used)) : await conn.runAndReadAll(sql);
  return reader.getRowsJson() as unknown[][];
}

export async function execute(conn: DuckDBConnection, sql: string, params: SqlParams = {}): Promise<void> {
  const used = usedParams(sql, params);
  if (used) await conn.run(sql, used, typesOf(used));
  else await conn.run(sql);
}

/** The first line of an error's message, for one-line errors and quality notes. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
  // DuckDB prefixes its messages with the error class, which says nothing to a user
  return line.replace(/^[A-Z][A-Za-z ]* Error: /, '');
}
