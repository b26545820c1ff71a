import { expectedPathLength, type Predictor } from '../learn/index.js';
import { PriorModel } from './prior-model.js';
import { treeModelOf } from './tree-model.js';

/**
 * What one row costs a model to score, in tree nodes visited: each tree's expected path length
 * (over its training rows), summed; a linear model's multiply-adds count an eighth of a visit
 * each; the prior nothing. Structural, not timed: the same model always costs the same, so an
 * ensemble chosen by cost is as reproducible as one chosen by score.
 */
export function inferenceCost(model: Predictor): number {
  const trees = treeModelOf(model)?.trees;
  if (trees !== undefined) return trees.reduce((sum, tree) => sum + expectedPathLength(tree), 0);
  if (model instanceof PriorModel) return 0;
  return (model.featureNames.length * (model.task === 'multiclass' ? model.numClasses : 1)) / 8;
}
