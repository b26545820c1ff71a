import { METRICS, type BundleManifest, type MetricName } from '../automl/index.js';
import { bootstrapDraws, DEFAULT_LEVEL, metricInterval, resamplesFor, type MetricInterval } from './bootstrap.js';
import type { HoldoutPredictions } from './holdout.js';

/** What the registry keeps of a model's quality: the bundle's metric and its task's usual others, each with an interval. */
export interface ModelMetrics {
  readonly task: BundleManifest['task'];
  readonly target: string;
  /** the metric the model was chosen by */
  readonly metric: MetricName;
  /** the bundle's own out-of-sample score of that metric */
  readonly score: number;
  /** on which predictions the intervals were computed, or null when the bundle kept none */
  readonly evaluation: {
    readonly on: HoldoutPredictions['kind'];
    readonly rows: number;
    readonly method: string;
    readonly resamples: number;
    readonly level: number;
  } | null;
  /** metric name → value with its interval (empty without holdout predictions) */
  readonly values: Readonly<Partial<Record<MetricName, MetricInterval>>>;
}

const BY_TASK: Readonly<Record<BundleManifest['task'], readonly MetricName[]>> = {
  binary: ['auc', 'logloss', 'accuracy', 'f1'],
  multiclass: ['logloss', 'accuracy', 'balanced_accuracy', 'f1'],
  regression: ['rmse', 'mae', 'r2'],
};

export function modelMetrics(manifest: BundleManifest, holdout: HoldoutPredictions | null, options: { resamples?: number; seed?: number } = {}): ModelMetrics {
  const base = { task: manifest.task, target: manifest.target, metric: manifest.metric, score: manifest.score };
  if (!holdout) return { ...base, evaluation: null, values: {} };
  const resamples = options.resamples ?? resamplesFor(holdout.y.length);
  const width = manifest.task === 'regression' ? 1 : manifest.classes.length;
  const y = Float64Array.from(holdout.y);
  const predictions = Float64Array.from(holdout.predictions);
  const draws = bootstrapDraws(y.length, { resamples, seed: options.seed ?? manifest.seed });
  const names = [manifest.metric, ...BY_TASK[manifest.task].filter((n) => n !== manifest.metric)];
  const values: Partial<Record<MetricName, MetricInterval>> = {};
  for (const name of names) values[name] = metricInterval(METRICS[name], y, predictions, width, draws);
  return {
    ...base,
    evaluation: {
      on: holdout.kind,
      rows: y.length,
      method: `percentile bootstrap over the ${holdout.kind === 'out-of-fold' ? 'out-of-fold' : 'holdout'} predictions' rows (${resamples} resamples, seeded)`,
      resamples,
      level: DEFAULT_LEVEL,
    },
    values,
  };
}
