/**
 * The SQL that asks a server for a source query's columns without its rows. The query goes inside
 * a subquery as the user wrote it (its end trimmed by `statementOf`); the newline before the
 * closing part ends a trailing `-- comment`, which would otherwise swallow the parenthesis and the
 * alias.
 */
export function queryProbeSql(query: string, dialect: SqlDialect): string {
  return `SELECT * FROM (${statementOf(query, dialect)}\n) AS autolab_q LIMIT 0`;
}

/** Whose rules a query's strings follow: MySQL's take backslash escapes, the others' only in E'…'. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/**
 * A source query without what may follow its last statement: the terminating `;` (or several)
 * and the comments and blanks after it — `select 1; -- all rows` is `select 1`. A query goes inside
 * a subquery or a cursor, where a `;` is a syntax error. Strings, quoted names, PostgreSQL's
 * dollar quotes and comments are skipped whole, so a `;` or `--` inside them is left alone; a
 * `;` between two statements too (the server says that it takes one). A string or comment that
 * never closes leaves the query as it is, for the server's error.
 */
export function statementOf(query: string, dialect: SqlDialect): string {
  const n = query.length;
  /** where the run of `;` that ends the code began, -1 when the code ends otherwise */
  let terminator = -1;
  let i = 0;
  while (i < n) {
    const c = query[i]!;
    const next = query[i + 1];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ((c === '-' && next === '-' && (dialect !== 'mysql' || /^\s?$/.test(query[i + 2] ?? ''))) || (c === '#' && dialect === 'mysql')) {
      // a line comment (MySQL's `--` wants a blank after it, and `#` is one too; elsewhere `#` is an operator)
      const end = query.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = blockCommentEnd(query, i);
      if (end === -1) return query;
      i = end;
      continue;
    }
    let end = i + 1;
    if (c === "'" || c === '"' || c === '`') {
      // a backslash escapes inside MySQL's strings and PostgreSQL's E'…'; a doubled quote in all
      const escapeString = c === "'" && /(^|[^A-Za-z0-9_$])[Ee]$/.test(query.slice(Math.max(0, i - 2), i));
      end = quotedEnd(query, i, c, (dialect === 'mysql' && c !== '`') || escapeString);
    } else if (c === '$' && dialect === 'postgres' && !/[A-Za-z0-9_]/.test(query[i - 1] ?? ' ')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(query.slice(i))?.[0];
      if (tag !== undefined) {
        const close = query.indexOf(tag, i + tag.length);
        end = close === -1 ? -1 : close + tag.length;
      }
    }
    if (end === -1) return query;
    terminator = c === ';' ? (terminator === -1 ? i : terminator) : -1;
    i = end;
  }
  return terminator === -1 ? query : query.slice(0, terminator).trimEnd();
}

/** The index after the `*\/` that closes the comment opened at `start` (PostgreSQL nests them), -1 when none does. */
function blockCommentEnd(query: string, start: number): number {
  let depth = 0;
  for (let i = start; i < query.length - 1; i++) {
    if (query[i] === '/' && query[i + 1] === '*') {
      depth++;
      i++;
    } else if (query[i] === '*' && query[i + 1] === '/') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The index after the quote that closes the one at `start`, -1 when none does. */
function quotedEnd(query: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let i = start + 1; i < query.length; i++) {
    const c = query[i];
    if (c === '\\' && backslashEscapes) i++;
    else if (c === quote) {
      if (query[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return -1;
}
