import { METRICS, type BatchPrediction, type BundleManifest } from '../automl/index.js';
import { bootstrapDraws, pairedDifference, resamplesFor, type MetricInterval } from './bootstrap.js';
import type { HoldoutPredictions } from './holdout.js';

/** A project's approval policy (autolab.yaml): approve a challenger that beats the production model by this margin. */
export interface ApprovalPolicy {
  /** in the metric's own units and direction (AUC 0.01: one point better) */
  readonly autoApproveMargin: number;
}

/** A challenger against the champion on the challenger's held-out rows, both scored there. */
export interface ChampionComparison {
  readonly metric: string;
  readonly rows: number;
  readonly challenger: number;
  readonly champion: number;
  /** challenger − champion in the metric's direction (positive: the challenger is better), with a paired bootstrap interval */
  readonly gain: MetricInterval;
  readonly margin: number;
  readonly beats: boolean;
  /** of the compared rows, how many the champion never trained on (null: not known) */
  readonly newToChampion?: number | null;
}

/**
 * Compares on the same rows: the challenger's out-of-sample predictions against the champion's
 * predictions of those rows (`champion`, in the champion's class order). The champion may have
 * trained on some of them (an older snapshot of the same table), which can only flatter it: an
 * approval this gives is conservative.
 */
export function compareWithChampion(manifest: BundleManifest, holdout: HoldoutPredictions, champion: BatchPrediction, margin: number): ChampionComparison {
  const metric = METRICS[manifest.metric];
  const width = manifest.task === 'regression' ? 1 : manifest.classes.length;
  const y = Float64Array.from(holdout.y);
  const challenger = Float64Array.from(holdout.predictions);
  const theirs = alignClasses(champion, manifest, y.length);
  const gain = pairedDifference(metric, y, challenger, theirs, width, bootstrapDraws(y.length, { seed: manifest.seed, resamples: resamplesFor(y.length) }));
  return {
    metric: metric.name,
    rows: y.length,
    challenger: metric.score(y, challenger, width),
    champion: metric.score(y, theirs, width),
    gain,
    margin,
    beats: gain.value >= margin,
  };
}

/** The champion's predictions as columns of the challenger's classes (a class it never saw: probability 0). */
function alignClasses(champion: BatchPrediction, manifest: BundleManifest, rows: number): Float64Array {
  if (manifest.task === 'regression') return Float64Array.from(champion.prediction as number[]);
  const k = manifest.classes.length;
  const out = new Float64Array(rows * k);
  const theirs = champion.classes;
  const probabilities = champion.probabilities ?? new Float64Array(rows * theirs.length);
  manifest.classes.forEach((label, j) => {
    const c = theirs.indexOf(label);
    if (c < 0) return;
    for (let i = 0; i < rows; i++) out[i * k + j] = probabilities[i * theirs.length + c]!;
  });
  return out;
}
