import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActionRecord, ProjectRecord } from '../catalog/index.js';
import { inputsHash } from '../catalog/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { loadBundle, type AutoModel, type BatchPrediction } from '../automl/index.js';
import type { ColumnSpec, SemanticType, Source } from '../explore/index.js';
import { readFrame, type Frame } from '../features/index.js';
import { accuracy, argmaxLabels, multiclassAuc, rocAuc } from '../learn/index.js';
import { describeParquet, execute, firstLine, openDuckEngine, queryRows, quoteIdent } from '../lake/index.js';
import { computeDrift, estimatePerformance, renderMonitorHtml, type DriftInput, type DriftSummary, type DriftThresholds, type MonitorResult, type MonitorWindow, type RealisedPerformance, type WindowPeriod } from '../monitor/index.js';
import { runAction, type Stage, type StagePlan } from '../runtime/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { loadExploration } from './explore.js';
import { LAB_DIR } from './lab-config.js';
import { workerId } from './lab.js';
import { monitorAlertStage } from './monitor-alert.js';
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
function thresholdsOf(lab: Lab): Partial<DriftThresholds> {
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
  if (!tags || !tags.tags.columns.some((c) => c.confirmed.role === 'target')) return 'no confirmed target yet';
  const { table, target, excluded } = trainingColumns(tags.tags.columns, project.name);
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
  version: 1,
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
    const currentPath = await lab.store.localPathFor(plan.currentKey);
    const reference: Source = { from: 'read_parquet($ref_path)', params: { ref_path: referencePath } };
    const current: Source = { from: 'read_parquet($cur_path)', params: { cur_path: currentPath } };
    const notes: string[] = [];
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
async function columnSpecs(conn: DuckDBConnection, path: string): Promise<ColumnSpec[]> {
  const facts = await describeParquet(conn, path);
  return facts.schema.map((c) => {
    const semanticType: SemanticType = NUMERIC_TYPE.test(c.type) ? 'numeric' : TIME_TYPE.test(c.type) ? 'datetime' : 'categorical';
    return { name: c.name, physicalType: c.type, semanticType, datetimeFormat: null };
  });
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

/** The model's outputs on both sides as two small tables, compared like any columns. */
async function predictionDrift(
  conn: DuckDBConnection,
  model: AutoModel,
  reference: BatchPrediction,
  current: BatchPrediction,
  thresholds: Partial<DriftThresholds>,
): Promise<DriftSummary> {
  const regression = model.task === 'regression';
  const names = ['monitor_pred_ref', 'monitor_pred_cur'] as const;
  for (const [i, batch] of [reference, current].entries()) {
    const name = names[i]!;
    await execute(conn, `CREATE OR REPLACE TEMP TABLE ${name} (prediction ${regression ? 'DOUBLE' : 'VARCHAR'}, score DOUBLE)`);
    const appender = await conn.createAppender(name);
    const k = batch.classes.length;
    for (let r = 0; r < batch.prediction.length; r++) {
      const label = batch.prediction[r]!;
      if (regression) appender.appendDouble(Number(label));
      else appender.appendVarchar(String(label));
      appender.appendDouble(regression ? Number(label) : score(batch.probabilities!, r, k));
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
  const specs: ColumnSpec[] = [
    { name: 'prediction', physicalType: regression ? 'DOUBLE' : 'VARCHAR', semanticType: regression ? 'numeric' : 'categorical', datetimeFormat: null },
    ...(regression ? [] : [{ name: 'score', physicalType: 'DOUBLE', semanticType: 'numeric' as const, datetimeFormat: null }]),
  ];
  return computeDrift(conn, { reference: { from: names[0], params: {} }, current: { from: names[1], params: {} }, columns: specs, thresholds });
}

function classShares(model: AutoModel, reference: BatchPrediction, current: BatchPrediction): MonitorResult['predictedClasses'] {
  if (model.task === 'regression') return [];
  const share = (batch: BatchPrediction, label: string) => (batch.prediction.length > 0 ? batch.prediction.filter((p) => p === label).length / batch.prediction.length : 0);
  return model.classes.map((label) => ({ label, reference: share(reference, label), current: share(current, label) }));
}

/** Binary: the positive class's probability; multiclass: the predicted class's (the model's confidence). */
function score(probabilities: Float64Array, row: number, k: number): number {
  if (k === 2) return probabilities[row * 2 + 1]!;
  let best = 0;
  for (let j = 0; j < k; j++) best = Math.max(best, probabilities[row * k + j]!);
  return best;
}

/** The first day (UTC, ISO) of the window a time falls in, as DuckDB's date_trunc gives it (weeks start on Monday). */
export function windowStart(ms: number, period: WindowPeriod): string {
  const day = new Date(Math.floor(ms / 86_400_000) * 86_400_000);
  if (period === 'month') day.setUTCDate(1);
  if (period === 'week') day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

/** Each window's estimated (and, with outcomes, realised) performance, from the rows' predictions. */
function withWindowPerformance(
  windows: readonly MonitorWindow[],
  column: string,
  period: WindowPeriod,
  model: AutoModel,
  frame: Frame,
  predictions: BatchPrediction,
  target: string,
): MonitorWindow[] {
  const time = frame.columns.find((c) => c.name === column);
  if (!time || !predictions.probabilities) return [...windows];
  const k = model.classes.length;
  const rowsOf = new Map<string, number[]>();
  for (let r = 0; r < frame.rows; r++) {
    const ms = time.kind === 'string' ? Date.parse(time.values[r] ?? '') : time.values[r]!;
    if (!Number.isFinite(ms)) continue;
    const start = windowStart(ms, period);
    const list = rowsOf.get(start);
    if (list) list.push(r);
    else rowsOf.set(start, [r]);
  }
  return windows.map((w) => {
    const rows = rowsOf.get(w.start) ?? [];
    if (rows.length === 0) return w;
    const proba = new Float64Array(rows.length * k);
    rows.forEach((r, i) => proba.set(predictions.probabilities!.subarray(r * k, r * k + k), i * k));
    return { ...w, estimated: estimatePerformance(proba, k), realised: realisedPerformance(model, frame, predictions, target, rows) };
  });
}

function realisedPerformance(model: AutoModel, frame: Frame, predictions: BatchPrediction, target: string, only?: readonly number[]): RealisedPerformance | null {
  if (model.task === 'regression' || !predictions.probabilities) return null;
  const column = frame.columns.find((c) => c.name === target);
  if (!column || column.kind !== 'string') return null;
  const k = model.classes.length;
  const index = new Map(model.classes.map((c, i) => [c, i]));
  const rows: number[] = [];
  const y: number[] = [];
  for (const r of only ?? Array.from({ length: frame.rows }, (_, i) => i)) {
    const label = column.values[r] ?? null;
    const at = label === null ? undefined : index.get(label);
    if (at !== undefined) {
      rows.push(r);
      y.push(at);
    }
  }
  if (rows.length === 0) return null;
  const proba = new Float64Array(rows.length * k);
  rows.forEach((r, i) => proba.set(predictions.probabilities!.subarray(r * k, r * k + k), i * k));
  const labels = Float64Array.from(y);
  const auc = k === 2 ? rocAuc(labels, proba.filter((_, j) => j % 2 === 1)) : multiclassAuc(labels, proba, k);
  return { rows: rows.length, accuracy: accuracy(labels, argmaxLabels(proba, k)), auc };
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
