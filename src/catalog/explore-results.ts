import type { Kysely } from 'kysely';
import { canonicalJson } from './canonical-json.js';
import { isUniqueViolation } from './catalog-errors.js';
import type { CatalogDatabase } from './db-schema.js';
import { toExploreResult } from './rows.js';
import type { ExploreResultKey, ExploreResultRecord } from './types.js';

/**
 * Exploration's results: the result itself lives in the store under its content hash; the catalog
 * says which result was computed from which inputs, so that nothing is computed twice.
 */

export async function putExploreResult(
  db: Kysely<CatalogDatabase>,
  result: Omit<ExploreResultRecord, 'id' | 'createdAt'>,
): Promise<ExploreResultRecord> {
  const existing = await findExploreResult(db, result);
  if (existing) return existing;
  try {
    const row = await db
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
    return toExploreResult(row);
  } catch (error) {
    // another process recorded the same result first: theirs stands
    if (isUniqueViolation(error)) {
      const again = await findExploreResult(db, result);
      if (again) return again;
    }
    throw error;
  }
}

export async function findExploreResult(db: Kysely<CatalogDatabase>, key: ExploreResultKey): Promise<ExploreResultRecord | undefined> {
  const row = await db
    .selectFrom('explore_results')
    .selectAll()
    .where('project_id', '=', key.projectId)
    .where('kind', '=', key.kind)
    .where('subject', '=', key.subject)
    .where('inputs_hash', '=', key.inputsHash)
    .executeTakeFirst();
  return row && toExploreResult(row);
}
