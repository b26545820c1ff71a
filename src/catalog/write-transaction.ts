import { sql, type Kysely } from 'kysely';
import type { CatalogDatabase } from './db-schema.js';
import type { CatalogDialect } from './migrations/index.js';

/**
 * Runs `work` in a transaction that holds the catalog's write lock for `lockName` from its first
 * statement, so that read-then-write sequences (next log sequence number, next snapshot version)
 * are serialised across processes. SQLite: BEGIN IMMEDIATE takes the database write lock up front
 * (and waits up to busy_timeout for it). PostgreSQL: a transaction-scoped advisory lock keyed by
 * the name and the current schema, so that labs in different schemas do not wait on each other.
 */
export async function inWriteTransaction<T>(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  lockName: string,
  work: (trx: Kysely<CatalogDatabase>) => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    if (dialect === 'sqlite') {
      await sql`begin immediate`.execute(conn);
    } else {
      await sql`begin`.execute(conn);
      await sql`select pg_advisory_xact_lock(hashtext(${'autolab:' + lockName + ':'} || current_schema()))`.execute(conn);
    }
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
