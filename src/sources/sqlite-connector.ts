import Database from 'better-sqlite3';
import { statementOf } from './query-probe.js';
import { InputError, quoteIdent, UsageError } from '../common/index.js';
import { dbTable, type DbColumn } from './db-export.js';
import { checkFileExists } from './file-checks.js';
import type { ConnectorContext } from './open-connector.js';
import { resolveStoredPath } from './location.js';
import type { Connector, SourceSpec, SourceTable } from './types.js';

/** A SQLite database file: all its tables, chosen ones, or a query; read through better-sqlite3. */
export class SqliteConnector implements Connector {
  #db: Database.Database | undefined;

  constructor(
    readonly spec: SourceSpec,
    private readonly ctx: ConnectorContext,
  ) {
    if (spec.options.schema) throw new UsageError('--schema is for PostgreSQL and MySQL', 'a SQLite source takes --tables or --query');
  }

  async listTables(): Promise<SourceTable[]> {
    const path = resolveStoredPath(this.spec.uri, this.ctx.labRoot);
    await checkFileExists(path);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      db.pragma('schema_version');
    } catch (error) {
      throw new InputError(`${path} is not a SQLite database (${firstLineOf(error)})`, 'check the file', { cause: error });
    }
    this.#db = db;
    const existing = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
    const { query, tables } = this.spec.options;
    if (query) {
      const statement = statementOf(query, 'sqlite');
      try {
        db.prepare(statement);
      } catch (error) {
        throw new InputError(`the query of this SQLite source fails: ${firstLineOf(error)}`, 'check the SQL', { cause: error });
      }
      return [this.#table(this.ctx.sourceName, statement, 'query')];
    }
    const chosen = tables?.length ? [...tables] : existing;
    const missing = chosen.filter((t) => !existing.includes(t));
    if (missing.length) {
      throw new InputError(`no table ${missing.join(', ')} in ${path}`, existing.length ? `tables there: ${existing.slice(0, 20).join(', ')}` : 'the database has no tables');
    }
    if (chosen.length === 0) throw new InputError(`${path} has no tables`, 'check that it is the right database');
    return chosen.map((t) => this.#table(t, `SELECT * FROM ${quoteIdent(t)}`, t));
  }

  #table(name: string, sql: string, origin: string): SourceTable {
    return dbTable(this.spec.uri, name, origin, 'sqlite', () => {
      const db = this.#db;
      if (!db) throw new Error('listTables first');
      const statement = db.prepare(sql).raw(true).safeIntegers(true);
      const declared = statement.columns();
      // a column made by an expression (CREATE TABLE … AS, a query) declares no type: take it from the first rows
      const sample = declared.some((c) => !c.type) ? (db.prepare(sql).raw(true).safeIntegers(true).iterate() as IterableIterator<unknown[]>) : undefined;
      const firstRows = sample ? takeRows(sample, 1000) : [];
      const columns: DbColumn[] = declared.map((c, i) => ({ name: c.name, duckType: c.type ? sqliteType(c.type) : typeOfValues(firstRows.map((r) => r[i])) }));
      return Promise.resolve({ columns, rows: textRows(statement.iterate() as IterableIterator<unknown[]>), looseTypes: true });
    });
  }

  close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
    return Promise.resolve();
  }
}

async function* textRows(rows: IterableIterator<unknown[]>): AsyncIterable<(string | null)[]> {
  for (const row of rows) yield row.map(sqliteText);
}

function sqliteText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return '\\x' + value.toString('hex');
  return String(value);
}

function takeRows(rows: IterableIterator<unknown[]>, limit: number): unknown[][] {
  const out: unknown[][] = [];
  for (const row of rows) {
    out.push(row);
    if (out.length >= limit) break;
  }
  rows.return?.();
  return out;
}

/** BIGINT when every value is an integer, DOUBLE when every value is a number, else text. */
function typeOfValues(values: readonly unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'VARCHAR';
  if (present.every((v) => typeof v === 'bigint')) return 'BIGINT';
  if (present.every((v) => typeof v === 'bigint' || typeof v === 'number')) return 'DOUBLE';
  return 'VARCHAR';
}

/** SQLite's type affinity rules, from the declared type. */
function sqliteType(declared: string | null): string {
  const t = (declared ?? '').toUpperCase();
  if (t.includes('INT')) return 'BIGINT';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT') || t === '') return 'VARCHAR';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'DOUBLE';
  if (t.includes('BOOL')) return 'BOOLEAN';
  if (t === 'DATE') return 'DATE';
  if (t.includes('DATETIME') || t.includes('TIMESTAMP')) return 'TIMESTAMP';
  return 'VARCHAR';
}

function firstLineOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
