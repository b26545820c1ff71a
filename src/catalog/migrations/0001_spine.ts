import type { Kysely } from 'kysely';
import type { CatalogDialect, CatalogMigration } from './catalog-migration.js';

/** projects, sources, credentials (ciphertext only), snapshots, the action log and its head. */
export const spine: CatalogMigration = {
  name: '0001_spine',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    const bigint = dialect === 'sqlite' ? 'integer' : 'bigint';
    const double = dialect === 'sqlite' ? 'real' : 'double precision';
    const id = (table: string) =>
      db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) =>
          dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
        );

    await id('projects')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .execute();

    await id('sources')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('uri', 'text', (c) => c.notNull())
      .addColumn('options', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('sources_project_name', ['project_id', 'name'])
      .execute();

    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await id('snapshots')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
      .addColumn('source_id', 'integer', (c) => c.notNull().references('sources.id'))
      .addColumn('table_name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('lake_key', 'text', (c) => c.notNull())
      .addColumn('raw_hashes', 'text', (c) => c.notNull())
      .addColumn('row_count', bigint, (c) => c.notNull())
      .addColumn('bytes', bigint, (c) => c.notNull())
      .addColumn('columns', 'text', (c) => c.notNull())
      .addColumn('quality', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('snapshots_source_table_version', ['source_id', 'table_name', 'version'])
      .execute();
    await db.schema.createIndex('snapshots_project').on('snapshots').column('project_id').execute();

    await db.schema
      .createTable('actions')
      .addColumn('seq', bigint, (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('project', 'text')
      .addColumn('inputs', 'text', (c) => c.notNull())
      .addColumn('outputs', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .addColumn('cpu_seconds', double, (c) => c.notNull())
      .addColumn('bytes_written', bigint, (c) => c.notNull())
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    // status(): last actions per project, and the last done time per (project, kind)
    await db.schema.createIndex('actions_project_seq').on('actions').columns(['project', 'seq']).execute();
    await db.schema.createIndex('actions_project_kind_status').on('actions').columns(['project', 'kind', 'status']).execute();
    await db.schema.createIndex('actions_kind_seq').on('actions').columns(['kind', 'seq']).execute();

    await db.schema
      .createTable('log_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', bigint, (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
  },
};
