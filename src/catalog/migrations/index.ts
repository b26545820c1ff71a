import { spine } from './0001_spine.js';
import { explore } from './0002_explore.js';
import { actionHeads } from './0003_action_heads.js';
import { actionResults } from './0004_action_results.js';
import { logKey } from './0005_log_key.js';
import { modelRegistry } from './0006_model_registry.js';
import type { CatalogMigration } from './catalog-migration.js';

export type { CatalogMigration, CatalogDialect } from './catalog-migration.js';

/**
 * Every catalog migration, in order. To change the schema, add a file `NNNN_what.ts` exporting a
 * `CatalogMigration` and append it here; never edit or reorder a migration that has shipped.
 */
export const catalogMigrations: readonly CatalogMigration[] = [spine, explore, actionHeads, actionResults, logKey, modelRegistry];
