import { sql, type Kysely } from 'kysely';
import type { CatalogDialect, CatalogMigration } from './catalog-migration.js';

/**
 * The last done time per (project, kind), kept beside the log in the same transaction as each
 * append, so that `status` reads a few rows instead of grouping the whole log. Filled from the
 * existing log on upgrade.
 */
export const actionHeads: CatalogMigration = {
  name: '0003_action_heads',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    await db.schema
      .createTable('action_heads')
      .addColumn('project', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('last_done_at', 'text', (c) => c.notNull())
      .addColumn('done_count', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('action_heads_pk', ['project', 'kind'])
      .execute();
    await sql`
      insert into action_heads (project, kind, last_done_at, done_count)
      select project, kind, max(finished_at), count(*) from actions
      where status = 'done' and project is not null
      group by project, kind
    `.execute(db);
  },
};
