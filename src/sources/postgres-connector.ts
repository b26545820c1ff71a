import pg from 'pg';
import { InputError, quoteIdent, withUrlSecrets } from '../common/index.js';
import { resolvePassword } from './credentials.js';
import { connectError, queryError } from './db-errors.js';
import { dbTable, type DbColumn, type TextRows } from './db-export.js';
import type { ConnectorContext } from './open-connector.js';
import { queryProbeSql, statementOf } from './query-probe.js';
import type { Connector, SourceSpec, SourceTable } from './types.js';

/** Rows fetched per round trip from the server-side cursor. */
const FETCH_ROWS = 10_000;

// every value as the server's text: DuckDB parses it into the declared type
const TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * A PostgreSQL database: chosen tables, every table of a schema (default: the current one), or a
 * query. Rows stream through a server-side cursor in batches, so a table of any size is read in
 * bounded memory.
 */
export class PostgresConnector implements Connector {
  #client: pg.Client | undefined;

  constructor(
    readonly spec: SourceSpec,
    private readonly ctx: ConnectorContext,
  ) {}

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const password = resolvePassword(this.ctx.credential, this.spec.uri);
    const url = new URL(this.spec.uri);
    const client = new pg.Client({
      // secret parameters (sslpassword …) were kept in the vault, not in the URI
      connectionString: withUrlSecrets(this.spec.uri, { params: this.ctx.credential?.params ?? {} }),
      ...(password !== undefined ? { password } : {}),
      types: TEXT_TYPES,
      connectionTimeoutMillis: 10_000,
      application_name: 'autolab',
    });
    // a dropped connection later must not crash the process: the running query fails instead
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw connectError(error, this.spec.uri, url.username ? decodeURIComponent(url.username) : undefined, password !== undefined);
    }
    this.#client = client;
    return client;
  }

  async listTables(): Promise<SourceTable[]> {
    const client = await this.#connect();
    const { tables, schema, query } = this.spec.options;
    if (query) {
      await client.query(queryProbeSql(query, 'postgres')).catch((error: unknown) => {
        throw queryError(error, 'the query of this source');
      });
      return [this.#table(this.ctx.sourceName, statementOf(query, 'postgres'), 'query')];
    }
    if (tables?.length) {
      const out: SourceTable[] = [];
      for (const name of tables) {
        const parts = name.split('.');
        const qualified = parts.map(quoteIdent).join('.');
        const found = await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [qualified]).catch(() => ({ rows: [{ r: null }] }));
        if (!found.rows[0]?.r) {
          const there = await this.#tablesOf(client, parts.length > 1 ? (parts[0] ?? '') : null);
          throw new InputError(`no table ${name} in ${this.spec.uri}`, there.length ? `tables there: ${there.slice(0, 20).join(', ')}` : 'that schema has no tables');
        }
        out.push(this.#table(name, `SELECT * FROM ${qualified}`, name));
      }
      return out;
    }
    const names = await this.#tablesOf(client, schema ?? null);
    const schemaName = schema ?? (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public';
    if (names.length === 0) throw new InputError(`schema ${schemaName} of ${this.spec.uri} has no tables (or does not exist)`, 'check the schema name, or choose tables with --tables');
    return names.map((t) => this.#table(t, `SELECT * FROM ${quoteIdent(schemaName)}.${quoteIdent(t)}`, `${schemaName}.${t}`));
  }

  async #tablesOf(client: pg.Client, schema: string | null): Promise<string[]> {
    const result = await client.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = coalesce($1, current_schema()) AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY 1",
      [schema],
    );
    return result.rows.map((r) => r.t);
  }

  #table(name: string, sql: string, origin: string): SourceTable {
    return dbTable(this.spec.uri, name, origin, 'postgres', (label) => this.#stream(sql, label));
  }

  /** Opens a read-only transaction with a cursor; the first batch gives the column types. */
  async #stream(sql: string, label: string): Promise<{ columns: DbColumn[]; rows: TextRows }> {
    const client = await this.#connect();
    await client.query('BEGIN READ ONLY');
    let first: pg.QueryArrayResult;
    try {
      await client.query(`DECLARE autolab_cursor NO SCROLL CURSOR FOR ${sql}`);
      first = await client.query({ text: `FETCH ${FETCH_ROWS} FROM autolab_cursor`, rowMode: 'array' });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw queryError(error, `reading ${label}`);
    }
    const columns = first.fields.map((f) => ({ name: f.name, duckType: pgType(f.dataTypeID, f.dataTypeModifier) }));
    async function* rows(): TextRows {
      let batch = first;
      try {
        while (true) {
          for (const row of batch.rows as (string | null)[][]) yield row;
          if (batch.rows.length < FETCH_ROWS) break;
          batch = await client.query({ text: `FETCH ${FETCH_ROWS} FROM autolab_cursor`, rowMode: 'array' });
        }
        await client.query('CLOSE autolab_cursor');
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw queryError(error, `reading ${label}`);
      }
    }
    return { columns, rows: rows() };
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** The DuckDB type that PostgreSQL's text form of a type parses into. */
function pgType(oid: number, typmod: number): string {
  switch (oid) {
    case 16:
      return 'BOOLEAN';
    case 20:
    case 26:
      return 'BIGINT';
    case 21:
    case 23:
      return 'INTEGER';
    case 700:
      return 'FLOAT';
    case 701:
      return 'DOUBLE';
    case 1700: {
      if (typmod < 4) return 'DOUBLE';
      const precision = ((typmod - 4) >> 16) & 0xffff;
      const scale = (typmod - 4) & 0xffff;
      return precision >= 1 && precision <= 38 && scale <= precision ? `DECIMAL(${precision},${scale})` : 'DOUBLE';
    }
    case 1082:
      return 'DATE';
    case 1083:
      return 'TIME';
    case 1114:
      return 'TIMESTAMP';
    case 1184:
      return 'TIMESTAMPTZ';
    case 2950:
      return 'UUID';
    default:
      return 'VARCHAR';
  }
}
