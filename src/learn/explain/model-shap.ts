/**
 * SHAP values of a fitted tree model, per output, in the space the trees add up in: margins
 * (log-odds, softmax scores, raw regression values) for gradient boosting, probabilities or values
 * for forests (whose prediction is the mean of the trees).
 */
import { UsageError } from '../../common/index.js';
import { ForestModel } from '../forest.js';
import { GbdtModel } from '../gbdt.js';
import type { FeatureTable, Predictor } from '../types.js';
import { treeShap } from './tree-shap.js';

export interface ModelShap {
  /** the model's features, in the order of each row of `values` */
  readonly featureNames: readonly string[];
  /** per output (1, or numClasses for multiclass): rows × features, row-major */
  readonly values: readonly Float64Array[];
  /** per output: what the values are added to (includes the model's base score) */
  readonly expectedValues: readonly number[];
}

/**
 * For every row and output: expectedValues[k] + Σ_f values[k][row·F + f] equals the margin of
 * gradient boosting (`predictRaw`) or the forest's prediction (class-1 probability for binary).
 */
export function modelShap(model: Predictor, table: FeatureTable): ModelShap {
  let outputs: number;
  let scale = 1;
  let base: readonly number[];
  if (model instanceof GbdtModel) {
    outputs = model.outputs;
    base = model.baseScore;
  } else if (model instanceof ForestModel) {
    outputs = model.outputs;
    scale = 1 / Math.max(1, model.numEstimators);
    base = new Array<number>(outputs).fill(0);
  } else {
    throw new UsageError(`TreeSHAP explains tree models, not models of kind '${model.toJSON().kind}'`, 'use permutationImportance for other models');
  }
  const trees = (model as GbdtModel | ForestModel).trees;
  const f = model.featureNames.length;
  const values: Float64Array[] = [];
  const expectedValues: number[] = [];
  for (let k = 0; k < outputs; k++) {
    const result = treeShap(
      trees.filter((_, t) => t % outputs === k),
      f,
      table,
      { featureNames: model.featureNames },
    );
    if (scale !== 1) for (let i = 0; i < result.values.length; i++) result.values[i] = result.values[i]! * scale;
    values.push(result.values);
    expectedValues.push(base[k]! + result.expectedValue * scale);
  }
  return { featureNames: model.featureNames, values, expectedValues };
}
