import { expectedPathLength, type Predictor, type TreeArrays } from '../learn/index.js';
import { LogTargetModel } from './log-target-model.js';
import { PriorModel } from './prior-model.js';

/**
 * What one row costs a model to score, in tree nodes visited: each tree's expected path length
 * (over its training rows), summed; a linear model's multiply-adds count an eighth of a visit
 * each; the prior nothing. Structural, not timed: the same model always costs the same, so an
 * ensemble chosen by cost is as reproducible as one chosen by score.
 */
export function inferenceCost(model: Predictor): number {
  const inner = model instanceof LogTargetModel ? model.logScale.inner : model;
  const trees = (inner as { readonly trees?: readonly TreeArrays[] }).trees;
  if (trees !== undefined) return trees.reduce((sum, tree) => sum + expectedPathLength(tree), 0);
  if (inner instanceof PriorModel) return 0;
  return (inner.featureNames.length * (inner.task === 'multiclass' ? inner.numClasses : 1)) / 8;
}
