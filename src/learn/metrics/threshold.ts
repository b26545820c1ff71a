/**
 * Decision threshold choice for binary classifiers: every distinct score is tried as a cut, and the
 * one that maximises F1 or balanced accuracy on (usually out-of-fold) predictions wins.
 */
import { checkLengths } from './check.js';

export type ThresholdCriterion = 'f1' | 'balancedAccuracy';

export interface ThresholdChoice {
  /** predict the positive class when score >= threshold */
  readonly threshold: number;
  /** the criterion's value at that threshold */
  readonly value: number;
}

/**
 * The threshold lies halfway between the lowest score called positive and the next lower score, so
 * that nearby new scores fall on the side their neighbours did. Ties keep the higher threshold.
 */
export function chooseThreshold(y: ArrayLike<number>, score: ArrayLike<number>, criterion: ThresholdCriterion = 'f1'): ThresholdChoice {
  checkLengths('threshold choice', y, score);
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) positives++;
  const negatives = n - positives;
  const evaluate = (tp: number, fp: number): number => {
    if (criterion === 'f1') return 2 * tp + fp + (positives - tp) > 0 ? (2 * tp) / (2 * tp + fp + (positives - tp)) : 0;
    const tpr = positives > 0 ? tp / positives : 0;
    const tnr = negatives > 0 ? (negatives - fp) / negatives : 0;
    return positives > 0 && negatives > 0 ? (tpr + tnr) / 2 : tpr + tnr;
  };
  // nothing positive
  let best: ThresholdChoice = { threshold: n > 0 ? score[order[0]!]! + 1 : 0.5, value: evaluate(0, 0) };
  let tp = 0;
  let fp = 0;
  for (let start = 0; start < n; ) {
    const value = score[order[start]!]!;
    let end = start;
    while (end < n && score[order[end]!]! === value) {
      if (y[order[end]!] === 1) tp++;
      else fp++;
      end++;
    }
    const result = evaluate(tp, fp);
    if (result > best.value) {
      const next = end < n ? score[order[end]!]! : -Infinity;
      best = { threshold: next === -Infinity ? -Infinity : (value + next) / 2, value: result };
    }
    start = end;
  }
  return best;
}
