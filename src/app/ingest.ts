import type { ProjectRecord } from '../catalog/index.js';
import { UsageError } from '../common/index.js';
import { LocalExecutor, reconcile, type ActionOutcome, type ReconcileEvent, type Unit } from '../runtime/index.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { ingestStage, READER_VERSION } from './stages/ingest-stage.js';
import { closeStageContext, stageContext, type IngestProgress as StageIngestProgress } from './stages/stage-context.js';

export { READER_VERSION };

export interface IngestOptions {
  /** only this source */
  readonly source?: string;
  readonly onProgress?: (event: IngestProgress) => void;
  /** DuckDB's memory limit for the run (it spills beyond); default 1GB */
  readonly memoryLimit?: string;
}

export type IngestProgress =
  | (Extract<StageIngestProgress, { kind: 'table-start' }> & { readonly index: number; readonly total: number })
  | Exclude<StageIngestProgress, { kind: 'table-start' }>
  | { readonly kind: 'table-done'; readonly result: IngestedTable };

export interface IngestedTable {
  readonly source: string;
  /** null when the source itself could not be read (unreachable, no files) */
  readonly table: string | null;
  /** new: a new snapshot version; unchanged: same input as the latest snapshot; failed: see error */
  readonly status: 'new' | 'unchanged' | 'failed';
  readonly version: number | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly contentHash: string | null;
  readonly lakeKey: string | null;
  readonly notes: readonly string[];
  readonly error: string | null;
}

export interface IngestOutcome {
  readonly project: string;
  readonly tables: readonly IngestedTable[];
  /** the first failure, as thrown (a one-line user error), for the caller to report */
  readonly firstError: unknown;
}

/**
 * `autolab ingest`: the ingest stage (`stages/ingest-stage.ts`) brought up to date for every source
 * of the project, or one: each table is one action, run only when its input changed, recorded
 * after its outputs are stored; a failing table is recorded as failed and the others go on.
 */
export async function ingestProject(lab: Lab, projectName?: string, options: IngestOptions = {}): Promise<IngestOutcome> {
  const project = await resolveProject(lab, projectName);
  if (options.source === undefined && (await lab.catalog.listSources(project.id)).length === 0) {
    throw new UsageError(`project ${project.name} has no sources yet`, `add one with \`autolab source add NAME FILE-OR-URL --project ${project.name}\``);
  }
  const collector = new IngestCollector(options.onProgress);
  const context = stageContext(lab, {
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}),
    onIngest: (event) => collector.progress(event),
  });
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  try {
    const result = await reconcile(runtime, context, project, [ingestStage], new LocalExecutor(runtime, context, [ingestStage], { concurrency: 1 }), {
      onEvent: (event) => collector.onEvent(event),
    });
    return await collector.outcome(lab, project, result.failed?.error);
  } finally {
    await closeStageContext(context);
  }
}

/** Gathers what the ingest stage did during a reconcile, for `IngestOutcome` and progress. */
export class IngestCollector {
  readonly #onProgress: ((event: IngestProgress) => void) | undefined;
  #planned: readonly Unit[] = [];
  readonly #stale = new Set<string>();
  readonly #tables: IngestedTable[] = [];
  #started = 0;

  constructor(onProgress?: (event: IngestProgress) => void) {
    this.#onProgress = onProgress;
  }

  /** the stage's own progress, numbered among the tables that run */
  progress(event: StageIngestProgress): void {
    this.#onProgress?.(event.kind === 'table-start' ? { ...event, index: this.#started++, total: this.#stale.size } : event);
  }

  onEvent(event: ReconcileEvent): void {
    if (event.stage !== ingestStage.kind) return;
    if (event.kind === 'planned') {
      this.#planned = event.units;
      for (const s of event.stale) this.#stale.add(s.unit.unit);
      return;
    }
    const table = fromOutcome(event.unit, event.outcome);
    this.#tables.push(table);
    this.#onProgress?.({ kind: 'table-done', result: table });
  }

  /** Every planned table: those that ran, and those up to date (their latest snapshot), in plan order. */
  async outcome(lab: Lab, project: ProjectRecord, firstError: unknown): Promise<IngestOutcome> {
    const tables = [...this.#tables, ...(await upToDate(lab, project, this.#planned.filter((u) => !this.#stale.has(u.unit))))];
    const order = new Map(this.#planned.map((u, i) => [u.unit, i]));
    tables.sort((a, b) => (order.get(`${a.source}/${a.table ?? ''}`) ?? 0) - (order.get(`${b.source}/${b.table ?? ''}`) ?? 0));
    return { project: project.name, tables, firstError };
  }
}

function fromOutcome(unit: Unit, outcome: ActionOutcome): IngestedTable {
  const source = String(unit.params['source']);
  const table = unit.params['table'] === null ? null : String(unit.params['table']);
  const { record } = outcome;
  if (outcome.status === 'failed') {
    return { source, table, status: 'failed', version: null, rows: null, bytes: null, contentHash: null, lakeKey: null, notes: [], error: record.error };
  }
  const d = record.detail;
  return {
    source,
    table,
    status: d['unchanged'] === true || outcome.status === 'reused' ? 'unchanged' : 'new',
    version: Number(d['version']),
    rows: Number(d['rows']),
    bytes: record.bytesWritten,
    contentHash: record.outputs['snapshot'] ?? null,
    lakeKey: record.outputs['lakeKey'] ?? null,
    notes: Array.isArray(d['notes']) ? (d['notes'] as string[]) : [],
    error: null,
  };
}

/** Units that were up to date, as their latest snapshots. */
async function upToDate(lab: Lab, project: ProjectRecord, units: readonly Unit[]): Promise<IngestedTable[]> {
  const out: IngestedTable[] = [];
  for (const unit of units) {
    const source = await lab.catalog.getSource(project.id, String(unit.params['source']));
    const s = source && (await lab.catalog.latestSnapshot(source.id, String(unit.params['table'])));
    if (!s) continue;
    out.push({ source: source.name, table: s.tableName, status: 'unchanged', version: s.version, rows: s.rowCount, bytes: s.bytes, contentHash: s.contentHash, lakeKey: s.lakeKey, notes: [], error: null });
  }
  return out;
}
