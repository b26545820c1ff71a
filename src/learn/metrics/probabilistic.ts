/**
 * Metrics on scores and probabilities: ROC AUC (tied scores count one half) and log loss.
 */
import { checkLengths } from './check.js';

/**
 * Area under the ROC curve of `score` for the positive labels (y === 1): the probability that a
 * random positive outranks a random negative, ties counting one half. NaN when y holds one class.
 */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  checkLengths('AUC', y, score);
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a]! - score[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    const value = score[order[start]!]!;
    let end = start + 1;
    while (end < n && score[order[end]!]! === value) end++;
    // ranks start..end-1 (0-based) share their mean, 1-based
    const meanRank = (start + end + 1) / 2;
    for (let j = start; j < end; j++) {
      if (y[order[j]!] === 1) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Macro average of one-vs-rest AUCs over the classes present in y (row-major n × k probabilities). */
export function multiclassAuc(y: ArrayLike<number>, proba: ArrayLike<number>, numClasses: number): number {
  checkLengths('AUC', y, proba, numClasses);
  const n = y.length;
  const isClass = new Float64Array(n);
  const column = new Float64Array(n);
  let sum = 0;
  let counted = 0;
  for (let k = 0; k < numClasses; k++) {
    for (let i = 0; i < n; i++) {
      isClass[i] = y[i] === k ? 1 : 0;
      column[i] = proba[i * numClasses + k]!;
    }
    const auc = rocAuc(isClass, column);
    if (!Number.isNaN(auc)) {
      sum += auc;
      counted++;
    }
  }
  return counted > 0 ? sum / counted : Number.NaN;
}

/**
 * Mean negative log-likelihood of the true class. Probabilities are clipped to [eps, 1 − eps] and
 * each row renormalised (as scikit-learn 1.2 does), so a confident mistake costs −log(eps), not ∞.
 */
export function logLoss(y: ArrayLike<number>, proba: ArrayLike<number>, numClasses: number, eps = 1e-15): number {
  checkLengths('log loss', y, proba, numClasses);
  const n = y.length;
  if (n === 0) return Number.NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let k = 0; k < numClasses; k++) rowSum += Math.min(Math.max(proba[i * numClasses + k]!, eps), 1 - eps);
    const p = Math.min(Math.max(proba[i * numClasses + y[i]!]!, eps), 1 - eps) / rowSum;
    total -= Math.log(p);
  }
  return total / n;
}
