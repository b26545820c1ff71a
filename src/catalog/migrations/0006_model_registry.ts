import type { Kysely } from 'kysely';
import type { CatalogDialect, CatalogMigration } from './catalog-migration.js';

/**
 * The model registry: one row per registered bundle (a version number per project, the store
 * hashes of its files, its metrics, leaderboard and lineage as canonical JSON, its stage), the
 * approvals people gave (append-only), and per project the deployment: which version each of the
 * two slots holds, which slot is live, the traffic weights and the shadow slot.
 */
export const modelRegistry: CatalogMigration = {
  name: '0006_model_registry',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>, dialect: CatalogDialect): Promise<void> {
    const bigint = dialect === 'sqlite' ? 'integer' : 'bigint';
    await db.schema
      .createTable('model_versions')
      .addColumn('project_id', 'integer', (c) => c.notNull().references('projects.id'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('bundle_hash', 'text', (c) => c.notNull())
      .addColumn('files', 'text', (c) => c.notNull())
      .addColumn('stage', 'text', (c) => c.notNull())
      .addColumn('train_seq', bigint)
      .addColumn('metrics', 'text', (c) => c.notNull())
      .addColumn('leaderboard', 'text', (c) => c.notNull())
      .addColumn('lineage', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('stage_changed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('model_versions_pk', ['project_id', 'version'])
      .addUniqueConstraint('model_versions_bundle', ['project_id', 'bundle_hash'])
      .execute();
    await db.schema
      .createTable('model_approvals')
      .addColumn('project_id', 'integer', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('approved_by', 'text', (c) => c.notNull())
      .addColumn('approved_at', 'text', (c) => c.notNull())
      .addColumn('note', 'text')
      .addForeignKeyConstraint('model_approvals_version', ['project_id', 'version'], 'model_versions', ['project_id', 'version'])
      .execute();
    await db.schema.createIndex('model_approvals_project_version').on('model_approvals').columns(['project_id', 'version']).execute();
    await db.schema
      .createTable('deployments')
      .addColumn('project_id', 'integer', (c) => c.notNull().primaryKey().references('projects.id'))
      .addColumn('blue_version', 'integer')
      .addColumn('green_version', 'integer')
      .addColumn('live_slot', 'text', (c) => c.notNull())
      .addColumn('blue_weight', 'integer', (c) => c.notNull())
      .addColumn('green_weight', 'integer', (c) => c.notNull())
      .addColumn('shadow_slot', 'text')
      .addColumn('previous_live', 'text')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
