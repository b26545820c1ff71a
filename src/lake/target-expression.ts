/**
 * A target written as a DuckDB SQL expression over one table's silver columns (`delay > 15`).
 * The text is SQL a person wrote, so it cannot be bound as a value: it is checked instead — parsed
 * by DuckDB's own parser inside the very wrapper gold splices it into, which must come back as
 * one statement with one select item and nothing else (no subquery, no second statement, no
 * clause smuggled in), then bound against the table's columns with no rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError, shownInError } from '../common/index.js';
import { firstLine, queryRows, quoteIdent } from './sql.js';

/** The form every use of the expression takes: its own parentheses, closed on a line of their own (a trailing `--` comment ends there). */
export function wrapTargetExpression(expression: string): string {
  return `(${expression}\n)`;
}

const PROBE_TABLE = '__autolab_target_probe';
const PROBE_ALIAS = '__autolab_target';

interface ParsedNode {
  readonly class?: string;
  readonly column_names?: readonly string[];
  readonly [key: string]: unknown;
}

function collect(node: unknown, into: { columns: Set<string>; subquery: boolean }): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, into);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as ParsedNode;
  if (n.class === 'SUBQUERY' || n.type === 'SUBQUERY') into.subquery = true;
  if (n.class === 'COLUMN_REF' && Array.isArray(n.column_names) && n.column_names.length > 0) into.columns.add(n.column_names[n.column_names.length - 1]!);
  for (const value of Object.values(n)) collect(value, into);
}

function refuseAs(expression: string, table: string, why: string, what: string): never {
  throw new InputError(`${what} ${shownInError(expression)} on ${table}: ${why}`, 'write one SQL expression over the table\'s columns, e.g. "delay > 15"');
}

/**
 * Checks `expression` against `columns` (the target table's silver columns and their DuckDB types)
 * and returns the columns it reads. Every failure is one line naming the expression and what is
 * wrong (the syntax error, a column the table does not have, a type DuckDB cannot bind).
 */
export async function checkTargetExpression(conn: DuckDBConnection, table: string, expression: string, columns: readonly { name: string; type: string }[], what = 'target expression'): Promise<{ reads: string[] }> {
  // typed out: only a declared never-returning function narrows the checks below
  const refuse: (e: string, t: string, why: string) => never = (e, t, why) => refuseAs(e, t, why, what);
  if (expression.trim() === '') refuse(expression, table, 'it is empty');
  const wrapped = `SELECT ${wrapTargetExpression(expression)} AS ${PROBE_ALIAS} FROM ${PROBE_TABLE}`;
  const [[serialized]] = (await queryRows(conn, 'SELECT json_serialize_sql(CAST($sql AS VARCHAR))', { sql: wrapped })) as [[string]];
  const parsed = JSON.parse(serialized) as { error: boolean; error_message?: string; statements?: { node: Record<string, unknown> }[] };
  if (parsed.error) refuse(expression, table, firstLine(parsed.error_message ?? 'it does not parse'));
  const statements = parsed.statements ?? [];
  const node = statements[0]?.node;
  const list = node?.['select_list'] as ParsedNode[] | undefined;
  const from = node?.['from_table'] as { type?: string; table_name?: string } | undefined;
  const extra = ['where_clause', 'having', 'qualify', 'sample'].some((k) => node?.[k] !== null && node?.[k] !== undefined) || ((node?.['group_expressions'] as unknown[] | undefined)?.length ?? 0) > 0 || ((node?.['modifiers'] as unknown[] | undefined)?.length ?? 0) > 0;
  if (statements.length !== 1 || node?.['type'] !== 'SELECT_NODE' || list?.length !== 1 || list[0]?.['alias'] !== PROBE_ALIAS || from?.type !== 'BASE_TABLE' || from.table_name !== PROBE_TABLE || extra) {
    refuse(expression, table, 'it is not one expression');
  }
  const found = { columns: new Set<string>(), subquery: false };
  collect(list[0], found);
  if (found.subquery) refuse(expression, table, 'it reads a subquery; an expression may read only the table\'s own columns');
  const known = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  const reads: string[] = [];
  for (const name of found.columns) {
    const column = known.get(name.toLowerCase());
    if (column === undefined) refuse(expression, table, `no column ${shownInError(name)} in ${table} (its columns: ${columns.map((c) => c.name).join(', ')})`);
    reads.push(column);
  }
  if (reads.length === 0) refuse(expression, table, 'it reads no column of the table');
  // bound against the table's columns and types, on no rows: a type error shows now, not at build time
  const probe = columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
  try {
    await queryRows(conn, `SELECT ${wrapTargetExpression(expression)} AS ${PROBE_ALIAS} FROM (SELECT ${probe}) AS ${PROBE_TABLE} LIMIT 0`);
  } catch (error) {
    refuse(expression, table, firstLine(error));
  }
  return { reads: [...new Set(reads)].sort() };
}
