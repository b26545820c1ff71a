import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ProjectRecord } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import { loadBundle, type AutoModel } from '../automl/index.js';
import { hasConfirmedTarget, type ColumnSpec, type Source } from '../explore/index.js';
import { readFrame } from '../features/index.js';
import { execute, firstLine, listValue, openDuckEngine, queryRows, quoteIdent, type SqlParams } from '../lake/index.js';
import {
  computeDrift,
  estimatePerformance,
  renderLogMonitorHtml,
  type Calibrator,
  type DriftThresholds,
  type LogWindow,
  type PredictionLogResult,
} from '../monitor/index.js';
import { bundleDirFor, productionVersion, type MetricInterval, type ModelLineage, type ModelMetrics } from '../registry/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { FEEDBACK_PREFIX } from './feedback.js';
import { LAB_DIR } from './lab-config.js';
import type { Lab } from './lab-types.js';
import { columnSpecs, thresholdsOf } from './monitor.js';
import { holdoutCalibration } from './monitor-model.js';
import { realisedMetricNames, realisedWindow } from './monitor-realised.js';
import { currentTags } from './tags.js';
import { trainingColumns } from './train.js';

/**
 * Drift and performance over the prediction log (`autolab monitor --source predictions`): the
 * production version's logged requests (answers, not shadow scores) are unfolded into one row per
 * scored record, typed as the model's training silver types its columns, cut into windows (UTC day,
 * or every N predictions), and each window goes through the one drift engine against that silver
 * table. Outcomes sent back (`lake/feedback/`) join the rows by prediction id or by the record's
 * key; the realised metrics per window carry bootstrap intervals beside the holdout's.
 */

export const PREDICTIONS_PREFIX = 'lake/predictions/';

export interface LogMonitorOptions {
  /** only requests at or after this time (ISO date or time) */
  readonly since?: string;
  /** windows of this many predictions in time order; default one window per UTC day */
  readonly every?: number;
}

const ROWS = 'monitor_log_rows';

