import { createHash } from 'node:crypto';
import type { Generated, Kysely } from 'kysely';
import { LabError } from '../common/index.js';
import { canonicalJson } from './canonical-json.js';
import { isUniqueViolation } from './catalog-errors.js';
import type { CatalogDatabase } from './db-schema.js';
import { KyselyCatalog } from './kysely-catalog.js';
import type { CatalogDialect } from './migrations/index.js';
import type { Catalog } from './types.js';
import { inWriteTransaction } from './write-transaction.js';

/**
 * Catalog queries of exploration: which stored result (profile, relationships, round 2) belongs
 * to which snapshot or inputs, and the versioned tags of each project. The tag set itself is
 * opaque JSON here (its type lives in explore/); the catalog only versions it.
 */

type ExploreResultsTable = {
  id: Generated<number>;
  project_id: number;
  kind: string;
  subject: string;
  snapshot_id: number | null;
  inputs_hash: string;
  result_hash: string;
  summary: string;
  created_at: string;
};

type TagVersionsTable = {
  id: Generated<number>;
  project_id: number;
  version: number;
  tags: string;
  confirmed_hash: string;
  author: string;
  change: string;
  created_at: string;
};

type ExploreTables = {
  explore_results: ExploreResultsTable;
  tag_versions: TagVersionsTable;
};

type ExploreDb = Kysely<CatalogDatabase & ExploreTables>;

export type ExploreResultKind = 'profile' | 'relationships' | 'round2';

export interface ExploreResultRecord {
  readonly id: number;
  readonly projectId: number;
  readonly kind: ExploreResultKind;
  /** the table name for a profile; `project` for project-wide results */
  readonly subject: string;
  readonly snapshotId: number | null;
  /** a hash of everything the result was computed from (snapshot hash, tag hash, …) */
  readonly inputsHash: string;
  /** the store hash of the JSON result */
  readonly resultHash: string;
  /** small JSON, e.g. { rows, columns, alerts } */
  readonly summary: Record<string, unknown>;
  readonly createdAt: string;
}

export interface StoredTagVersion<T> {
  readonly projectId: number;
  readonly version: number;
  readonly tags: T;
  readonly confirmedHash: string;
  readonly author: string;
  readonly change: string;
  readonly createdAt: string;
}

export class ExploreCatalog {
  readonly #db: ExploreDb;
  readonly #catalogDb: Kysely<CatalogDatabase>;
  readonly #dialect: CatalogDialect;

  constructor(db: Kysely<CatalogDatabase>, dialect: CatalogDialect) {
    this.#catalogDb = db;
    this.#db = db.withTables<ExploreTables>();
    this.#dialect = dialect;
  }

