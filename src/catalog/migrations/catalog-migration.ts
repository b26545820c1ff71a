import type { Kysely } from 'kysely';

export type CatalogDialect = 'sqlite' | 'postgres';

/**
 * One versioned schema change. `up` gets the dialect so that a migration can pick column types
 * that differ (identity columns, floating point); everything else is written once.
 * Migrations receive `Kysely<any>` on purpose: they describe the schema as it was at that version,
 * not as the current `CatalogDatabase` type says.
 */
export interface CatalogMigration {
  /** `0001_spine`, `0002_…`: sorted by name, applied once, never edited after release */
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: CatalogDialect): Promise<void>;
}
