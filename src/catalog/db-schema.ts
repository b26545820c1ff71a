import type { ColumnType, Generated } from 'kysely';

/**
 * The catalog's tables as kysely sees them. JSON values are stored as text (canonical JSON) and
 * times as ISO strings, so that both dialects hand back exactly what was written — the action
 * log's hashes depend on it. PostgreSQL returns BIGINT as a string, hence `BigIntColumn`.
 */
type BigIntColumn = ColumnType<number | string, number, number>;

export interface ProjectsTable {
  id: Generated<number>;
  name: string;
  created_at: string;
  settings: string;
}

export interface SourcesTable {
  id: Generated<number>;
  project_id: number;
  name: string;
  kind: string;
  uri: string;
  options: string;
  credential_id: string | null;
  created_at: string;
}

export interface CredentialsTable {
  id: string;
  ciphertext: string;
  created_at: string;
  updated_at: string;
}

export interface SnapshotsTable {
  id: Generated<number>;
  project_id: number;
  source_id: number;
  table_name: string;
  version: number;
  content_hash: string;
  lake_key: string;
  raw_hashes: string;
  row_count: BigIntColumn;
  bytes: BigIntColumn;
  columns: string;
  quality: string;
  created_at: string;
}

export interface ActionsTable {
  seq: BigIntColumn;
  kind: string;
  project: string | null;
  inputs: string;
  outputs: string;
  status: string;
  started_at: string;
  finished_at: string;
  cpu_seconds: number;
  bytes_written: BigIntColumn;
  worker_id: string;
  error: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
  unit: ColumnType<string | null, string | null | undefined, string | null>;
  inputs_hash: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One row (id = 1): the last sequence number and hash, so that deleting the newest entries is detected too. */
export interface LogHeadTable {
  id: number;
  seq: BigIntColumn;
  hash: string;
  /** the first entry sealed with the lab's log key (HMAC); null while the log is plain SHA-256 */
  keyed_from: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** HMAC of a constant under the log key: tells a machine holding another key before it appends */
  key_check: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Last done time and count per (project, kind): maintained by appends, read by status. */
export interface ActionHeadsTable {
  project: string;
  kind: string;
  last_done_at: string;
  done_count: BigIntColumn;
}

/** Which stored result of exploration (kind: profile | relationships | round2) was computed from which inputs. */
export interface ExploreResultsTable {
  id: Generated<number>;
  project_id: number;
  kind: string;
  subject: string;
  snapshot_id: number | null;
  inputs_hash: string;
  result_hash: string;
  summary: string;
  created_at: string;
}

/** Every version of a project's tags, whole (the tag set is canonical JSON text). */
export interface TagVersionsTable {
  id: Generated<number>;
  project_id: number;
  version: number;
  tags: string;
  confirmed_hash: string;
  author: string;
  change: string;
  created_at: string;
}

/** The newest done entry per unit of work and inputs: what `findResult` reads. */
export interface ActionResultsTable {
  project: string;
  kind: string;
  unit: string;
  inputs_hash: string;
  seq: BigIntColumn;
}

/** Who is doing a unit of work now, until when. */
export interface ActionClaimsTable {
  project: string;
  kind: string;
  unit: string;
  worker_id: string;
  claimed_at: string;
  expires_at: string;
}

/** One registered model bundle of a project; JSON columns as canonical JSON text. */
export interface ModelVersionsTable {
  project_id: number;
  version: number;
  bundle_hash: string;
  files: string;
  stage: string;
  train_seq: ColumnType<number | string | null, number | null, number | null>;
  metrics: string;
  leaderboard: string;
  lineage: string;
  created_at: string;
  stage_changed_at: string;
}

/** Who approved which version, when, and why: append-only. */
export interface ModelApprovalsTable {
  project_id: number;
  version: number;
  approved_by: string;
  approved_at: string;
  note: string | null;
}

/** Per project: what the serving slots hold and how traffic goes; `revision` guards against lost updates. */
export interface DeploymentsTable {
  project_id: number;
  blue_version: number | null;
  green_version: number | null;
  live_slot: string;
  blue_weight: number;
  green_weight: number;
  shadow_slot: string | null;
  previous_live: string | null;
  revision: number;
  updated_at: string;
}

export interface CatalogDatabase {
  projects: ProjectsTable;
  sources: SourcesTable;
  credentials: CredentialsTable;
  snapshots: SnapshotsTable;
  actions: ActionsTable;
  log_head: LogHeadTable;
  action_heads: ActionHeadsTable;
  explore_results: ExploreResultsTable;
  tag_versions: TagVersionsTable;
  action_results: ActionResultsTable;
  action_claims: ActionClaimsTable;
  model_versions: ModelVersionsTable;
  model_approvals: ModelApprovalsTable;
  deployments: DeploymentsTable;
}
