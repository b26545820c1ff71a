/**
 * The SQL that asks a server for a source query's columns without its rows. The query goes inside
 * a subquery as the user wrote it; the newline before the closing part ends a trailing
 * `-- comment`, which would otherwise swallow the parenthesis and the alias.
 */
export function queryProbeSql(query: string): string {
  return `SELECT * FROM (${query}\n) AS autolab_q LIMIT 0`;
}
