import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActionRecord, ProjectRecord } from '../catalog/index.js';
import { inputsHash } from '../catalog/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { loadBundle } from '../automl/index.js';
import { hasConfirmedTarget, type ColumnSpec, type SemanticType, type Source } from '../explore/index.js';
import { readFrame } from '../features/index.js';
import { describeParquet, execute, firstLine, newRowsOf, openDuckEngine, queryRows, quoteIdent, quoteLiteral } from '../lake/index.js';
import {
  computeDrift,
  estimatePerformance,
  renderMonitorHtml,
  type DriftInput,
  type DriftThresholds,
  type MonitorResult,
  type MonitorWindow,
  type WindowPeriod,
} from '../monitor/index.js';
import { runAction, type Stage, type StagePlan } from '../runtime/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { loadExploration } from './explore.js';
import { LAB_DIR } from './lab-config.js';
import { workerId } from './lab.js';
import { monitorAlertStage } from './monitor-alert.js';
import { classShares, predictionDrift, realisedPerformance, withWindowPerformance } from './monitor-model.js';
import type { Lab } from './lab-types.js';
import { buildSilverTables } from './silver.js';
import { currentSilver, silverKey } from './stages/silver-stage.js';
import { stageContext, type StageContext } from './stages/stage-context.js';
import { currentTags } from './tags.js';
import { restoreBundle, trainingColumns } from './train.js';

/**
 * `monitor.drift`: once the target table has a silver snapshot newer than the one a model learned
 * from, how far the new rows moved from the model's training rows (the silver table it was trained
 * on, with the columns it uses), per window of the tagged time column; how its predictions moved;
 * and its estimated performance on the new rows (CBPE). The model compared is the newest trained on
 * an older snapshot than the current one — the model that was in force when the snapshot came,
 * whether or not `autolab run` has since retrained on it. The new rows come as a table of rows (a
 * silver Parquet); a prediction log can take the same place.
 */

const UNCHECKED = 'unchecked: the bundle keeps no out-of-fold predictions to check calibration on';

function windowPeriod(lab: Lab): WindowPeriod {
  return lab.config.monitor?.window ?? 'month';
}

/** The thresholds autolab.yaml sets (the rest are Evidently's defaults). */
export function thresholdsOf(lab: Lab): Partial<DriftThresholds> {
  return Object.fromEntries(Object.entries(lab.config.monitor?.thresholds ?? {}).filter(([, v]) => v !== undefined));
}

interface Plan {
  readonly table: string;
  readonly target: string;
  readonly excluded: readonly string[];
  readonly model: ActionRecord;
  readonly currentVersion: number;
  readonly currentSilver: string;
  readonly currentKey: string;
  readonly timeColumn: string | null;
}

/** What there is to monitor now, or why nothing. */
async function monitorPlan(lab: Lab, project: ProjectRecord): Promise<Plan | string> {
  const tags = await currentTags(lab.catalog, project);
  if (!tags || !hasConfirmedTarget(tags.tags)) return 'no confirmed target yet';
  const { table, target, excluded } = trainingColumns(tags.tags, project.name);
  const explored = (await loadExploration(lab, project)).tables.find((t) => t.name === table);
  const silver = (await currentSilver(lab, project)).tables.find((t) => t.table === table);
  if (!explored || !silver) return `table ${table} has no silver snapshot yet`;
  const trainings = await lab.catalog.listActions({ project: project.name, kind: 'automl.train', status: 'done', limit: 200 });
  if (trainings.length === 0) return 'no model trained yet';
  // listed oldest first: the newest training on an older snapshot is the model that was in force
  const model = [...trainings].reverse().find((a) => Number(a.detail['snapshotVersion']) < explored.snapshot.version && a.detail['silver'] !== silver.silverHash);
  if (!model) return `no snapshot of ${table} newer than the one the model learned from (v${explored.snapshot.version})`;
  const time = tags.tags.columns.find((c) => c.table === table && c.confirmed.role === 'time');
  return {
    table,
    target,
    excluded,
    model,
    currentVersion: explored.snapshot.version,
    currentSilver: silver.silverHash,
    currentKey: silver.lakeKey,
    timeColumn: time?.column ?? null,
  };
}

