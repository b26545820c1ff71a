/**
 * ONNX export of any fitted model of the learning core: linear models as a standard-operator
 * graph, gradient-boosted trees and forests as ai.onnx.ml tree ensembles (input contract: see
 * export-trees.ts).
 */
import { UsageError } from '../../common/index.js';
import { ForestModel } from '../forest.js';
import { GbdtModel } from '../gbdt.js';
import { LinearModel } from '../linear/index.js';
import type { Predictor, TreeArrays } from '../types.js';
import { linearOnnxModel } from './export-linear.js';
import { treesOnnxModel } from './export-trees.js';
import { encodeOnnxModel, type OnnxModel } from './onnx-model.js';

/** Trees that add to output t % outputs, grouped per output. */
function byOutput(trees: readonly TreeArrays[], outputs: number): TreeArrays[][] {
  const groups = Array.from({ length: outputs }, () => [] as TreeArrays[]);
  trees.forEach((tree, t) => groups[t % outputs]!.push(tree));
  return groups;
}

export function exportModelOnnx(model: Predictor): Uint8Array {
  return encodeOnnxModel(modelOnnx(model));
}

/** The ONNX model of a fitted model as data (input `input` [N, F] of `inputType`; outputs as the exporters say). */
export function modelOnnx(model: Predictor, inputType: 'float' | 'double' = 'float'): OnnxModel {
  if (model instanceof LinearModel) return linearOnnxModel(model, inputType);
  if (model instanceof GbdtModel) {
    return treesOnnxModel({
      trees: byOutput(model.trees, model.outputs),
      baseScore: [...model.baseScore],
      task: model.task,
      numClasses: model.numClasses,
      featureNames: model.featureNames,
      transform: model.objective === 'poisson' ? 'exp' : 'link',
      inputType,
    });
  }
  if (model instanceof ForestModel) {
    return treesOnnxModel({
      trees: byOutput(model.trees, model.outputs),
      baseScore: new Array<number>(model.outputs).fill(0),
      task: model.task,
      numClasses: model.numClasses,
      featureNames: model.featureNames,
      leafScale: 1 / Math.max(1, model.numEstimators),
      transform: 'none',
      inputType,
    });
  }
  throw new UsageError(`models of kind '${model.toJSON().kind}' cannot be exported to ONNX`, 'export a linear, gradient-boosted or forest model');
}
