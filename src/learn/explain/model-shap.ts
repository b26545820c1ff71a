/**
 * SHAP values of a fitted tree model, per output, in the space the trees add up in: margins
 * (log-odds, softmax scores, raw regression values) for gradient boosting, probabilities or values
 * for forests (whose prediction is the mean of the trees).
 */
import { UsageError } from '../../common/index.js';
import { ForestModel } from '../forest.js';
import { GbdtModel } from '../gbdt.js';
import type { FeatureTable, Predictor } from '../types.js';
import { addShapValues, shapTree, type ShapTree } from './tree-shap.js';
import { featureColumns } from './tree-walk.js';

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
  const byOutput = shapTreesOf(model as GbdtModel | ForestModel, outputs);
  const f = model.featureNames.length;
  const columns = featureColumns(table, f, { featureNames: model.featureNames });
  const values: Float64Array[] = [];
  const expectedValues: number[] = [];
  for (let k = 0; k < outputs; k++) {
    const output = new Float64Array(table.rows * f);
    const expected = addShapValues(byOutput[k]!, f, columns, table.rows, output);
    if (scale !== 1) for (let i = 0; i < output.length; i++) output[i] = output[i]! * scale;
    values.push(output);
    expectedValues.push(base[k]! + expected * scale);
  }
  return { featureNames: model.featureNames, values, expectedValues };
}

/** Per model, its trees laid out for TreeSHAP and grouped by output: a served record looks up one entry per model, not one per tree. */
const shapTreesByModel = new WeakMap<GbdtModel | ForestModel, readonly (readonly ShapTree[])[]>();

function shapTreesOf(model: GbdtModel | ForestModel, outputs: number): readonly (readonly ShapTree[])[] {
  let byOutput = shapTreesByModel.get(model);
  if (!byOutput) {
    const grouped: ShapTree[][] = Array.from({ length: outputs }, () => []);
    model.trees.forEach((tree, t) => grouped[t % outputs]!.push(shapTree(tree)));
    byOutput = grouped;
    shapTreesByModel.set(model, byOutput);
  }
  return byOutput;
}
