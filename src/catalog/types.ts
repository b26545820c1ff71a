/**
 * The catalog: the metadata database and the append-only, hash-chained action log.
 * Plain JSON-serialisable records; one implementation over kysely on SQLite and PostgreSQL.
 */
export type ActionStatus = 'done' | 'failed' | 'skipped';

export interface ProjectRecord {
  readonly id: number;
  readonly name: string;
  readonly createdAt: string; // ISO time
  /** project settings, e.g. { autoAcceptTags: true } */
  readonly settings: Record<string, unknown>;
}

export interface SourceRecord {
  readonly id: number;
  readonly projectId: number;
  readonly name: string;
  /** the kind of connector: file | sqlite | postgres | mysql | s3 */
  readonly kind: string;
  /** the source URI with any password removed */
  readonly uri: string;
  /** connector options (tables, schema, query, delimiter, endpoint, …); never secrets */
  readonly options: Record<string, unknown>;
  /** id of the encrypted credential in the vault table, if any */
  readonly credentialId: string | null;
  readonly createdAt: string;
}

export interface SnapshotRecord {
  readonly id: number;
  readonly projectId: number;
  readonly sourceId: number;
  /** table name within the source (file stem, db table, query name) */
  readonly tableName: string;
  /** 1, 2, 3… per (source, table) */
  readonly version: number;
  /** sha256 of the table content */
  readonly contentHash: string;
  /** store key of the Parquet file in the lake */
  readonly lakeKey: string;
  /** content hashes of raw input files kept byte for byte in the store */
  readonly rawHashes: readonly string[];
  readonly rowCount: number;
  readonly bytes: number;
  /** [{ name, type }] as DuckDB reports them */
  readonly schema: readonly { readonly name: string; readonly type: string }[];
  /** notes about the input: renamed columns, sniffed delimiter, encoding, skipped rows … */
  readonly quality: Record<string, unknown>;
  readonly createdAt: string;
}

export interface ActionInput {
  readonly kind: string; // e.g. 'source.add', 'ingest.table', 'explore.table'
  readonly project: string | null;
  /** names → content hashes (or other stable identifiers) */
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly status: ActionStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly cpuSeconds: number;
  readonly bytesWritten: number;
  readonly workerId: string;
  /** one-line error, already free of credentials */
  readonly error: string | null;
  /** free-form, JSON, small (e.g. { table: 'customers', rows: 7043 }) */
  readonly detail: Record<string, unknown>;
  /** the unit of work within its kind and project (a source table, a table, '' for the project), for actions the runtime keys */
  readonly unit?: string;
  /** sha256 of the stage version and the named inputs: with kind, project and unit, what a result is found by */
  readonly inputsHash?: string;
}

/** Which result a unit of work has: its project, kind, unit, and the hash of its inputs. */
export interface ActionKey {
  readonly project: string;
  readonly kind: string;
  readonly unit: string;
  readonly inputsHash: string;
}

/** A unit of work someone is doing now. */
export interface ActionClaim {
  readonly workerId: string;
  readonly claimedAt: string;
  readonly expiresAt: string;
}

export interface ActionRecord extends ActionInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface LogVerification {
  readonly ok: boolean;
  readonly entries: number;
  /** first sequence number where the chain breaks (edited, inserted, reordered or damaged entry) */
  readonly brokenAt: number | null;
  /** the newest entries were removed: the last one left (0: none left) */
  readonly cutAfter: number | null;
  readonly reason: string | null;
  /** the first entry sealed with the lab's key; null while the whole log is plain SHA-256 (written before logs were keyed) */
  readonly keyedFrom: number | null;
}

/**
 * The log's head as seen at one moment, sealed with the log key: kept outside the catalog (in the
 * store), so that cutting the newest entries and moving `log_head` to match is still found.
 */
export interface LogAnchor {
  readonly seq: number;
  readonly hash: string;
  readonly keyedFrom: number | null;
  /** HMAC of the fields above under the log key */
  readonly mac: string;
}

export interface VerifyLogOptions {
  /** check the log against this anchor; `null`: an anchor was looked for and none found */
  readonly anchor?: LogAnchor | null;
}

