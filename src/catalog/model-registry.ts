import type { Kysely, Selectable } from 'kysely';
import { InputError, LabError } from '../common/index.js';
import { canonicalJson } from './canonical-json.js';
import type { CatalogDatabase, DeploymentsTable, ModelApprovalsTable, ModelVersionsTable } from './db-schema.js';
import type { CatalogDialect } from './migrations/index.js';
import { parseArrayColumn, parseObjectColumn } from './rows.js';
import type { DeploymentRecord, ModelApproval, ModelStage, ModelVersionRecord, Slot } from './types.js';
import { inWriteTransaction } from './write-transaction.js';

/**
 * The model registry's rows: versions numbered per project under one write lock, stage changes
 * that keep one production version per project, approvals appended, and the deployment of each
 * project written revision by revision (a writer that read an older revision is refused).
 */

type NewModelVersion = Omit<ModelVersionRecord, 'version' | 'stage' | 'createdAt' | 'stageChangedAt' | 'approvals'>;

export async function registerModelVersion(db: Kysely<CatalogDatabase>, dialect: CatalogDialect, entry: NewModelVersion): Promise<{ record: ModelVersionRecord; created: boolean }> {
  return inWriteTransaction(db, dialect, 'models', async (trx) => {
    const existing = await trx.selectFrom('model_versions').selectAll().where('project_id', '=', entry.projectId).where('bundle_hash', '=', entry.bundleHash).executeTakeFirst();
    if (existing) return { record: toModelVersion(existing, await approvalsOf(trx, entry.projectId, [Number(existing.version)])), created: false };
    const last = await trx.selectFrom('model_versions').select((eb) => eb.fn.max('version').as('v')).where('project_id', '=', entry.projectId).executeTakeFirst();
    const time = new Date().toISOString();
    const row = await trx
      .insertInto('model_versions')
      .values({
        project_id: entry.projectId,
        version: Number(last?.v ?? 0) + 1,
        bundle_hash: entry.bundleHash,
        files: canonicalJson(entry.files),
        stage: 'none',
        train_seq: entry.trainSeq,
        metrics: canonicalJson(entry.metrics),
        leaderboard: canonicalJson(entry.leaderboard),
        lineage: canonicalJson(entry.lineage),
        created_at: time,
        stage_changed_at: time,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { record: toModelVersion(row, []), created: true };
  });
}

export async function getModelVersion(db: Kysely<CatalogDatabase>, projectId: number, version: number): Promise<ModelVersionRecord | undefined> {
  const row = await db.selectFrom('model_versions').selectAll().where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
  return row && toModelVersion(row, await approvalsOf(db, projectId, [version]));
}

export async function listModelVersions(db: Kysely<CatalogDatabase>, projectId: number): Promise<ModelVersionRecord[]> {
  const rows = await db.selectFrom('model_versions').selectAll().where('project_id', '=', projectId).orderBy('version').execute();
  const approvals = await approvalsOf(db, projectId, null);
  return rows.map((row) => toModelVersion(row, approvals.filter((a) => Number(a.version) === Number(row.version))));
}

export async function setModelStage(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  projectId: number,
  version: number,
  stage: ModelStage,
): Promise<{ record: ModelVersionRecord; archived: number | null }> {
  return inWriteTransaction(db, dialect, 'models', async (trx) => {
    const row = await trx.selectFrom('model_versions').selectAll().where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
    if (!row) throw new InputError(`model version ${version} is not registered`, 'see `autolab models list`');
    const time = new Date().toISOString();
    let archived: number | null = null;
    if (stage === 'production') {
      const current = await trx.selectFrom('model_versions').select('version').where('project_id', '=', projectId).where('stage', '=', 'production').where('version', '!=', version).execute();
      for (const old of current) {
        await trx.updateTable('model_versions').set({ stage: 'archived', stage_changed_at: time }).where('project_id', '=', projectId).where('version', '=', old.version).execute();
        archived = Number(old.version);
      }
    }
    const updated = await trx
      .updateTable('model_versions')
      .set({ stage, stage_changed_at: time })
      .where('project_id', '=', projectId)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { record: toModelVersion(updated, await approvalsOf(trx, projectId, [version])), archived };
  });
}

export async function addModelApproval(db: Kysely<CatalogDatabase>, projectId: number, version: number, approval: Omit<ModelApproval, 'at'>): Promise<ModelApproval> {
  const exists = await db.selectFrom('model_versions').select('version').where('project_id', '=', projectId).where('version', '=', version).executeTakeFirst();
  if (!exists) throw new InputError(`model version ${version} is not registered`, 'see `autolab models list`');
  const at = new Date().toISOString();
  await db.insertInto('model_approvals').values({ project_id: projectId, version, approved_by: approval.by, approved_at: at, note: approval.note }).execute();
  return { by: approval.by, at, note: approval.note };
}

export async function getDeployment(db: Kysely<CatalogDatabase>, projectId: number): Promise<DeploymentRecord | undefined> {
  const row = await db.selectFrom('deployments').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  return row && toDeployment(row);
}

export async function saveDeployment(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  deployment: Omit<DeploymentRecord, 'revision' | 'updatedAt'>,
  expectedRevision: number,
): Promise<DeploymentRecord> {
  return inWriteTransaction(db, dialect, 'deployments', async (trx) => {
    const current = await trx.selectFrom('deployments').select('revision').where('project_id', '=', deployment.projectId).executeTakeFirst();
    const revision = Number(current?.revision ?? 0);
    if (revision !== expectedRevision) {
      throw new LabError(`the deployment changed meanwhile (revision ${revision}, this change was made on ${expectedRevision})`, 'run the command again; it starts from the newest deployment');
    }
    const values = {
      blue_version: deployment.slots.blue,
      green_version: deployment.slots.green,
      live_slot: deployment.live,
      blue_weight: deployment.weights.blue,
      green_weight: deployment.weights.green,
      shadow_slot: deployment.shadow,
      previous_live: deployment.previousLive,
      revision: revision + 1,
      updated_at: new Date().toISOString(),
    };
    const row = current
      ? await trx.updateTable('deployments').set(values).where('project_id', '=', deployment.projectId).returningAll().executeTakeFirstOrThrow()
      : await trx.insertInto('deployments').values({ project_id: deployment.projectId, ...values }).returningAll().executeTakeFirstOrThrow();
    return toDeployment(row);
  });
}

async function approvalsOf(db: Kysely<CatalogDatabase>, projectId: number, versions: readonly number[] | null): Promise<Selectable<ModelApprovalsTable>[]> {
  let query = db.selectFrom('model_approvals').selectAll().where('project_id', '=', projectId);
  if (versions) query = query.where('version', 'in', versions);
  // insertion order is the order of approval: approved_at then version for a stable read on both dialects
  return query.orderBy('approved_at').orderBy('version').execute();
}

const STAGES: readonly ModelStage[] = ['none', 'staging', 'production', 'archived'];

function toModelVersion(row: Selectable<ModelVersionsTable>, approvals: readonly Selectable<ModelApprovalsTable>[]): ModelVersionRecord {
  const where = `model_versions of project ${row.project_id} version ${row.version}`;
  return {
    projectId: Number(row.project_id),
    version: Number(row.version),
    bundleHash: row.bundle_hash,
    files: parseObjectColumn(row.files, where, 'files') as Record<string, string>,
    stage: STAGES.includes(row.stage as ModelStage) ? (row.stage as ModelStage) : 'none',
    trainSeq: row.train_seq === null ? null : Number(row.train_seq),
    metrics: parseObjectColumn(row.metrics, where, 'metrics'),
    leaderboard: parseArrayColumn(row.leaderboard, where, 'leaderboard'),
    lineage: parseObjectColumn(row.lineage, where, 'lineage'),
    createdAt: row.created_at,
    stageChangedAt: row.stage_changed_at,
    approvals: approvals.map((a) => ({ by: a.approved_by, at: a.approved_at, note: a.note })),
  };
}

function toDeployment(row: Selectable<DeploymentsTable>): DeploymentRecord {
  const slot = (value: string | null): Slot | null => (value === 'blue' || value === 'green' ? value : null);
  return {
    projectId: Number(row.project_id),
    slots: { blue: row.blue_version === null ? null : Number(row.blue_version), green: row.green_version === null ? null : Number(row.green_version) },
    live: slot(row.live_slot) ?? 'blue',
    weights: { blue: Number(row.blue_weight), green: Number(row.green_weight) },
    shadow: slot(row.shadow_slot),
    previousLive: slot(row.previous_live),
    revision: Number(row.revision),
    updatedAt: row.updated_at,
  };
}
