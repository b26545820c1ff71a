export type {
  ActionClaim,
  ActionFilter,
  ActionInput,
  ActionKey,
  ActionRecord,
  ActionStatus,
  Catalog,
  ExploreResultKey,
  ExploreResultKind,
  ExploreResultRecord,
  LogAnchor,
  LogVerification,
  VerifyLogOptions,
  ProjectRecord,
  ProjectStatus,
  SnapshotRecord,
  SourceRecord,
  TagVersionRecord,
  ModelStage,
  ModelApproval,
  ModelVersionRecord,
  DeploymentRecord,
  Slot,
} from './types.js';
export { openCatalog, type OpenCatalogOptions } from './open-catalog.js';
export { KyselyCatalog, DEFAULT_STATUS_ACTIONS } from './kysely-catalog.js';
export { catalogMigrations, type CatalogMigration, type CatalogDialect } from './migrations/index.js';
export type { CatalogDatabase } from './db-schema.js';
export { canonicalJson } from './canonical-json.js';
export { inputsHash } from './inputs-hash.js';
export { actionHash, GENESIS_HASH } from './action-hash.js';