/** The production version's prediction log against its training rows, or why there is nothing to compare. */
export async function monitorPredictionLog(lab: Lab, project: ProjectRecord, options: LogMonitorOptions = {}): Promise<{ result: PredictionLogResult } | { result: null; why: string }> {
  const since = options.since === undefined ? null : parseSince(options.since);
  if (options.every !== undefined && !(Number.isInteger(options.every) && options.every > 0)) throw new InputError(`every should be a whole number of predictions above 0, not ${options.every}`, 'give e.g. 500');
  const tags = await currentTags(lab.catalog, project);
  if (!tags || !hasConfirmedTarget(tags.tags)) return { result: null, why: 'no confirmed target yet' };
  const { table, target } = trainingColumns(tags.tags, project.name);
  const production = await productionVersion(lab, project.name);
  if (!production) return { result: null, why: `no model in production: the prediction log is monitored for the production version` };
  const lineage = production.lineage as Partial<ModelLineage>;
  if (!lineage.silverLakeKey || !(await lab.store.hasObject(lineage.silverLakeKey))) {
    throw new InputError(`the silver table version ${production.version} was trained on is gone from the store`, `train again (autolab run ${project.name}) and promote the new version`);
  }
  const logFiles = (await lab.store.listObjects(PREDICTIONS_PREFIX)).filter((k) => k.endsWith('.parquet'));
  if (logFiles.length === 0) return { result: null, why: 'no predictions logged yet: serve the project (autolab serve PROJECT) and send it requests' };

  const bundleDir = await bundleDirFor(lab, project.name, production.version);
  const { model } = loadBundle(bundleDir);
  const calibration = holdoutCalibration(model, bundleDir);
  const calibrator = calibration.check?.calibrator ?? null;
  const referencePath = await lab.store.localPathFor(lineage.silverLakeKey);
  const time = tags.tags.columns.find((c) => c.table === table && c.confirmed.role === 'time')?.column ?? null;
  const keyColumn = tags.tags.columns.find((c) => c.table === table && c.confirmed.role === 'id')?.column ?? null;
  const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
  try {
    const { conn } = engine;
    const used = new Set(model.manifest.pipeline.steps.map((s) => s.column));
    const specs = (await columnSpecs(conn, referencePath)).filter((s) => used.has(s.name) && s.name !== time && s.name !== target);
    const logPaths = await Promise.all(logFiles.map((k) => lab.store.localPathFor(k)));
    // the log names a version as `autolab serve PROJECT` serves it (the registry's number) or as a bundle folder does (its hash)
    const versions = [String(production.version), production.bundleHash.slice(0, 12)];
    const requests = await unfoldLog(conn, logPaths, versions, since, specs, keyColumn, options.every);
    const rows = Number((await queryRows(conn, `SELECT count(*) FROM ${ROWS}`))[0]![0]);
    if (rows === 0) return { result: null, why: `no predictions of version ${production.version} logged${since ? ` since ${since}` : ''}` };

    const thresholds: Partial<DriftThresholds> = thresholdsOf(lab);
    const referenceFrame = await readFrame(referencePath, { textColumns: [target], workDir: lab.workDir });
    const importance = model.importance(referenceFrame);
    const reference: Source = { from: 'read_parquet($ref_path)', params: { ref_path: referencePath } };
    const columnsOnly = specs.map((s) => quoteIdent(s.name)).join(', ');
    const weights = { thresholds, ...(importance ? { importance } : {}) };
    const drift = await computeDrift(conn, { reference, current: { from: `(SELECT ${columnsOnly} FROM ${ROWS})`, params: {} }, columns: specs, ...weights });

    const outcomes = await outcomesOf(lab, conn, keyColumn !== null);
    const scored = await scoredRows(conn, model, outcomes > 0);
    const holdout = ((production.metrics as Partial<ModelMetrics>).values ?? {}) as Partial<Record<string, MetricInterval>>;
    const names = realisedMetricNames(model.task);
    const windows: LogWindow[] = [];
    for (const [label, from, to, count] of (await queryRows(conn, `SELECT win, min(time), max(time), count(*) FROM ${ROWS} GROUP BY win ORDER BY min(time), win`)) as [string, unknown, unknown, bigint][]) {
      const slice: Source = { from: `(SELECT ${columnsOnly} FROM ${ROWS} WHERE win = $win)`, params: { win: label } };
      const inWindow = scored.filter((r) => r.window === label);
      windows.push({
        label,
        from: isoOf(from),
        to: isoOf(to),
        rows: Number(count),
        drift: await computeDrift(conn, { reference, current: slice, columns: specs, ...weights }),
        estimated: estimated(model, inWindow, calibrator),
        realised: realised(model, names, inWindow.filter((r) => r.outcome !== null), holdout),
        humility: humilityCounts(inWindow),
      });
    }
    const withOutcome = scored.filter((r) => r.outcome !== null);
    const notes = [
      'logged inputs are the records as sent, typed as the training silver types each column (a value that does not cast counts as missing)',
      ...(time ? [`${time} is the tagged time column: not compared (newer requests always have later times)`] : []),
      ...(importance ? [] : ['no tree model in the ensemble: the drift score is not weighted by importance']),
      'estimated: CBPE on the logged probabilities (rescaled when the holdout found them miscalibrated: see calibration); realised: on the predictions with an outcome, 95 % percentile bootstrap intervals',
    ];
    return {
      result: {
        version: 1,
        source: 'predictions',
        project: project.name,
        target,
        model: { version: production.version, bundleHash: production.bundleHash, metric: model.manifest.metric },
        since,
        windowing: options.every !== undefined ? { every: options.every } : { by: 'day' },
        reference: { silver: lineage.silverLakeKey, rows: referenceFrame.rows },
        current: { files: logFiles.length, requests, rows },
        drift,
        windows,
        feedback: { outcomes, matched: withOutcome.length, unknownOutcomes: withOutcome.filter((r) => r.truth === null).length },
        realised: realised(model, names, withOutcome, holdout),
        calibration: calibration.text,
        calibrationCheck: calibration.check,
        humility: humilityCounts(scored),
        notes,
      },
    };
  } finally {
    engine.close();
  }
}

function parseSince(text: string): string {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new InputError(`since '${text}' is not a date or time`, 'give e.g. 2026-12-01 or 2026-12-01T08:00:00Z');
  return new Date(ms).toISOString();
}

