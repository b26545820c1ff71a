import type { Task } from '../learn/types.js';

export type MetricName =
  | 'auc'
  | 'logloss'
  | 'accuracy'
  | 'balanced_accuracy'
  | 'f1'
  | 'rmse'
  | 'mae'
  | 'r2';

/** A score of predictions against the truth, as used to rank candidates. */
export interface Metric {
  readonly name: MetricName;
  readonly higherIsBetter: boolean;
  readonly tasks: readonly Task[];
  /**
   * y: class indices or values; predictions: row-major n × numClasses probabilities for
   * classification, n values for regression.
   */
  score(y: Float64Array, predictions: Float64Array, numClasses: number): number;
}

/** A loss to minimise, whatever the metric's direction. */
export function lossOf(metric: Metric, y: Float64Array, predictions: Float64Array, numClasses: number): number {
  const s = metric.score(y, predictions, numClasses);
  return metric.higherIsBetter ? -s : s;
}