export const monitorDriftStage: Stage<StageContext> = {
  kind: 'monitor.drift',
  // 2: a snapshot that repeats the training rows is compared by its new rows only
  version: 2,
  async plan(context, project): Promise<StagePlan> {
    const plan = await monitorPlan(context.lab, project);
    if (typeof plan === 'string') return { units: [] };
    return {
      units: [
        {
          unit: '',
          inputs: {
            model: plan.model.outputs['bundle'] ?? '',
            reference: String(plan.model.detail['silver']),
            current: plan.currentSilver,
            ...(plan.timeColumn ? { window: `${plan.timeColumn}/${windowPeriod(context.lab)}` } : {}),
            ...(context.lab.config.monitor?.thresholds ? { thresholds: inputsHash(thresholdsOf(context.lab)) } : {}),
          },
          params: { table: plan.table, currentVersion: plan.currentVersion },
        },
      ],
    };
  },
  async run(context, project, unit) {
    const { lab } = context;
    const plan = await monitorPlan(lab, project);
    if (typeof plan === 'string' || plan.currentSilver !== unit.inputs['current'] || plan.model.outputs['bundle'] !== unit.inputs['model']) {
      throw new Error('the model or the snapshot planned for monitoring is no longer the current one');
    }
    const result = await monitorOnce(lab, project, plan);
    const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(result)));
    return { outputs: { result: stored.hash }, bytesWritten: stored.bytes, detail: monitorDetail(result) };
  },
  async usable(context, outputs) {
    return outputs['result'] !== undefined && (await context.lab.store.has(outputs['result']));
  },
};