function isoOf(value: unknown): string {
  const text = String(value);
  const ms = Date.parse(text.includes('T') || text.endsWith('Z') ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : text;
}

/**
 * One row per scored record of the version's answers: `prediction_id` (`<request id>.<row>`, as
 * `/predict` answered it), `ord` (time order), `win`, the key's value as text, and each compared
 * column cast to the training silver's type. Returns the number of requests.
 */
async function unfoldLog(conn: DuckDBConnection, paths: readonly string[], versions: readonly string[], since: string | null, specs: readonly ColumnSpec[], keyColumn: string | null, every: number | undefined): Promise<number> {
  const params: SqlParams = { files: listValue([...paths]), versions: listValue([...versions]), since: since ?? '' };
  await execute(
    conn,
    `CREATE OR REPLACE TEMP TABLE monitor_log AS SELECT request_id, time, rows, inputs, outputs FROM read_parquet($files, union_by_name = true)
     WHERE role = 'answer' AND version IN (SELECT unnest($versions)) AND ($since = '' OR time >= CAST($since AS TIMESTAMP))`,
    params,
  );
  const columns = specs.map((s, i) => {
    params[`c${i}`] = s.name;
    return `TRY_CAST(json_extract_string(record, '$.' || to_json($c${i})) AS ${s.physicalType}) AS ${quoteIdent(s.name)}`;
  });
  if (keyColumn !== null) params['key_column'] = keyColumn;
  const key = keyColumn !== null ? `json_extract_string(record, '$.' || to_json($key_column))` : 'CAST(NULL AS VARCHAR)';
  const window = every !== undefined ? `CAST((ord - 1) // ${every} + 1 AS VARCHAR)` : `strftime(time, '%Y-%m-%d')`;
  await execute(
    conn,
    `CREATE OR REPLACE TEMP TABLE ${ROWS} AS
     WITH records AS (
       SELECT request_id, time, i, json_extract(inputs, '$[' || i || ']') AS record
       FROM (SELECT request_id, time, inputs, unnest(range(rows)) AS i FROM monitor_log)
     ), ordered AS (
       SELECT *, row_number() OVER (ORDER BY time, request_id, i) AS ord FROM records
     )
     SELECT request_id || '.' || i AS prediction_id, request_id, i, time, ord, ${every !== undefined ? `'#' || ${window}` : window} AS win, ${key} AS key${columns.length > 0 ? ', ' + columns.join(', ') : ''}
     FROM ordered`,
    params,
  );
  return Number((await queryRows(conn, 'SELECT count(*) FROM monitor_log'))[0]![0]);
}

/** The outcomes sent back joined to the logged rows (`monitor_outcomes`: `ord`, `outcome`; the latest per id and per key); how many were sent. */
async function outcomesOf(lab: Lab, conn: DuckDBConnection, byKey: boolean): Promise<number> {
  const keys = (await lab.store.listObjects(FEEDBACK_PREFIX)).filter((k) => k.endsWith('.parquet'));
  if (keys.length === 0) return 0;
  const files = listValue(await Promise.all(keys.map((k) => lab.store.localPathFor(k))));
  await execute(conn, `CREATE OR REPLACE TEMP TABLE monitor_feedback AS SELECT id, key, outcome, time FROM read_parquet($files, union_by_name = true)`, { files });
  // an outcome given by key reaches every logged prediction of that record, one by id its prediction;
  // when a prediction has both, the later one counts
  const latest = (column: string) => `SELECT ${column}, arg_max(outcome, time) AS outcome, max(time) AS at FROM monitor_feedback WHERE ${column} IS NOT NULL GROUP BY ${column}`;
  const outcome = byKey ? 'CASE WHEN by_key.at IS NOT NULL AND (by_id.at IS NULL OR by_key.at > by_id.at) THEN by_key.outcome ELSE by_id.outcome END' : 'by_id.outcome';
  await execute(
    conn,
    `CREATE OR REPLACE TEMP TABLE monitor_outcomes AS
     SELECT ord, outcome FROM (
       SELECT r.ord, ${outcome} AS outcome
       FROM ${ROWS} r
       LEFT JOIN (${latest('id')}) by_id ON by_id.id = r.prediction_id
       ${byKey ? `LEFT JOIN (${latest('key')}) by_key ON by_key.key = r.key` : ''}
     ) WHERE outcome IS NOT NULL`,
  );
  return Number((await queryRows(conn, 'SELECT count(*) FROM monitor_feedback'))[0]![0]);
}

interface ScoredRow {
  readonly window: string;
  /** the logged probabilities (classifiers) or the value (regression) */
  readonly scores: Float64Array;
  readonly outcome: string | null;
  /** the outcome as the metric reads it: class index, or number; null when the model cannot read it */
  readonly truth: number | null;
  /** the humility rules that fired on the record as the service logged them (`outlying:age`, `uncertain`) */
  readonly flags: readonly string[];
}

/** Every logged row's scores and outcome, in time order; the log keeps each request's outputs once, parsed here per request. */
async function scoredRows(conn: DuckDBConnection, model: AutoModel, hasOutcomes: boolean): Promise<ScoredRow[]> {
  const rows = await queryRows(
    conn,
    `SELECT r.request_id, r.i, r.win, l.outputs, ${hasOutcomes ? 'o.outcome' : 'NULL'}
     FROM ${ROWS} r JOIN monitor_log l USING (request_id) ${hasOutcomes ? 'LEFT JOIN monitor_outcomes o USING (ord)' : ''}
     ORDER BY r.ord`,
  );
  const classes = new Map(model.classes.map((c, i) => [c, i]));
  const k = model.classes.length;
  const parsed = new Map<string, { predictions: unknown[]; probabilities: number[] | null; humility?: unknown[] }>();
  return rows.map(([requestId, i, window, outputs, outcome]) => {
    let out = parsed.get(String(requestId));
    if (!out) {
      out = JSON.parse(String(outputs)) as { predictions: unknown[]; probabilities: number[] | null; humility?: unknown[] };
      parsed.set(String(requestId), out);
    }
    const row = Number(i);
    const scores = model.task === 'regression' || !out.probabilities ? Float64Array.of(Number(out.predictions[row])) : Float64Array.from(out.probabilities.slice(row * k, row * k + k));
    const text = outcome === null || outcome === undefined ? null : String(outcome);
    const truth = text === null ? null : model.task === 'regression' ? (Number.isFinite(Number(text)) ? Number(text) : null) : (classes.get(text) ?? null);
    const logged = out.humility?.[row];
    const flags = Array.isArray(logged) ? logged.map(String) : [];
    return { window: String(window), scores, outcome: text, truth, flags };
  });
}

/** Records each humility rule fired on: `outlying:age` and `outlying:income` on one record count once for `outlying`. */
function humilityCounts(rows: readonly ScoredRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { flags } of rows) {
    for (const rule of new Set(flags.map((f) => f.split(':')[0]!))) counts[rule] = (counts[rule] ?? 0) + 1;
  }
  return counts;
}

