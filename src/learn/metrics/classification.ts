/**
 * Metrics on hard labels (class indices 0..k−1 stored as numbers): confusion matrix, accuracy,
 * balanced accuracy, precision, recall and F1. A class that is never predicted (or never present)
 * gets precision (or recall) 0, as scikit-learn's `zero_division=0`.
 */
import { checkLengths } from './check.js';

/** Counts as a k × k row-major matrix: row = true class, column = predicted class. */
export interface ConfusionMatrix {
  readonly numClasses: number;
  readonly counts: Float64Array;
}

function inferClasses(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let max = 1;
  for (let i = 0; i < y.length; i++) max = Math.max(max, y[i]!, predicted[i]!);
  return max + 1;
}

export function confusionMatrix(y: ArrayLike<number>, predicted: ArrayLike<number>, numClasses?: number): ConfusionMatrix {
  checkLengths('confusion matrix', y, predicted);
  const k = numClasses ?? inferClasses(y, predicted);
  const counts = new Float64Array(k * k);
  for (let i = 0; i < y.length; i++) {
    const t = y[i]!;
    const p = predicted[i]!;
    if (t >= 0 && t < k && p >= 0 && p < k) counts[t * k + p] = counts[t * k + p]! + 1;
  }
  return { numClasses: k, counts };
}

export function accuracy(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths('accuracy', y, predicted);
  if (y.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === predicted[i]) hits++;
  return hits / y.length;
}

interface ClassCounts {
  readonly truePositive: Float64Array;
  readonly predictedCount: Float64Array;
  readonly actualCount: Float64Array;
}

function classCounts(matrix: ConfusionMatrix): ClassCounts {
  const k = matrix.numClasses;
  const truePositive = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  const actualCount = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    for (let p = 0; p < k; p++) {
      const c = matrix.counts[t * k + p]!;
      actualCount[t] = actualCount[t]! + c;
      predictedCount[p] = predictedCount[p]! + c;
      if (t === p) truePositive[t] = c;
    }
  }
  return { truePositive, predictedCount, actualCount };
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** Mean recall over the classes present in y. */
export function balancedAccuracy(y: ArrayLike<number>, predicted: ArrayLike<number>, numClasses?: number): number {
  const { truePositive, actualCount } = classCounts(confusionMatrix(y, predicted, numClasses));
  let sum = 0;
  let present = 0;
  for (let c = 0; c < actualCount.length; c++) {
    if (actualCount[c]! > 0) {
      sum += truePositive[c]! / actualCount[c]!;
      present++;
    }
  }
  return present > 0 ? sum / present : Number.NaN;
}

/**
 * 'binary' scores the positive class only; 'macro' averages over the classes that are present in y
 * or predicted (scikit-learn's labels): a class neither present nor predicted has nothing to score.
 */
export interface AverageOptions {
  readonly average?: 'binary' | 'macro';
  /** the positive class for 'binary' (default 1) */
  readonly positive?: number;
  readonly numClasses?: number;
}

function averaged(y: ArrayLike<number>, predicted: ArrayLike<number>, options: AverageOptions, score: (tp: number, predictedCount: number, actualCount: number) => number): number {
  const average = options.average ?? 'binary';
  const counts = classCounts(confusionMatrix(y, predicted, options.numClasses));
  if (average === 'binary') {
    const c = options.positive ?? 1;
    return score(counts.truePositive[c] ?? 0, counts.predictedCount[c] ?? 0, counts.actualCount[c] ?? 0);
  }
  let sum = 0;
  let scored = 0;
  for (let c = 0; c < counts.truePositive.length; c++) {
    if (counts.predictedCount[c]! === 0 && counts.actualCount[c]! === 0) continue;
    sum += score(counts.truePositive[c]!, counts.predictedCount[c]!, counts.actualCount[c]!);
    scored++;
  }
  return scored > 0 ? sum / scored : Number.NaN;
}

export function precision(y: ArrayLike<number>, predicted: ArrayLike<number>, options: AverageOptions = {}): number {
  return averaged(y, predicted, options, (tp, pc) => ratio(tp, pc));
}

export function recall(y: ArrayLike<number>, predicted: ArrayLike<number>, options: AverageOptions = {}): number {
  return averaged(y, predicted, options, (tp, _pc, ac) => ratio(tp, ac));
}

/** F1 = 2·TP / (2·TP + FP + FN); 0 when the class is neither present nor predicted. */
export function f1Score(y: ArrayLike<number>, predicted: ArrayLike<number>, options: AverageOptions = {}): number {
  return averaged(y, predicted, options, (tp, pc, ac) => ratio(2 * tp, pc + ac));
}
