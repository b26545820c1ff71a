import { isUtf8 } from 'node:buffer';
import mysql from 'mysql2';
import { InputError, quoteMysqlIdent } from '../common/index.js';
import { resolvePassword } from './credentials.js';
import { connectError, queryError } from './db-errors.js';
import { dbTable, type DbColumn, type TextRows } from './db-export.js';
import type { ConnectorContext } from './open-connector.js';
import { queryProbeSql, statementOf } from './query-probe.js';
import type { Connector, SourceSpec, SourceTable } from './types.js';

type TypeCastField = Parameters<Extract<NonNullable<mysql.QueryOptions['typeCast']>, (...args: never[]) => unknown>>[0];

const BLOB_TYPES = new Set(['TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB', 'BLOB', 'VAR_STRING', 'STRING', 'GEOMETRY']);

/** Every value as text (binary as \x-hex), so DuckDB parses it into the declared type. */
function castToText(field: TypeCastField): string | null {
  if (field.type === 'BIT') {
    const bytes = field.buffer();
    return bytes === null ? null : BigInt('0x' + (bytes.toString('hex') || '0')).toString();
  }
  if (BLOB_TYPES.has(field.type)) {
    const bytes = field.buffer();
    if (bytes === null) return null;
    return isUtf8(bytes) ? bytes.toString('utf8') : '\\x' + bytes.toString('hex');
  }
  return field.string();
}

/**
 * A MySQL or MariaDB database: chosen tables, every table of a database (default: the URL's), or a
 * query. Rows stream from the driver with backpressure (the connection pauses while DuckDB's side
 * catches up), so a table of any size is read in bounded memory.
 */
export class MysqlConnector implements Connector {
  #conn: mysql.Connection | undefined;

  constructor(
    readonly spec: SourceSpec,
    private readonly ctx: ConnectorContext,
  ) {}

  async #connect(): Promise<mysql.Connection> {
    if (this.#conn) return this.#conn;
    const password = resolvePassword(this.ctx.credential, this.spec.uri);
    const url = new URL(this.spec.uri);
    const conn = mysql.createConnection({
      host: url.hostname,
      port: url.port ? Number(url.port) : 3306,
      user: decodeURIComponent(url.username),
      ...(password !== undefined ? { password } : {}),
      database: decodeURIComponent(url.pathname.slice(1)),
      connectTimeout: 10_000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
    });
    conn.on('error', () => undefined);
    try {
      await conn.promise().query('SELECT 1');
    } catch (error) {
      conn.destroy();
      throw connectError(error, this.spec.uri, url.username ? decodeURIComponent(url.username) : undefined, password !== undefined);
    }
    this.#conn = conn;
    return conn;
  }

  async listTables(): Promise<SourceTable[]> {
    const conn = await this.#connect();
    const { tables, schema, query } = this.spec.options;
    if (query) {
      await conn
        .promise()
        .query(queryProbeSql(query, 'mysql'))
        .catch((error: unknown) => {
          throw queryError(error, 'the query of this source');
        });
      return [this.#table(this.ctx.sourceName, statementOf(query, 'mysql'), 'query')];
    }
    if (tables?.length) {
      const out: SourceTable[] = [];
      for (const name of tables) {
        const parts = name.split('.');
        const db = parts.length > 1 ? (parts[0] ?? null) : null;
        const table = parts[parts.length - 1] ?? name;
        const there = await this.#tablesOf(conn, db);
        if (!there.includes(table)) {
          throw new InputError(`no table ${name} in ${this.spec.uri}`, there.length ? `tables there: ${there.slice(0, 20).join(', ')}` : 'that database has no tables');
        }
        out.push(this.#table(name, `SELECT * FROM ${parts.map(quoteMysqlIdent).join('.')}`, name));
      }
      return out;
    }
    const names = await this.#tablesOf(conn, schema ?? null);
    if (names.length === 0) throw new InputError(`database ${schema ?? 'of ' + this.spec.uri} has no tables (or does not exist)`, 'check the name, or choose tables with --tables');
    return names.map((t) => this.#table(t, `SELECT * FROM ${schema ? quoteMysqlIdent(schema) + '.' : ''}${quoteMysqlIdent(t)}`, schema ? `${schema}.${t}` : t));
  }

  async #tablesOf(conn: mysql.Connection, database: string | null): Promise<string[]> {
    const [rows] = await conn
      .promise()
      .query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = coalesce(?, DATABASE()) ORDER BY 1', [database]);
    return (rows as { t: string }[]).map((r) => r.t);
  }

  #table(name: string, sql: string, origin: string): SourceTable {
    return dbTable(this.spec.uri, name, origin, 'mysql', (label) => this.#stream(sql, label));
  }

  async #stream(sql: string, label: string): Promise<{ columns: DbColumn[]; rows: TextRows }> {
    const conn = await this.#connect();
    // the stream must be made at once: rows that arrive before it exists are lost
    const stream = conn.query({ sql, rowsAsArray: true, typeCast: castToText }).stream({ highWaterMark: 1000 });
    const fields = await new Promise<mysql.FieldPacket[]>((resolve, reject) => {
      stream.once('fields', (f: mysql.FieldPacket[]) => resolve(f));
      stream.once('error', (error: unknown) => reject(queryError(error, `reading ${label}`)));
      stream.once('end', () => resolve([]));
    });
    const columns = fields.map((f) => ({ name: f.name, duckType: mysqlType(f) }));
    async function* rows(): TextRows {
      try {
        for await (const row of stream) yield row as (string | null)[];
      } catch (error) {
        throw queryError(error, `reading ${label}`);
      }
    }
    return { columns, rows: rows() };
  }

  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) await conn.promise().end().catch(() => conn.destroy());
  }
}

const UNSIGNED_FLAG = 32;

/** The DuckDB type that MySQL's text form of a column type parses into. */
function mysqlType(field: mysql.FieldPacket): string {
  const flags = typeof field.flags === 'number' ? field.flags : 0;
  switch (field.columnType ?? field.type) {
    case 1: // TINY
    case 2: // SHORT
    case 3: // LONG
    case 9: // INT24
    case 13: // YEAR
      return 'BIGINT';
    case 8: // LONGLONG
      return flags & UNSIGNED_FLAG ? 'UBIGINT' : 'BIGINT';
    case 4: // FLOAT
    case 5: // DOUBLE
      return 'DOUBLE';
    case 0: // DECIMAL
    case 246: {
      // NEWDECIMAL: the display length counts the sign and the decimal point
      const scale = field.decimals;
      const precision = (field.columnLength ?? 0) - (scale > 0 ? 1 : 0) - (flags & UNSIGNED_FLAG ? 0 : 1);
      return precision >= 1 && precision <= 38 && scale <= precision ? `DECIMAL(${precision},${scale})` : 'DOUBLE';
    }
    case 10: // DATE
    case 14: // NEWDATE
      return 'DATE';
    case 7: // TIMESTAMP
    case 12: // DATETIME
      return 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}
