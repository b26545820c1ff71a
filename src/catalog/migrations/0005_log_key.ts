import type { Kysely } from 'kysely';
import type { CatalogDialect, CatalogMigration } from './catalog-migration.js';

/**
 * The action log sealed with a key: `keyed_from` is the first entry hashed with HMAC-SHA256 under
 * the lab's log key (null: the whole log is plain SHA-256, as written before), and `key_check`
 * an HMAC of a constant under that key, so that a machine holding another key is told at once
 * instead of appending entries nobody else can verify. Existing entries are not rewritten.
 */
export const logKey: CatalogMigration = {
  name: '0005_log_key',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    await db.schema.alterTable('log_head').addColumn('keyed_from', dialect === 'sqlite' ? 'integer' : 'bigint').execute();
    await db.schema.alterTable('log_head').addColumn('key_check', 'text').execute();
  },
};