function estimated(model: AutoModel, rows: readonly ScoredRow[], calibrator: Calibrator | null): LogWindow['estimated'] {
  if (model.task === 'regression' || rows.length === 0) return null;
  const k = model.classes.length;
  const proba = new Float64Array(rows.length * k);
  rows.forEach((r, i) => proba.set(r.scores, i * k));
  return estimatePerformance(proba, k, calibrator);
}

function realised(model: AutoModel, names: Parameters<typeof realisedWindow>[0], rows: readonly ScoredRow[], holdout: Partial<Record<string, MetricInterval>>): LogWindow['realised'] {
  const known = rows.filter((r) => r.truth !== null);
  const width = model.task === 'regression' ? 1 : model.classes.length;
  const predictions = new Float64Array(known.length * width);
  known.forEach((r, i) => predictions.set(r.scores, i * width));
  return realisedWindow(names, Float64Array.from(known, (r) => r.truth!), predictions, width, holdout);
}

/** `autolab monitor report --source predictions`: the log's check written as a dashboard, atomically, to `out` (default `.autolab/reports/PROJECT-predictions.html`). */
export async function writeLogMonitorReport(
  lab: Lab,
  project: ProjectRecord,
  options: LogMonitorOptions & { out?: string; generatedAt?: string } = {},
): Promise<{ path: string; bytes: number; result: PredictionLogResult } | { result: null; why: string }> {
  const checked = await monitorPredictionLog(lab, project, options);
  if (!checked.result) return checked;
  const path = resolve(options.out ?? join(lab.root, LAB_DIR, 'reports', `${project.name}-predictions.html`));
  const bytes = Buffer.from(renderLogMonitorHtml(checked.result, options.generatedAt ?? new Date().toISOString()), 'utf8');
  try {
    await writeStreamAtomic(() => Readable.from([bytes]), path);
  } catch (error) {
    throw new InputError(`cannot write the monitoring report to ${path}: ${firstLine(error)}`, 'check that its folder is writable, or give the report another path');
  }
  return { path, bytes: bytes.length, result: checked.result };
}