export interface ProjectStatus {
  readonly project: ProjectRecord;
  readonly sources: number;
  readonly tablesIngested: number;
  readonly snapshots: number;
  /** when the newest snapshot was made (null without one): exploration is behind when it is older */
  readonly lastSnapshotAt: string | null;
  /** action kinds that have at least one done entry, with their last time */
  readonly lastDoneByKind: Record<string, string>;
  readonly lastActions: readonly ActionRecord[];
}

export type ExploreResultKind = 'profile' | 'relationships' | 'round2';

/** What an exploration result is looked up by: the same key means the same result. */
export interface ExploreResultKey {
  readonly projectId: number;
  readonly kind: ExploreResultKind;
  /** the table name for a profile; `project` for project-wide results */
  readonly subject: string;
  /** a hash of everything the result was computed from (snapshot hash, tag hash, …) */
  readonly inputsHash: string;
}

/** A result of exploration kept in the store, indexed here by what it was computed from. */
export interface ExploreResultRecord extends ExploreResultKey {
  readonly id: number;
  readonly snapshotId: number | null;
  /** the store hash of the JSON result */
  readonly resultHash: string;
  /** small JSON, e.g. { rows, columns, alerts } */
  readonly summary: Record<string, unknown>;
  readonly createdAt: string;
}

/** One version of a project's tags. The tag set is opaque JSON here: its type lives in explore/. */
export interface TagVersionRecord {
  readonly projectId: number;
  /** 1, 2, 3… per project; the highest is the project's current tags */
  readonly version: number;
  readonly tags: unknown;
  /** the hash of the confirmed tags only: what later stages key on */
  readonly confirmedHash: string;
  readonly author: string;
  /** a short, readable summary of the change */
  readonly change: string;
  readonly createdAt: string;
}

/** Where a registered model stands: none (just registered), staging, production (one per project), archived. */
export type ModelStage = 'none' | 'staging' | 'production' | 'archived';

export interface ModelApproval {
  /** the OS user, or who `--by` named */
  readonly by: string;
  readonly at: string;
  readonly note: string | null;
}

/** A registered model bundle. Metrics, leaderboard and lineage are opaque JSON here: their types live in registry/. */
export interface ModelVersionRecord {
  readonly projectId: number;
  /** 1, 2, 3… per project */
  readonly version: number;
  /** the bundle's own hash (hashBundle): one version per bundle and project */
  readonly bundleHash: string;
  /** the bundle's files (relative path → store hash): any machine of the lab fetches it from the store */
  readonly files: Readonly<Record<string, string>>;
  readonly stage: ModelStage;
  /** seq of the `automl.train` action that made it, when known */
  readonly trainSeq: number | null;
  readonly metrics: Record<string, unknown>;
  readonly leaderboard: readonly unknown[];
  readonly lineage: Record<string, unknown>;
  readonly createdAt: string;
  readonly stageChangedAt: string;
  /** oldest first */
  readonly approvals: readonly ModelApproval[];
}

export type Slot = 'blue' | 'green';

/** How a project's model is served: two slots, the live one, the traffic weights (percent) and a shadow slot. */
export interface DeploymentRecord {
  readonly projectId: number;
  readonly slots: { readonly blue: number | null; readonly green: number | null };
  readonly live: Slot;
  readonly weights: { readonly blue: number; readonly green: number };
  /** a slot that scores every request without answering it, or null */
  readonly shadow: Slot | null;
  /** the slot that was live before the last switch: where a rollback goes */
  readonly previousLive: Slot | null;
  /** 1, 2, 3… one per change */
  readonly revision: number;
  readonly updatedAt: string;
}

export interface ActionFilter {
  readonly project?: string;
  readonly limit?: number;
  readonly kind?: string;
  readonly unit?: string;
  readonly status?: ActionStatus;
}

export interface Catalog {
  /** `sqlite:/abs/path.sqlite` or `postgres://…` with any password removed */
  readonly url: string;
  readonly dialect: 'sqlite' | 'postgres';

  createProject(name: string, settings?: Record<string, unknown>): Promise<ProjectRecord>;
  getProject(name: string): Promise<ProjectRecord | undefined>;
  listProjects(): Promise<ProjectRecord[]>;
  updateProjectSettings(name: string, settings: Record<string, unknown>): Promise<void>;

  addSource(source: Omit<SourceRecord, 'id' | 'createdAt'>): Promise<SourceRecord>;
  getSource(projectId: number, name: string): Promise<SourceRecord | undefined>;
  listSources(projectId: number): Promise<SourceRecord[]>;

