import { UsageError } from '../common/index.js';
import type { Task } from '../learn/types.js';
import type { Metric, MetricName } from './metric-types.js';

const EPS = 1e-15;

function argmax(p: Float64Array, row: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (p[row * k + j]! > p[row * k + best]!) best = j;
  return best;
}

/** Area under the ROC curve of class 1's probability (ties count half), by rank statistics. */
function auc(y: Float64Array, p: Float64Array, k: number): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a * k + 1]! - p[b * k + 1]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    const value = p[order[start]! * k + 1]!;
    while (end < n && p[order[end]! * k + 1]! === value) end++;
    const meanRank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) {
      if (y[order[j]!] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function logloss(y: Float64Array, p: Float64Array, k: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    let total = 0;
    for (let j = 0; j < k; j++) total += Math.min(1, Math.max(EPS, p[i * k + j]!));
    sum -= Math.log(Math.min(1, Math.max(EPS, p[i * k + y[i]!]!)) / total);
  }
  return sum / y.length;
}

function accuracy(y: Float64Array, p: Float64Array, k: number): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) if (argmax(p, i, k) === y[i]) right++;
  return right / y.length;
}

function perClassRecallAndF1(y: Float64Array, p: Float64Array, k: number): { recall: number[]; f1: number[]; present: boolean[] } {
  const tp = new Array<number>(k).fill(0);
  const predicted = new Array<number>(k).fill(0);
  const actual = new Array<number>(k).fill(0);
  for (let i = 0; i < y.length; i++) {
    const c = argmax(p, i, k);
    predicted[c]!++;
    actual[y[i]!]!++;
    if (c === y[i]) tp[c]!++;
  }
  const recall = actual.map((a, c) => (a ? tp[c]! / a : 0));
  const f1 = tp.map((t, c) => (predicted[c]! + actual[c]! ? (2 * t) / (predicted[c]! + actual[c]!) : 0));
  return { recall, f1, present: actual.map((a) => a > 0) };
}

function rmse(y: Float64Array, p: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (y[i]! - p[i]!) ** 2;
  return Math.sqrt(sum / y.length);
}

function mae(y: Float64Array, p: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += Math.abs(y[i]! - p[i]!);
  return sum / y.length;
}

function r2(y: Float64Array, p: Float64Array): number {
  let mean = 0;
  for (const v of y) mean += v / y.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    residual += (y[i]! - p[i]!) ** 2;
    total += (y[i]! - mean) ** 2;
  }
  return total === 0 ? 0 : 1 - residual / total;
}

const CLASSIFICATION: readonly Task[] = ['binary', 'multiclass'];

export const METRICS: Readonly<Record<MetricName, Metric>> = {
  auc: { name: 'auc', higherIsBetter: true, tasks: ['binary'], score: (y, p, k) => auc(y, p, k) },
  logloss: { name: 'logloss', higherIsBetter: false, tasks: CLASSIFICATION, score: logloss },
  accuracy: { name: 'accuracy', higherIsBetter: true, tasks: CLASSIFICATION, score: accuracy },
  balanced_accuracy: {
    name: 'balanced_accuracy',
    higherIsBetter: true,
    tasks: CLASSIFICATION,
    score: (y, p, k) => {
      const { recall, present } = perClassRecallAndF1(y, p, k);
      const kept = recall.filter((_, c) => present[c]);
      return kept.reduce((a, b) => a + b, 0) / Math.max(1, kept.length);
    },
  },
  f1: {
    name: 'f1',
    higherIsBetter: true,
    tasks: CLASSIFICATION,
    // binary: F1 of class 1; multiclass: macro average over classes present
    score: (y, p, k) => {
      const { f1, present } = perClassRecallAndF1(y, p, k);
      if (k === 2) return f1[1]!;
      const kept = f1.filter((_, c) => present[c]);
      return kept.reduce((a, b) => a + b, 0) / Math.max(1, kept.length);
    },
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
