import type { SearchProgress } from '../../automl/index.js';
import type { Connector, SourceTable } from '../../sources/index.js';
import type { ExploreProgress } from '../explore.js';
import type { Lab } from '../lab-types.js';

/** What ingest reports while it reads a table. */
export type IngestProgress =
  | { readonly kind: 'table-start'; readonly source: string; readonly table: string; readonly bytes: number | null }
  | { readonly kind: 'rows'; readonly source: string; readonly table: string; readonly rows: number; readonly bytes: number }
  /** DuckDB's own estimate while it reads a file */
  | { readonly kind: 'percent'; readonly source: string; readonly table: string; readonly percent: number };

/** How the stages of one `autolab run` (or `ingest`, `explore`, `train`) are asked to work. */
export interface StageOptions {
  /** ingest only this source */
  readonly source?: string;
  /** DuckDB's memory limit while ingesting (it spills beyond); default 1GB */
  readonly memoryLimit?: string;
  readonly onIngest?: (event: IngestProgress) => void;
  readonly onExplore?: (event: ExploreProgress) => void;
  /** the report's generation time, when a caller fixes it (tests) */
  readonly reportGeneratedAt?: string;
  /** training: a time limit, or exactly this many candidates (reproducible); a seed */
  readonly timeLimit?: number;
  readonly trials?: number;
  readonly seed?: number;
  readonly onTrain?: (progress: SearchProgress) => void;
  /** train even when the snapshot, tags and budget are those of the last training */
  readonly force?: boolean;
}

/**
 * The context every stage of a lab runs in: the lab, the options of this run, and what planning
 * found that running can reuse in this process — the tables a source listed, so that a unit does
 * not list and fetch again. A worker elsewhere has an empty cache and lists them itself.
 */
export interface StageContext {
  readonly lab: Lab;
  readonly options: StageOptions;
  /** makes a unit whose inputs cannot be known before reading it (a database table) new on each run */
  readonly runToken: string;
  readonly listed: Map<string, { readonly table: SourceTable; readonly connector: Connector }>;
  readonly connectors: Connector[];
  /** errors met while planning a unit (a source that cannot be listed): its run throws them, so they are recorded */
  readonly planErrors: Map<string, unknown>;
  /** per ingest unit, the content hash of its table's newest snapshot when planned (null: none yet) */
  readonly newestSnapshots: Map<string, string | null>;
  /** what to undo once the run is over (scratch folders, engines) */
  readonly cleanups: (() => Promise<unknown>)[];
}

export function stageContext(lab: Lab, options: StageOptions = {}): StageContext {
  return { lab, options, runToken: new Date().toISOString(), listed: new Map(), connectors: [], planErrors: new Map(), newestSnapshots: new Map(), cleanups: [] };
}

/** Closes what planning opened (database connections). */
export async function closeStageContext(context: StageContext): Promise<void> {
  await Promise.all(context.connectors.splice(0).map((c) => c.close().catch(() => undefined)));
  for (const cleanup of context.cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  context.listed.clear();
  context.planErrors.clear();
  context.newestSnapshots.clear();
}