  /** encrypted credential blobs (the vault encrypts; the catalog only keeps ciphertext) */
  putCredential(id: string, ciphertext: string): Promise<void>;
  getCredential(id: string): Promise<string | undefined>;

  addSnapshot(snapshot: Omit<SnapshotRecord, 'id' | 'createdAt' | 'version'>): Promise<SnapshotRecord>;
  latestSnapshot(sourceId: number, tableName: string): Promise<SnapshotRecord | undefined>;
  listSnapshots(projectId: number): Promise<SnapshotRecord[]>;

  /** Records a result of exploration; recording the same key again returns the first record. */
  putExploreResult(result: Omit<ExploreResultRecord, 'id' | 'createdAt'>): Promise<ExploreResultRecord>;
  findExploreResult(key: ExploreResultKey): Promise<ExploreResultRecord | undefined>;

  /**
   * Writes the next version of a project's tags. `expectedVersion` is the version the change was
   * made on (0 for none): if another writer got in between, this throws a LabError and the
   * caller re-reads and re-applies, so no change is lost.
   */
  addTagVersion(entry: Omit<TagVersionRecord, 'version' | 'createdAt'>, expectedVersion: number): Promise<TagVersionRecord>;
  latestTagVersion(projectId: number): Promise<TagVersionRecord | undefined>;
  /** every version without its tag set, oldest first */
  listTagVersions(projectId: number): Promise<Omit<TagVersionRecord, 'tags'>[]>;

  /** Append to the hash-chained action log; serialised across processes. */
  appendAction(action: ActionInput): Promise<ActionRecord>;
  listActions(filter?: ActionFilter): Promise<ActionRecord[]>;
  /** Walks the whole chain (and checks it against an anchor kept outside the catalog, when given). */
  verifyLog(options?: VerifyLogOptions): Promise<LogVerification>;
  /** The log's head sealed with the log key, to be kept outside the catalog; null for an empty log or without a key. */
  logAnchor(): Promise<LogAnchor | null>;

  /** The newest done entry recorded for this unit of work with these inputs. */
  findResult(key: ActionKey): Promise<ActionRecord | undefined>;
  /**
   * Claims a unit of work (project, kind, unit) for `workerId` until `leaseMs` from now. Succeeds
   * when nobody holds it, when the holder's lease ran out, when the holder is `workerId` itself, or
   * is `replacing` (a holder known to be dead); otherwise returns the live claim that stands.
   */
  claimUnit(key: Omit<ActionKey, 'inputsHash'>, workerId: string, leaseMs: number, replacing?: string): Promise<{ readonly claimed: true } | { readonly claimed: false; readonly holder: ActionClaim }>;
  /** Gives a claim up (only the holder's own). */
  releaseUnit(key: Omit<ActionKey, 'inputsHash'>, workerId: string): Promise<void>;

  /**
   * Registers a bundle as the next version of its project, under the registry's write lock; a
   * bundle registered before (same project and bundle hash) is returned as it was (`created: false`).
   */
  registerModelVersion(entry: Omit<ModelVersionRecord, 'version' | 'stage' | 'createdAt' | 'stageChangedAt' | 'approvals'>): Promise<{ readonly record: ModelVersionRecord; readonly created: boolean }>;
  getModelVersion(projectId: number, version: number): Promise<ModelVersionRecord | undefined>;
  /** oldest first */
  listModelVersions(projectId: number): Promise<ModelVersionRecord[]>;
  /**
   * Moves a version to a stage. Production holds one version per project: the one there before is
   * archived in the same transaction (`archived` names it).
   */
  setModelStage(projectId: number, version: number, stage: ModelStage): Promise<{ readonly record: ModelVersionRecord; readonly archived: number | null }>;
  addModelApproval(projectId: number, version: number, approval: Omit<ModelApproval, 'at'>): Promise<ModelApproval>;
  getDeployment(projectId: number): Promise<DeploymentRecord | undefined>;
  /** Writes the next revision; throws a LabError when another writer got in since `expectedRevision` (0: none yet). */
  saveDeployment(deployment: Omit<DeploymentRecord, 'revision' | 'updatedAt'>, expectedRevision: number): Promise<DeploymentRecord>;

  /** Everything `autolab status` needs for every project, in one or two queries. */
  status(): Promise<ProjectStatus[]>;

  close(): Promise<void>;
}
