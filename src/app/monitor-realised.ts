import { METRICS, type MetricName } from '../automl/index.js';
import type { RealisedMetric, RealisedWindow } from '../monitor/index.js';
import { bootstrapDraws, metricInterval, resamplesFor, type MetricInterval } from '../registry/index.js';

/**
 * Realised performance: the model's metrics on predictions whose outcome came back, each with a
 * percentile bootstrap interval (the registry's, seeded: the same rows give the same interval),
 * beside the version's holdout figure and its interval.
 */

/** Classifiers: accuracy and, for two classes, ROC AUC; regression: RMSE and MAE. */
export function realisedMetricNames(task: 'binary' | 'multiclass' | 'regression'): MetricName[] {
  return task === 'binary' ? ['accuracy', 'auc'] : task === 'multiclass' ? ['accuracy'] : ['rmse', 'mae'];
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * `y`: class index per row (or the true value), `predictions`: row-major n × width probabilities
 * (or n values), `holdout`: the registry's intervals by metric name.
 */
export function realisedWindow(
  names: readonly MetricName[],
  y: Float64Array,
  predictions: Float64Array,
  width: number,
  holdout: Readonly<Partial<Record<string, MetricInterval>>>,
): RealisedWindow | null {
  if (y.length === 0) return null;
  const draws = bootstrapDraws(y.length, { resamples: resamplesFor(y.length), seed: 0 });
  const metrics: Record<string, RealisedMetric> = {};
  for (const name of names) {
    const metric = METRICS[name];
    const interval = metricInterval(metric, y, predictions, width, draws);
    const reference = holdout[name] ?? null;
    const low = finite(interval.low);
    const high = finite(interval.high);
    const belowHoldout = reference !== null && low !== null && high !== null && (metric.higherIsBetter ? high < reference.low : low > reference.high);
    metrics[name] = { value: finite(interval.value), low, high, holdout: reference ? { value: reference.value, low: reference.low, high: reference.high } : null, belowHoldout };
  }
  return { rows: y.length, metrics };
}
