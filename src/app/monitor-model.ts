import type { DuckDBConnection } from '@duckdb/node-api';
import type { AutoModel, BatchPrediction } from '../automl/index.js';
import type { ColumnSpec } from '../explore/index.js';
import type { Frame } from '../features/index.js';
import { execute } from '../lake/index.js';
import { accuracy, argmaxLabels, multiclassAuc, rocAuc } from '../learn/index.js';
import { readHoldout } from '../registry/index.js';
import {
  checkCalibration,
  computeDrift,
  describeCalibration,
  estimatePerformance,
  type CalibrationCheck,
  type Calibrator,
  type DriftSummary,
  type DriftThresholds,
  type MonitorResult,
  type MonitorWindow,
  type RealisedPerformance,
  type WindowPeriod,
} from '../monitor/index.js';

/**
 * What the model says about the rows monitoring compares: its outputs on both sides (prediction
 * drift, class shares), and its performance on the current rows — estimated (CBPE), and realised
 * where they already hold the outcome — per window too.
 */

/**
 * The model's probabilities checked on its holdout (`holdout.json` in the bundle folder): the check
 * (null for a regressor or a bundle without holdout predictions) and the line the monitor shows.
 */
export function holdoutCalibration(model: AutoModel, bundleDir: string): { check: CalibrationCheck | null; text: string } {
  if (model.task === 'regression') return { check: null, text: 'not applicable (regression)' };
  const holdout = readHoldout(bundleDir);
  if (!holdout) return { check: null, text: 'unchecked: the bundle keeps no holdout predictions to check calibration on' };
  if (holdout.classes.join('\u0000') !== model.classes.join('\u0000')) {
    return { check: null, text: `unchecked: the holdout predictions are of classes ${holdout.classes.join(', ')}, the model's ${model.classes.join(', ')}` };
  }
  const check = checkCalibration(holdout.y, holdout.predictions, model.classes.length);
  return { check, text: describeCalibration(check) };
}

/** The model's outputs on both sides as two small tables, compared like any columns. */
export async function predictionDrift(
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

export function classShares(model: AutoModel, reference: BatchPrediction, current: BatchPrediction): MonitorResult['predictedClasses'] {
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

/** Each window's estimated (and, with outcomes, realised) performance, from the rows' predictions (rescaled by `calibrator` for the estimate). */
export function withWindowPerformance(
  windows: readonly MonitorWindow[],
  column: string,
  period: WindowPeriod,
  model: AutoModel,
  frame: Frame,
  predictions: BatchPrediction,
  target: string,
  calibrator: Calibrator | null,
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
    return { ...w, estimated: estimatePerformance(proba, k, calibrator), realised: realisedPerformance(model, frame, predictions, target, rows) };
  });
}

export function realisedPerformance(model: AutoModel, frame: Frame, predictions: BatchPrediction, target: string, only?: readonly number[]): RealisedPerformance | null {
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
