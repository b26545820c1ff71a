import type { Kysely } from 'kysely';
import type { CatalogDialect, CatalogMigration } from './catalog-migration.js';

/**
 * Actions as the unit of the program: an entry may name the unit of work it did (a source table, a
 * table, a project) and the hash of its inputs; `action_results` keeps, per (project, kind, unit,
 * inputs hash), the newest done entry, so that finding a reusable result is one indexed read; and
 * `action_claims` holds who is doing a unit now, so that two processes never do it twice.
 */
export const actionResults: CatalogMigration = {
  name: '0004_action_results',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    await db.schema.alterTable('actions').addColumn('unit', 'text').execute();
    await db.schema.alterTable('actions').addColumn('inputs_hash', 'text').execute();
    await db.schema
      .createTable('action_results')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('inputs_hash', 'text', (c) => c.notNull())
      .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('action_results_pk', ['project', 'kind', 'unit', 'inputs_hash'])
      .execute();
    await db.schema
      .createTable('action_claims')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('claimed_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('action_claims_pk', ['project', 'kind', 'unit'])
      .execute();
  },
};