  /** Records a result; recording the same (kind, subject, inputs) again returns the first record. */
  async putResult(result: Omit<ExploreResultRecord, 'id' | 'createdAt'>): Promise<ExploreResultRecord> {
    const existing = await this.findResult(result.projectId, result.kind, result.subject, result.inputsHash);
    if (existing) return existing;
    try {
      const row = await this.#db
        .insertInto('explore_results')
        .values({
          project_id: result.projectId,
          kind: result.kind,
          subject: result.subject,
          snapshot_id: result.snapshotId,
          inputs_hash: result.inputsHash,
          result_hash: result.resultHash,
          summary: canonicalJson(result.summary),
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toResult(row);
    } catch (error) {
      // another process recorded the same result first: theirs stands
      if (isUniqueViolation(error)) {
        const again = await this.findResult(result.projectId, result.kind, result.subject, result.inputsHash);
        if (again) return again;
      }
      throw error;
    }
  }

  async findResult(projectId: number, kind: ExploreResultKind, subject: string, inputsHash: string): Promise<ExploreResultRecord | undefined> {
    const row = await this.#db
      .selectFrom('explore_results')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .where('inputs_hash', '=', inputsHash)
      .executeTakeFirst();
    return row && toResult(row);
  }

  async resultForSnapshot(snapshotId: number, kind: ExploreResultKind = 'profile'): Promise<ExploreResultRecord | undefined> {
    const row = await this.#db
      .selectFrom('explore_results')
      .selectAll()
      .where('snapshot_id', '=', snapshotId)
      .where('kind', '=', kind)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toResult(row);
  }

  /** The newest result of `kind` per subject, for a project. */
  async latestResults(projectId: number, kind: ExploreResultKind): Promise<ExploreResultRecord[]> {
    const rows = await this.#db
      .selectFrom('explore_results')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('kind', '=', kind)
      .orderBy('id', 'asc')
      .execute();
    const bySubject = new Map<string, ExploreResultRecord>();
    for (const row of rows) bySubject.set(row.subject, toResult(row));
    return [...bySubject.values()];
  }

  /** The project's current tags (its highest version), if any were ever written. */
  async latestTags<T>(projectId: number): Promise<StoredTagVersion<T> | undefined> {
    const row = await this.#db
      .selectFrom('tag_versions')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toTags<T>(row);
  }

  async tagHistory(projectId: number): Promise<Omit<StoredTagVersion<unknown>, 'tags'>[]> {
    const rows = await this.#db
      .selectFrom('tag_versions')
      .select(['project_id', 'version', 'confirmed_hash', 'author', 'change', 'created_at'])
      .where('project_id', '=', projectId)
      .orderBy('version', 'asc')
      .execute();
    return rows.map((r) => ({
      projectId: Number(r.project_id),
      version: Number(r.version),
      confirmedHash: r.confirmed_hash,
      author: r.author,
      change: r.change,
      createdAt: r.created_at,
    }));
  }

  async tagVersion<T>(projectId: number, version: number): Promise<StoredTagVersion<T> | undefined> {
    const row = await this.#db
      .selectFrom('tag_versions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && toTags<T>(row);
  }

  /**
   * Writes the next version of a project's tags. `expectedVersion` (the version the change was
   * made on; 0 for none) guards against a lost update: if someone else wrote in between, this
   * throws and the caller re-reads and re-applies.
   */
  async putTags<T>(
    projectId: number,
    tags: T,
    meta: { confirmedHash: string; author: string; change: string; expectedVersion: number },
  ): Promise<StoredTagVersion<T>> {
    return inWriteTransaction(this.#catalogDb, this.#dialect, 'tags', async (trx) => {
      const db = trx.withTables<ExploreTables>();
      const last = await db
        .selectFrom('tag_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      const current = Number(last?.v ?? 0);
      if (current !== meta.expectedVersion) {
        throw new LabError(
          `the tags changed while you edited them (version ${current}, you started from ${meta.expectedVersion})`,
          'run the command again; it starts from the newest tags',
        );
      }
      const row = await db
        .insertInto('tag_versions')
        .values({
          project_id: projectId,
          version: current + 1,
          tags: canonicalJson(tags),
          confirmed_hash: meta.confirmedHash,
          author: meta.author,
          change: meta.change,
          created_at: new Date().toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTags<T>(row);
    });
  }
}

/** The exploration queries of a catalog opened by `openCatalog`. */
export function exploreCatalog(catalog: Catalog): ExploreCatalog {
  if (!(catalog instanceof KyselyCatalog)) {
    throw new LabError('this catalog does not support exploration results', 'open the lab with openLab');
  }
  return new ExploreCatalog(catalog.db, catalog.dialect);
}

/** sha256 of a value's canonical JSON: a stable key for "computed from these inputs". */
export function inputsHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function toResult(row: {
  id: number;
  project_id: number;
  kind: string;
  subject: string;
  snapshot_id: number | null;
  inputs_hash: string;
  result_hash: string;
  summary: string;
  created_at: string;
}): ExploreResultRecord {
  return {
    id: Number(row.id),
    projectId: Number(row.project_id),
    kind: row.kind as ExploreResultKind,
    subject: row.subject,
    snapshotId: row.snapshot_id === null ? null : Number(row.snapshot_id),
    inputsHash: row.inputs_hash,
    resultHash: row.result_hash,
    summary: JSON.parse(row.summary) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

function toTags<T>(row: {
  project_id: number;
  version: number;
  tags: string;
  confirmed_hash: string;
  author: string;
  change: string;
  created_at: string;
}): StoredTagVersion<T> {
  return {
    projectId: Number(row.project_id),
    version: Number(row.version),
    tags: JSON.parse(row.tags) as T,
    confirmedHash: row.confirmed_hash,
    author: row.author,
    change: row.change,
    createdAt: row.created_at,
  };
}
