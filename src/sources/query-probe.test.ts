import { describe, expect, it } from 'vitest';
import { queryProbeSql, statementOf } from './query-probe.js';

describe('statementOf: a source query without its terminator and what follows it', () => {
  it.each([
    ['select 1', 'select 1'],
    ['select 1;', 'select 1'],
    ['select 1 ;; \n', 'select 1'],
    ['select 1; -- all rows', 'select 1'],
    ['select 1; /* all rows */', 'select 1'],
    ['select 1 -- one\n; -- two', 'select 1 -- one'],
    ['select 1 -- no terminator', 'select 1 -- no terminator'],
    ["select ';' as a; -- c", "select ';' as a"],
    ["select 'it''s; -- not a comment'", "select 'it''s; -- not a comment'"],
    ['select "a;b" from t;', 'select "a;b" from t'],
    ['select 1; select 2; -- two statements: the server says no', 'select 1; select 2'],
    ["select 'never closed; -- c", "select 'never closed; -- c"],
    ['select 1 /* never closed; ', 'select 1 /* never closed; '],
  ])('%j (PostgreSQL) → %j', (query, statement) => {
    expect(statementOf(query, 'postgres')).toBe(statement);
  });

  it('follows each server’s quoting', () => {
    expect(statementOf('select $$a;b$$; -- c', 'postgres')).toBe('select $$a;b$$');
    expect(statementOf('select $tag$ ; -- $tag$ ; -- c', 'postgres')).toBe('select $tag$ ; -- $tag$');
    expect(statementOf("select E'a\\';b'; -- c", 'postgres')).toBe("select E'a\\';b'");
    // a backslash is a character in a standard PostgreSQL string, an escape in MySQL's
    expect(statementOf("select 'C:\\'; -- c", 'postgres')).toBe("select 'C:\\'");
    expect(statementOf("select 'a\\';b'; -- c", 'mysql')).toBe("select 'a\\';b'");
    expect(statementOf('select `a;b` from t; # c', 'mysql')).toBe('select `a;b` from t');
    expect(statementOf('select 1 # 2;', 'postgres')).toBe('select 1 # 2');
    expect(statementOf('select 1--1;', 'mysql')).toBe('select 1--1');
    expect(statementOf('select 1; -- c', 'sqlite')).toBe('select 1');
  });

  it('closes the probe on a new line, after the statement', () => {
    expect(queryProbeSql('select 1; -- c', 'postgres')).toBe('SELECT * FROM (select 1\n) AS autolab_q LIMIT 0');
  });
});
