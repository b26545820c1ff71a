/**
 * The metrics AutoML ranks candidates by: names, directions and tasks over learn's metrics (the one
 * implementation of each). Predictions are row-major n × k probabilities for classes (hard labels
 * by argmax, the first class winning ties), n values for regression. Undefined values are NaN, as
 * in learn: AUC when the scored rows hold one class, anything on no rows; `checkScorable` refuses
 * such rows before a search would rank candidates on NaN.
 */
import { DataError, UsageError } from '../common/index.js';
import { accuracy, argmaxLabels, balancedAccuracy, f1Score, logLoss, mae, positiveColumn, r2, rmse, rocAuc, type Task } from '../learn/index.js';
import type { Metric, MetricName } from './metric-types.js';

const CLASSIFICATION: readonly Task[] = ['binary', 'multiclass'];

export const METRICS: Readonly<Record<MetricName, Metric>> = {
  auc: { name: 'auc', higherIsBetter: true, tasks: ['binary'], score: (y, p) => rocAuc(y, positiveColumn(p)) },
  logloss: { name: 'logloss', higherIsBetter: false, tasks: CLASSIFICATION, score: (y, p, k) => logLoss(y, p, k) },
  accuracy: { name: 'accuracy', higherIsBetter: true, tasks: CLASSIFICATION, score: (y, p, k) => accuracy(y, argmaxLabels(p, k)) },
  balanced_accuracy: {
    name: 'balanced_accuracy',
    higherIsBetter: true,
    tasks: CLASSIFICATION,
    score: (y, p, k) => balancedAccuracy(y, argmaxLabels(p, k), k),
  },
  f1: {
    name: 'f1',
    higherIsBetter: true,
    tasks: CLASSIFICATION,
    // binary: F1 of class 1; multiclass: macro average
    score: (y, p, k) => f1Score(y, argmaxLabels(p, k), { average: k === 2 ? 'binary' : 'macro', numClasses: k }),
  },
  rmse: { name: 'rmse', higherIsBetter: false, tasks: ['regression'], score: (y, p) => rmse(y, p) },
  mae: { name: 'mae', higherIsBetter: false, tasks: ['regression'], score: (y, p) => mae(y, p) },
  r2: { name: 'r2', higherIsBetter: true, tasks: ['regression'], score: (y, p) => r2(y, p) },
};

/** The AutoML Benchmark's defaults: AUC, log loss, RMSE. */
export function defaultMetric(task: Task): Metric {
  return task === 'binary' ? METRICS.auc : task === 'multiclass' ? METRICS.logloss : METRICS.rmse;
}

export function metricFor(task: Task, name: string | undefined): Metric {
  if (name === undefined) return defaultMetric(task);
  const metric = (METRICS as Record<string, Metric | undefined>)[name.toLowerCase()];
  if (!metric) throw new UsageError(`unknown metric '${name}'`, `choose one of ${Object.keys(METRICS).join(', ')}`);
  if (!metric.tasks.includes(task)) {
    const fits = Object.values(METRICS).filter((m) => m.tasks.includes(task)).map((m) => m.name);
    throw new UsageError(`metric '${name}' does not fit a ${task} task`, `choose one of ${fits.join(', ')}`);
  }
  return metric;
}

/**
 * Refuses rows on which `metric` is undefined: AUC needs both classes among the rows every candidate
 * is scored on (a holdout can miss a class with fewer rows than there are folds).
 */
export function checkScorable(metric: Metric, y: Float64Array): void {
  if (metric.name !== 'auc') return;
  const first = y[0];
  if (y.some((v) => v !== first)) return;
  throw new DataError(
    `AUC is undefined on the ${y.length} validation rows: they hold one class only`,
    `choose another metric (e.g. metric 'logloss'), or give more rows of the rarer class`,
  );
}