/** What the action log keeps: the verdict, not the tables. */
function monitorDetail(result: MonitorResult): Record<string, unknown> {
  return {
    table: result.table,
    referenceVersion: result.reference.snapshotVersion,
    currentVersion: result.current.snapshotVersion,
    rows: result.current.rows,
    datasetDrift: result.drift.datasetDrift,
    driftedShare: Math.round(result.drift.driftedShare * 1000) / 1000,
    drifted: result.drift.columns.filter((c) => c.drifted).map((c) => c.column),
    ...(result.drift.weightedDriftScore !== null ? { weightedDriftScore: Math.round(result.drift.weightedDriftScore * 1000) / 1000 } : {}),
    ...(result.windows.length > 0 ? { windows: result.windows.length, windowsDrifted: result.windows.filter((w) => w.drift.datasetDrift).length } : {}),
    ...(result.performance.estimated ? { estimatedAccuracy: round3(result.performance.estimated.accuracy), estimatedAuc: round3(result.performance.estimated.auc) } : {}),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function monitorOnce(lab: Lab, project: ProjectRecord, plan: Plan): Promise<MonitorResult> {
  const referenceSilver = String(plan.model.detail['silver']);
  const referenceKey = silverKey(project.name, plan.table, referenceSilver);
  if (!(await lab.store.hasObject(referenceKey))) {
    throw new InputError(`the silver snapshot ${plan.table} was trained on (${referenceSilver.slice(0, 12)}) is gone from the store`, `autolab run ${project.name} trains on the newest snapshot; monitoring starts again from that model`);
  }
  const scratch = await mkdtemp(join(lab.workDir, tempPrefix('monitor')));
  const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
  try {
    await restoreBundle(lab, plan.model.outputs, join(scratch, 'bundle'));
    const { model } = loadBundle(join(scratch, 'bundle'));
    const referencePath = await lab.store.localPathFor(referenceKey);
    const notes: string[] = [];
    const currentPath = await newRowsOnly(engine.conn, await lab.store.localPathFor(plan.currentKey), referencePath, join(scratch, 'new-rows.parquet'), notes);
    const reference: Source = { from: 'read_parquet($ref_path)', params: { ref_path: referencePath } };
    const current: Source = { from: 'read_parquet($cur_path)', params: { cur_path: currentPath } };
    const used = new Set(model.manifest.pipeline.steps.map((s) => s.column));
    const window = plan.timeColumn;
    const period = windowPeriod(lab);
    const thresholds = thresholdsOf(lab);
    if (window) notes.push(`${window} is the tagged time column: the current rows are cut by ${period} on it, and it is not compared (newer rows always have later times)`);
    const specs = (await columnSpecs(engine.conn, referencePath)).filter((s) => used.has(s.name) && s.name !== window);
    const present = new Set((await describeParquet(engine.conn, currentPath)).schema.map((c) => c.name));
    const gone = specs.filter((s) => !present.has(s.name)).map((s) => s.name);
    if (gone.length > 0) {
      throw new InputError(
        `snapshot v${plan.currentVersion} of ${plan.table} lacks ${gone.length === 1 ? 'column' : 'columns'} ${gone.join(', ')} that the model uses`,
        `bring ${gone.length === 1 ? 'it' : 'them'} back in the source, or let autolab run ${project.name} train on the new shape`,
      );
    }
    const [referenceFrame, currentFrame] = await Promise.all([
      readFrame(referencePath, { textColumns: [plan.target], workDir: lab.workDir }),
      readFrame(currentPath, { textColumns: [plan.target], workDir: lab.workDir }),
    ]);
    const importance = model.importance(referenceFrame);
    if (!importance) notes.push('no tree model in the ensemble: the drift score is not weighted by importance');
    const weights = { thresholds, ...(importance ? { importance } : {}) };
    const drift = await computeDrift(engine.conn, { reference, current, columns: specs, ...weights });
    const windows = window ? await windowDrift(engine.conn, { reference, current, columns: specs, ...weights }, window, period) : [];
    const referencePredictions = model.predictFrame(referenceFrame);
    const currentPredictions = model.predictFrame(currentFrame);
    const windowed = window ? withWindowPerformance(windows, window, period, model, currentFrame, currentPredictions, plan.target) : [];
    const prediction = await predictionDrift(engine.conn, model, referencePredictions, currentPredictions, thresholds);
    notes.push('reference predictions are the model scoring its own training rows (in sample)');
    return {
      version: 1,
      project: project.name,
      table: plan.table,
      target: plan.target,
      model: {
        bundleHash: plan.model.outputs['bundle'] ?? '',
        trainedAt: plan.model.finishedAt ?? plan.model.startedAt,
        snapshotVersion: Number(plan.model.detail['snapshotVersion']),
        metric: String(plan.model.detail['metric']),
        score: Number(plan.model.detail['score']),
      },
      reference: { snapshotVersion: Number(plan.model.detail['snapshotVersion']), silver: referenceSilver, rows: referenceFrame.rows },
      current: { snapshotVersion: plan.currentVersion, silver: plan.currentSilver, rows: currentFrame.rows },
      window: window ? { column: window, period } : null,
      drift,
      windows: windowed,
      prediction,
      predictedClasses: classShares(model, referencePredictions, currentPredictions),
      performance: {
        training: { metric: model.manifest.metric, score: model.manifest.score },
        estimated: currentPredictions.probabilities ? estimatePerformance(currentPredictions.probabilities, model.classes.length) : null,
        calibration: model.task === 'regression' ? 'not applicable (regression)' : UNCHECKED,
        realised: realisedPerformance(model, currentFrame, currentPredictions, plan.target),
      },
      notes,
    };
  } finally {
    engine.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL|REAL)/i;
const TIME_TYPE = /^(DATE|TIMESTAMP)/i;

/** Each column of a Parquet file as drift compares it: numbers and times by value, the rest by category. */
export async function columnSpecs(conn: DuckDBConnection, path: string): Promise<ColumnSpec[]> {
  const facts = await describeParquet(conn, path);
  return facts.schema.map((c) => {
    const semanticType: SemanticType = NUMERIC_TYPE.test(c.type) ? 'numeric' : TIME_TYPE.test(c.type) ? 'datetime' : 'categorical';
    return { name: c.name, physicalType: c.type, semanticType, datetimeFormat: null };
  });
}

/**
 * A snapshot of a source that grows by appending repeats the training rows: compared whole, the
 * new rows' drift would be diluted by the old. Such a snapshot's new rows (those the training
 * snapshot does not hold) are written to `scratch` and compared instead, said in `notes`; a
 * snapshot with no row in common, or nothing new, is compared whole.
 */
async function newRowsOnly(conn: DuckDBConnection, currentPath: string, referencePath: string, scratch: string, notes: string[]): Promise<string> {
  const fresh = await newRowsOf(conn, currentPath, referencePath);
  if (!fresh) return currentPath;
  const [[found, all]] = (await queryRows(conn, `SELECT (SELECT count(*) FROM (${fresh.sql})), (SELECT count(*) FROM read_parquet($cur_all))`, { ...fresh.params, cur_all: currentPath })) as [[bigint, bigint]];
  const newRows = Number(found);
  const total = Number(all);
  if (newRows === 0 || newRows === total) return currentPath;
  await execute(conn, `COPY (SELECT * EXCLUDE (file_row_number) FROM (${fresh.sql})) TO ${quoteLiteral(scratch)} (FORMAT parquet)`, fresh.params);
  notes.push(`the snapshot repeats ${total - newRows} rows of the training snapshot: its ${newRows} new rows are compared`);
  return scratch;
}

/** The current rows cut by the time column's month (week, day); each window against the whole reference. */
async function windowDrift(conn: DuckDBConnection, input: DriftInput, column: string, period: WindowPeriod): Promise<MonitorWindow[]> {
  const current = input.current;
  const bucket = `date_trunc('${period}', TRY_CAST(${quoteIdent(column)} AS TIMESTAMP))`;
  const starts = await queryRows(conn, `SELECT DISTINCT CAST(${bucket} AS DATE) AS w FROM ${current.from} WHERE ${bucket} IS NOT NULL ORDER BY w`, current.params);
  const out: MonitorWindow[] = [];
  for (const [start] of starts) {
    const day = String(start);
    const slice: Source = { from: `(SELECT * FROM ${current.from} WHERE CAST(${bucket} AS DATE) = CAST($win AS DATE))`, params: { ...current.params, win: day } };
    out.push({ start: day, drift: await computeDrift(conn, { ...input, current: slice }), estimated: null, realised: null });
  }
  return out;
}

/** The newest monitoring result of a project, or null with why there is none. */
export async function lastMonitorResult(lab: Lab, project: ProjectRecord): Promise<{ result: MonitorResult; at: string } | { result: null; why: string }> {
  const [record] = await lab.catalog.listActions({ project: project.name, kind: monitorDriftStage.kind, status: 'done', limit: 1 });
  if (!record || record.outputs['result'] === undefined) {
    const plan = await monitorPlan(lab, project);
    return { result: null, why: typeof plan === 'string' ? plan : `not monitored yet: run autolab run ${project.name}` };
  }
  const bytes = await lab.store.getBytes(record.outputs['result']);
  return { result: JSON.parse(Buffer.from(bytes).toString('utf8')) as MonitorResult, at: record.finishedAt ?? record.startedAt };
}

/**
 * `autolab monitor`: silver brought up to date (as training does), then the monitoring unit run —
 * or reused when neither the model nor the snapshot changed.
 */
export async function monitorProject(lab: Lab, project: ProjectRecord): Promise<{ result: MonitorResult; ran: boolean } | { result: null; why: string }> {
  const context = stageContext(lab);
  await buildSilverTables(lab, project, context);
  const planned = await monitorDriftStage.plan(context, project);
  const unit = 'units' in planned ? planned.units[0] : undefined;
  if (!unit) {
    const last = await lastMonitorResult(lab, project);
    return last.result ? { result: last.result, ran: false } : last;
  }
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  const outcome = await runAction(runtime, monitorDriftStage, context, project, unit);
  if (outcome.status === 'failed') throw outcome.error;
  // a check that found drift raises its alert (once per check)
  const alerting = await monitorAlertStage.plan(context, project);
  for (const alert of 'units' in alerting ? alerting.units : []) {
    const raised = await runAction(runtime, monitorAlertStage, context, project, alert);
    if (raised.status === 'failed') throw raised.error;
  }
  const bytes = await lab.store.getBytes(outcome.record.outputs['result'] ?? '');
  return { result: JSON.parse(Buffer.from(bytes).toString('utf8')) as MonitorResult, ran: outcome.status === 'done' };
}

/** Where `autolab monitor report` writes a project's dashboard unless told otherwise. */
export function defaultMonitorReportPath(lab: Lab, project: string): string {
  return join(lab.root, LAB_DIR, 'reports', `${project}-monitor.html`);
}

/** `autolab monitor report`: the monitoring brought up to date, then its dashboard written atomically to `out`. */
export async function writeMonitorReport(
  lab: Lab,
  project: ProjectRecord,
  options: { out?: string; generatedAt?: string } = {},
): Promise<{ path: string; bytes: number; result: MonitorResult } | { result: null; why: string }> {
  const monitored = await monitorProject(lab, project);
  if (!monitored.result) return monitored;
  const path = resolve(options.out ?? defaultMonitorReportPath(lab, project.name));
  const bytes = Buffer.from(renderMonitorHtml(monitored.result, options.generatedAt ?? new Date().toISOString()), 'utf8');
  try {
    await writeStreamAtomic(() => Readable.from([bytes]), path);
  } catch (error) {
    throw new InputError(`cannot write the monitoring report to ${path}: ${firstLine(error)}`, 'check that its folder is writable, or give the report another path');
  }
  return { path, bytes: bytes.length, result: monitored.result };
}
