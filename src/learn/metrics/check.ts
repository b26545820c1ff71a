import { InputError } from '../../common/index.js';

/** Throws when the predictions do not hold `perRow` values for each of the y.length rows. */
export function checkLengths(metric: string, y: ArrayLike<number>, predictions: ArrayLike<number>, perRow = 1): void {
  if (predictions.length !== y.length * perRow) {
    throw new InputError(`${metric}: ${predictions.length} predictions for ${y.length} labels${perRow > 1 ? ` × ${perRow} classes` : ''}`, 'pass one prediction per row (one per class for probabilities)');
  }
}

/** Class labels of row-major n × k probabilities (the first class wins ties). */
export function argmaxLabels(proba: ArrayLike<number>, numClasses: number): Float64Array {
  const n = Math.floor(proba.length / numClasses);
  const labels = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (proba[i * numClasses + k]! > proba[i * numClasses + best]!) best = k;
    labels[i] = best;
  }
  return labels;
}

/** The positive-class column (class 1) of row-major n × 2 probabilities. */
export function positiveColumn(proba: ArrayLike<number>): Float64Array {
  const n = Math.floor(proba.length / 2);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = proba[2 * i + 1]!;
  return out;
}
