import type { Kysely } from 'kysely';
import { InputError } from '../common/index.js';
import { appendActions, logAnchor, verifyActionLog } from './action-log.js';
import { canonicalJson } from './canonical-json.js';
import { isUniqueViolation, translateCatalogError } from './catalog-errors.js';
import type { CatalogDatabase } from './db-schema.js';
import { findExploreResult, putExploreResult } from './explore-results.js';
import type { CatalogDialect } from './migrations/index.js';
import { toAction, toProject, toSnapshot, toSource } from './rows.js';
import { addModelApproval, getDeployment, getModelVersion, listModelVersions, registerModelVersion, saveDeployment, setModelStage } from './model-registry.js';
import { queryStatus } from './status-query.js';
import { addTagVersion, latestTagVersion, listTagVersions } from './tag-versions.js';
import type {
  ActionClaim,
  ActionFilter,
  ActionInput,
  ActionKey,
  ActionRecord,
  Catalog,
  DeploymentRecord,
  ModelApproval,
  ModelStage,
  ModelVersionRecord,
  ExploreResultKey,
  ExploreResultRecord,
  LogAnchor,
  LogVerification,
  ProjectRecord,
  ProjectStatus,
  SnapshotRecord,
  SourceRecord,
  TagVersionRecord,
  VerifyLogOptions,
} from './types.js';
import { inWriteTransaction } from './write-transaction.js';

/** How many of each project's newest actions `status()` returns unless told otherwise. */
export const DEFAULT_STATUS_ACTIONS = 5;

/** The one Catalog implementation: the same kysely queries on SQLite and PostgreSQL. */
export class KyselyCatalog implements Catalog {
  readonly #db: Kysely<CatalogDatabase>;
  readonly #close: () => Promise<void>;
  readonly #logKey: Uint8Array | undefined;

  /** `logKey`: the key the action log is sealed with (HMAC); without it the log stays plain SHA-256, and a keyed log is refused. */
  constructor(
    db: Kysely<CatalogDatabase>,
    readonly url: string,
    readonly dialect: CatalogDialect,
    close: () => Promise<void>,
    logKey?: Uint8Array,
  ) {
    this.#db = db;
    this.#close = close;
    this.#logKey = logKey;
  }

  /** @internal for the catalog's own tests (tampering with the log): the underlying query builder */
  get db(): Kysely<CatalogDatabase> {
    return this.#db;
  }

