import type { Kysely } from 'kysely';
import type { CatalogMigration, CatalogDialect } from './catalog-migration.js';

/**
 * Exploration results and tags. Large results (profiles, round-2 analyses) live in the store under
 * their content hash; the catalog keeps which result belongs to which snapshot or tag version.
 * Tags are stored whole per version: a project's current tags are its highest version.
 */
export const explore: CatalogMigration = {
  name: '0002_explore',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    const id = (table: string) =>
      db.schema
        .createTable(table)
        .addColumn('id', 'integer', (c) =>
          dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
        );

    // kind: 'profile' (per snapshot) | 'relationships' | 'round2' (per project and inputs)
    await id('explore_results')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('snapshot_id', 'integer', (c) => c.references('snapshots.id'))
      .addColumn('inputs_hash', 'text', (c) => c.notNull())
      .addColumn('result_hash', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('explore_results_kind_inputs', ['project_id', 'kind', 'subject', 'inputs_hash'])
      .execute();
    await db.schema.createIndex('explore_results_project_kind').on('explore_results').columns(['project_id', 'kind']).execute();

    await id('tag_versions')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('confirmed_hash', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('change', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('tag_versions_project_version', ['project_id', 'version'])
      .execute();
  },
};
