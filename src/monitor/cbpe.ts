/**
 * Confidence-based performance estimation (NannyML's CBPE): before outcomes arrive, what a
 * classifier's accuracy and ROC AUC should be on rows it scored, if its probabilities are
 * calibrated — each row counts as p correct and 1 − p wrong. Always shown as "estimated".
 */

import { argmaxLabels } from '../learn/index.js';
import { calibrate, type Calibrator } from './calibration.js';

export interface EstimatedPerformance {
  readonly kind: 'estimated';
  readonly rows: number;
  /** mean probability of the predicted (the model's most probable) class */
  readonly accuracy: number;
  /** NannyML's expected ROC AUC (binary: of the positive class; multiclass: macro one-vs-rest) */
  readonly auc: number;
  /** when a calibrator rescaled the probabilities: the estimate on the model's own probabilities */
  readonly uncalibrated?: { readonly accuracy: number; readonly auc: number };
}

/**
 * `probabilities`: the model's, rows × classes, row-major, each row summing to 1. With a
 * `calibrator` (fitted on the holdout when the model's probabilities proved miscalibrated), each
 * row's class is still the one the model predicts — its most probable — and the chance it is right
 * is the rescaled probability of that class (NannyML's CBPE on calibrated scores).
 */
export function estimatePerformance(probabilities: ArrayLike<number>, numClasses: number, calibrator: Calibrator | null = null): EstimatedPerformance {
  const predicted = numClasses > 0 ? argmaxLabels(probabilities, numClasses) : new Float64Array(0);
  const own = estimateOn(probabilities, numClasses, predicted);
  if (!calibrator) return own;
  return { ...estimateOn(calibrate(calibrator, probabilities, numClasses), numClasses, predicted), uncalibrated: { accuracy: own.accuracy, auc: own.auc } };
}

/** CBPE on `probabilities`, each row's class being `predicted`. */
function estimateOn(probabilities: ArrayLike<number>, numClasses: number, predicted: ArrayLike<number>): EstimatedPerformance {
  const rows = numClasses > 0 ? Math.floor(probabilities.length / numClasses) : 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) correct += probabilities[i * numClasses + predicted[i]!]!;
  const column = (k: number) => Float64Array.from({ length: rows }, (_, i) => probabilities[i * numClasses + k]!);
  let auc: number;
  if (numClasses === 2) auc = estimatedAuc(column(1));
  else {
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += estimatedAuc(column(k));
    auc = sum / numClasses;
  }
  return { kind: 'estimated', rows, accuracy: rows > 0 ? correct / rows : Number.NaN, auc };
}

/**
 * NannyML's `estimate_roc_auc`: at every distinct probability t taken as the threshold, expected
 * true positives Σ_{p ≥ t} p and false positives Σ_{p ≥ t} (1 − p); the area under those expected
 * (FPR, TPR) points by the trapezoid rule. As in NannyML, the curve stops at the highest threshold
 * rather than at (0, 0).
 */
export function estimatedAuc(probability: ArrayLike<number>): number {
  const p = Float64Array.from(probability).sort();
  const n = p.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += p[i]!;
  const negatives = n - positives;
  if (n === 0 || positives <= 0 || negatives <= 0) return Number.NaN;
  let below = 0; // Σ p of rows under the threshold (expected false negatives)
  let area = 0;
  let prevFpr = Number.NaN;
  let prevTpr = Number.NaN;
  for (let i = 0; i < n; i++) {
    if (i === 0 || p[i] !== p[i - 1]) {
      const tp = positives - below;
      const fp = negatives - (i - below);
      const tpr = tp / positives;
      const fpr = fp / negatives;
      if (!Number.isNaN(prevFpr)) area += ((prevFpr - fpr) * (prevTpr + tpr)) / 2;
      prevFpr = fpr;
      prevTpr = tpr;
    }
    below += p[i]!;
  }
  return area;
}
