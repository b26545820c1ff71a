import type { Kysely } from 'kysely';
import { LabError } from '../common/index.js';
import { canonicalJson } from './canonical-json.js';
import type { CatalogDatabase } from './db-schema.js';
import type { CatalogDialect } from './migrations/index.js';
import { toTagVersion, toTagVersionSummary } from './rows.js';
import type { TagVersionRecord } from './types.js';
import { inWriteTransaction } from './write-transaction.js';

/** A project's tags, stored whole per version: the current tags are the highest version. */

/** The next version, under the tags' write lock so that two editors cannot both write version n + 1. */
export async function addTagVersion(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  entry: Omit<TagVersionRecord, 'version' | 'createdAt'>,
  expectedVersion: number,
): Promise<TagVersionRecord> {
  return inWriteTransaction(db, dialect, 'tags', async (trx) => {
    const last = await trx
      .selectFrom('tag_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('project_id', '=', entry.projectId)
      .executeTakeFirst();
    const current = Number(last?.v ?? 0);
    if (current !== expectedVersion) {
      throw new LabError(
        `the tags changed while you edited them (version ${current}, you started from ${expectedVersion})`,
        'run the command again; it starts from the newest tags',
      );
    }
    const row = await trx
      .insertInto('tag_versions')
      .values({
        project_id: entry.projectId,
        version: current + 1,
        tags: canonicalJson(entry.tags),
        confirmed_hash: entry.confirmedHash,
        author: entry.author,
        change: entry.change,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTagVersion(row);
  });
}

export async function latestTagVersion(db: Kysely<CatalogDatabase>, projectId: number): Promise<TagVersionRecord | undefined> {
  const row = await db
    .selectFrom('tag_versions')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toTagVersion(row);
}

export async function listTagVersions(db: Kysely<CatalogDatabase>, projectId: number): Promise<Omit<TagVersionRecord, 'tags'>[]> {
  const rows = await db
    .selectFrom('tag_versions')
    .select(['project_id', 'version', 'confirmed_hash', 'author', 'change', 'created_at'])
    .where('project_id', '=', projectId)
    .orderBy('version', 'asc')
    .execute();
  return rows.map(toTagVersionSummary);
}