  async createProject(name: string, settings: Record<string, unknown> = {}): Promise<ProjectRecord> {
    return this.#guard(async () => {
      try {
        const row = await this.#db
          .insertInto('projects')
          .values({ name, created_at: now(), settings: canonicalJson(settings) })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toProject(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new InputError(`project ${name} already exists`, 'pick another name, or work in the existing project', { cause: error });
        }
        throw error;
      }
    });
  }

  async getProject(name: string): Promise<ProjectRecord | undefined> {
    return this.#guard(async () => {
      const row = await this.#db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
      return row && toProject(row);
    });
  }

  async listProjects(): Promise<ProjectRecord[]> {
    return this.#guard(async () => {
      const rows = await this.#db.selectFrom('projects').selectAll().orderBy('name').execute();
      return rows.map(toProject);
    });
  }

  /** Shallow merge into the existing settings: keys not given keep their value. */
  async updateProjectSettings(name: string, settings: Record<string, unknown>): Promise<void> {
    return this.#guard(async () => {
      await inWriteTransaction(this.#db, this.dialect, 'projects', async (trx) => {
        const row = await trx.selectFrom('projects').select('settings').where('name', '=', name).executeTakeFirst();
        if (!row) throw new InputError(`no project ${name} in this lab`, 'see `autolab project list`');
        const merged = { ...(JSON.parse(row.settings) as Record<string, unknown>), ...settings };
        await trx.updateTable('projects').set({ settings: canonicalJson(merged) }).where('name', '=', name).execute();
      });
    });
  }

  async addSource(source: Omit<SourceRecord, 'id' | 'createdAt'>): Promise<SourceRecord> {
    return this.#guard(async () => {
      try {
        const row = await this.#db
          .insertInto('sources')
          .values({
            project_id: source.projectId,
            name: source.name,
            kind: source.kind,
            uri: source.uri,
            options: canonicalJson(source.options),
            credential_id: source.credentialId,
            created_at: now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSource(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new InputError(`source ${source.name} already exists in this project`, 'pick another name', { cause: error });
        }
        throw error;
      }
    });
  }

  async getSource(projectId: number, name: string): Promise<SourceRecord | undefined> {
    return this.#guard(async () => {
      const row = await this.#db
        .selectFrom('sources')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('name', '=', name)
        .executeTakeFirst();
      return row && toSource(row);
    });
  }

  async listSources(projectId: number): Promise<SourceRecord[]> {
    return this.#guard(async () => {
      const rows = await this.#db.selectFrom('sources').selectAll().where('project_id', '=', projectId).orderBy('name').execute();
      return rows.map(toSource);
    });
  }

  /** Insert or replace (a changed password replaces the old ciphertext). */
  async putCredential(id: string, ciphertext: string): Promise<void> {
    return this.#guard(async () => {
      const time = now();
      await this.#db
        .insertInto('credentials')
        .values({ id, ciphertext, created_at: time, updated_at: time })
        .onConflict((oc) => oc.column('id').doUpdateSet({ ciphertext, updated_at: time }))
        .execute();
    });
  }

  async getCredential(id: string): Promise<string | undefined> {
    return this.#guard(async () => {
      const row = await this.#db.selectFrom('credentials').select('ciphertext').where('id', '=', id).executeTakeFirst();
      return row?.ciphertext;
    });
  }

  /** The next version for (source, table) is taken under the snapshot write lock. */
  async addSnapshot(snapshot: Omit<SnapshotRecord, 'id' | 'createdAt' | 'version'>): Promise<SnapshotRecord> {
    return this.#guard(async () => {
      return inWriteTransaction(this.#db, this.dialect, 'snapshots', async (trx) => {
        const last = await trx
          .selectFrom('snapshots')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('source_id', '=', snapshot.sourceId)
          .where('table_name', '=', snapshot.tableName)
          .executeTakeFirst();
        const row = await trx
          .insertInto('snapshots')
          .values({
            project_id: snapshot.projectId,
            source_id: snapshot.sourceId,
            table_name: snapshot.tableName,
            version: Number(last?.v ?? 0) + 1,
            content_hash: snapshot.contentHash,
            lake_key: snapshot.lakeKey,
            raw_hashes: canonicalJson(snapshot.rawHashes),
            row_count: snapshot.rowCount,
            bytes: snapshot.bytes,
            columns: canonicalJson(snapshot.schema),
            quality: canonicalJson(snapshot.quality),
            created_at: now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toSnapshot(row);
      });
    });
  }

  async latestSnapshot(sourceId: number, tableName: string): Promise<SnapshotRecord | undefined> {
    return this.#guard(async () => {
      const row = await this.#db
        .selectFrom('snapshots')
        .selectAll()
        .where('source_id', '=', sourceId)
        .where('table_name', '=', tableName)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && toSnapshot(row);
    });
  }

  async listSnapshots(projectId: number): Promise<SnapshotRecord[]> {
    return this.#guard(async () => {
      const rows = await this.#db
        .selectFrom('snapshots')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('source_id')
        .orderBy('table_name')
        .orderBy('version')
        .execute();
      return rows.map(toSnapshot);
    });
  }

  putExploreResult(result: Omit<ExploreResultRecord, 'id' | 'createdAt'>): Promise<ExploreResultRecord> {
    return this.#guard(() => putExploreResult(this.#db, result));
  }

  findExploreResult(key: ExploreResultKey): Promise<ExploreResultRecord | undefined> {
    return this.#guard(() => findExploreResult(this.#db, key));
  }

  addTagVersion(entry: Omit<TagVersionRecord, 'version' | 'createdAt'>, expectedVersion: number): Promise<TagVersionRecord> {
    return this.#guard(() => addTagVersion(this.#db, this.dialect, entry, expectedVersion));
  }

  latestTagVersion(projectId: number): Promise<TagVersionRecord | undefined> {
    return this.#guard(() => latestTagVersion(this.#db, projectId));
  }

  listTagVersions(projectId: number): Promise<Omit<TagVersionRecord, 'tags'>[]> {
    return this.#guard(() => listTagVersions(this.#db, projectId));
  }

  async appendAction(action: ActionInput): Promise<ActionRecord> {
    return this.#guard(async () => {
      const [record] = await appendActions(this.#db, this.dialect, [action], this.#logKey);
      if (!record) throw new Error('appendActions returned no record for one action');
      return record;
    });
  }

  /** Several entries in one transaction (one fsync): for bulk work and benchmarks. */
  async appendActions(actions: readonly ActionInput[]): Promise<ActionRecord[]> {
    return this.#guard(() => appendActions(this.#db, this.dialect, actions, this.#logKey));
  }

  /** The newest `limit` entries that match (all when no limit), oldest first. */
  async listActions(filter: ActionFilter = {}): Promise<ActionRecord[]> {
    return this.#guard(async () => {
      let query = this.#db.selectFrom('actions').selectAll().orderBy('seq', 'desc');
      if (filter.project !== undefined) query = query.where('project', '=', filter.project);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      if (filter.unit !== undefined) query = query.where('unit', '=', filter.unit);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      // a limit past what the databases' integers hold means no limit, not a driver error
      if (filter.limit !== undefined && filter.limit < Number.MAX_SAFE_INTEGER) query = query.limit(Math.max(0, Math.floor(filter.limit)));
      const rows = await query.execute();
      return rows.map(toAction).reverse();
    });
  }

  async findResult(key: ActionKey): Promise<ActionRecord | undefined> {
    return this.#guard(async () => {
      const row = await this.#db
        .selectFrom('action_results')
        .innerJoin('actions', 'actions.seq', 'action_results.seq')
        .selectAll('actions')
        .where('action_results.project', '=', key.project)
        .where('action_results.kind', '=', key.kind)
        .where('action_results.unit', '=', key.unit)
        .where('action_results.inputs_hash', '=', key.inputsHash)
        .executeTakeFirst();
      return row && toAction(row);
    });
  }

  /**
   * One upsert: it takes the row only where the standing claim has run out, is ours, or is the dead
   * one's. A claim released between the upsert and the look at its row (the holder finished) leaves
   * no row: the unit is free, and the upsert is tried again.
   */
  async claimUnit(key: Omit<ActionKey, 'inputsHash'>, workerId: string, leaseMs: number, replacing?: string): Promise<{ claimed: true } | { claimed: false; holder: ActionClaim }> {
    return this.#guard(async () => {
      for (let attempt = 0; ; attempt++) {
        const claim = await this.#claimOnce(key, workerId, leaseMs, replacing);
        if (claim !== undefined) return claim;
        if (attempt >= 10) throw new Error(`the claim of ${key.kind} ${key.unit} was released ten times while it was being taken`);
      }
    });
  }

  async #claimOnce(key: Omit<ActionKey, 'inputsHash'>, workerId: string, leaseMs: number, replacing?: string): Promise<{ claimed: true } | { claimed: false; holder: ActionClaim } | undefined> {
    const claimedAt = now();
    const expiresAt = new Date(Date.now() + leaseMs).toISOString();
    const where = { project: key.project, kind: key.kind, unit: key.unit };
    await this.#db
      .insertInto('action_claims')
      .values({ ...where, worker_id: workerId, claimed_at: claimedAt, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .columns(['project', 'kind', 'unit'])
          .doUpdateSet({ worker_id: workerId, claimed_at: claimedAt, expires_at: expiresAt })
          .where((eb) =>
            eb.or([
              eb('action_claims.expires_at', '<', claimedAt),
              eb('action_claims.worker_id', '=', workerId),
              ...(replacing !== undefined ? [eb('action_claims.worker_id', '=', replacing)] : []),
            ]),
          ),
      )
      .execute();
    const row = await this.#db
      .selectFrom('action_claims')
      .selectAll()
      .where('project', '=', key.project)
      .where('kind', '=', key.kind)
      .where('unit', '=', key.unit)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (row.worker_id === workerId && row.claimed_at === claimedAt) return { claimed: true as const };
    return { claimed: false as const, holder: { workerId: row.worker_id, claimedAt: row.claimed_at, expiresAt: row.expires_at } };
  }

  async releaseUnit(key: Omit<ActionKey, 'inputsHash'>, workerId: string): Promise<void> {
    return this.#guard(async () => {
      await this.#db
        .deleteFrom('action_claims')
        .where('project', '=', key.project)
        .where('kind', '=', key.kind)
        .where('unit', '=', key.unit)
        .where('worker_id', '=', workerId)
        .execute();
    });
  }

  verifyLog(options: VerifyLogOptions = {}): Promise<LogVerification> {
    return this.#guard(() => verifyActionLog(this.#db, this.#logKey, options));
  }

  logAnchor(): Promise<LogAnchor | null> {
    return this.#guard(() => logAnchor(this.#db, this.#logKey));
  }

  registerModelVersion(entry: Omit<ModelVersionRecord, 'version' | 'stage' | 'createdAt' | 'stageChangedAt' | 'approvals'>): Promise<{ record: ModelVersionRecord; created: boolean }> {
    return this.#guard(() => registerModelVersion(this.#db, this.dialect, entry));
  }

  getModelVersion(projectId: number, version: number): Promise<ModelVersionRecord | undefined> {
    return this.#guard(() => getModelVersion(this.#db, projectId, version));
  }

  listModelVersions(projectId: number): Promise<ModelVersionRecord[]> {
    return this.#guard(() => listModelVersions(this.#db, projectId));
  }

  setModelStage(projectId: number, version: number, stage: ModelStage): Promise<{ record: ModelVersionRecord; archived: number | null }> {
    return this.#guard(() => setModelStage(this.#db, this.dialect, projectId, version, stage));
  }

  addModelApproval(projectId: number, version: number, approval: Omit<ModelApproval, 'at'>): Promise<ModelApproval> {
    return this.#guard(() => addModelApproval(this.#db, projectId, version, approval));
  }

  getDeployment(projectId: number): Promise<DeploymentRecord | undefined> {
    return this.#guard(() => getDeployment(this.#db, projectId));
  }

  saveDeployment(deployment: Omit<DeploymentRecord, 'revision' | 'updatedAt'>, expectedRevision: number): Promise<DeploymentRecord> {
    return this.#guard(() => saveDeployment(this.#db, this.dialect, deployment, expectedRevision));
  }

  /** `lastActions` per project are newest first. */
  status(options: { lastActions?: number } = {}): Promise<ProjectStatus[]> {
    return this.#guard(() => queryStatus(this.#db, options.lastActions ?? DEFAULT_STATUS_ACTIONS));
  }

  close(): Promise<void> {
    return this.#close();
  }

  /** Driver errors a user can meet (a lock held too long, a full disk, a lost server) become one-line errors. */
  async #guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateCatalogError(error, this.url);
    }
  }
}

function now(): string {
  return new Date().toISOString();
}
