/**
 * The project's identifier quoters, one per SQL dialect. Every statement the lab writes names tables
 * and columns through these; values are bound as parameters instead.
 */
import { InputError } from './errors.js';

/** A name or text as an error shows it: quoted, and cut (a header of 2,000 NUL bytes is one "name"). */
export function shownInError(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function refuseNul(name: string): void {
  if (name.includes('\u0000')) throw new InputError(`a column or table name contains a NUL character: ${shownInError(name)}`, 'rename it in the source');
}

/** Standard SQL double quotes, inner quotes doubled: DuckDB, PostgreSQL and SQLite. */
export function quoteIdent(name: string): string {
  refuseNul(name);
  return `"${name.replaceAll('"', '""')}"`;
}

/** MySQL / MariaDB backticks, inner backticks doubled (double quotes are strings there by default). */
export function quoteMysqlIdent(name: string): string {
  refuseNul(name);
  return '`' + name.replaceAll('`', '``') + '`';
}
