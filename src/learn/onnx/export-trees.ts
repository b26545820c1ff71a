/**
 * ONNX export of tree ensembles with the `ai.onnx.ml` (opset 3) TreeEnsembleRegressor and
 * TreeEnsembleClassifier operators.
 *
 * Input contract: one float tensor `input` [N, F] with the model's features in `featureNames`
 * order; categorical features as their integer codes; NaN for missing. Outputs: regression
 * `variable` [N, 1] (the summed raw margins plus the base score, no link applied); classifiers
 * `label` [N] (int64) and `probabilities` [N, numClasses].
 *
 * Numeric splits become BRANCH_LEQ with the threshold rounded down to float32, which decides every
 * float32 input exactly as the double threshold does. A categorical split becomes a chain of
 * BRANCH_EQ nodes, one per category sent away from the default side, each leading to its own copy
 * of that subtree; NaN and unseen codes fall through the chain to the default side, as in
 * TypeScript prediction.
 */
import { UsageError } from '../../common/index.js';
import type { Task, TreeArrays } from '../types.js';
import type { OnnxModel, OnnxNode } from './onnx-model.js';
import { encodeOnnxModel, ONNX_DOUBLE, ONNX_FLOAT, ONNX_INT64 } from './onnx-model.js';

export interface TreeEnsembleExport {
  /** trees[k] are the trees of output k (one list for regression and binary) */
  readonly trees: readonly (readonly TreeArrays[])[];
  /** base margin per output */
  readonly baseScore: readonly number[];
  readonly task: Task;
  readonly numClasses: number;
  readonly featureNames: readonly string[];
  /** every leaf value is multiplied by this (a forest passes 1 / number of estimators); default 1 */
  readonly leafScale?: number;
  /**
   * 'link' (default): logistic / softmax of the margins for classifiers, none for regression;
   * 'none': the summed leaves are the output (forests, whose leaves hold probabilities);
   * 'exp': regression output exp(margin) (Poisson boosting)
   */
  readonly transform?: 'link' | 'none' | 'exp';
  /**
   * 'float' (default): input float [N, F], thresholds rounded down to float32; 'double': input
   * double [N, F] and thresholds kept as doubles (`nodes_values_as_tensor`), so every split decides
   * exactly as in TypeScript — needed when features carry more precision than float32 (target
   * encodings: two values a float64 ulp apart can straddle a threshold)
   */
  readonly inputType?: 'float' | 'double';
}

/** Above this many ONNX nodes (categorical chains copy subtrees) the export stops with an error. */
const MAX_NODES = 5_000_000;

const float32 = new Float32Array(1);
const bits32 = new Int32Array(float32.buffer);

/** The largest float32 that is ≤ x. */
export function float32AtOrBelow(x: number): number {
  const f = Math.fround(x);
  if (f <= x || !Number.isFinite(x)) return f;
  float32[0] = f;
  // step one unit in the last place towards −∞
  if (f > 0) bits32[0] = bits32[0]! - 1;
  else if (f === 0) bits32[0] = -0x7fffffff; // -(smallest subnormal)
  else bits32[0] = bits32[0]! + 1;
  return float32[0]!;
}

interface FlatNodes {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  missingTrue: number[];
  /** leaves: tree id, node id, output, weight */
  leafTree: number[];
  leafNode: number[];
  leafOutput: number[];
  leafWeight: number[];
}

function flatten(ensemble: readonly (readonly TreeArrays[])[], featureCount: number, outputOf: (k: number) => number, weightScale: number, double = false): FlatNodes {
  const flat: FlatNodes = { treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [], missingTrue: [], leafTree: [], leafNode: [], leafOutput: [], leafWeight: [] };
  let treeId = 0;
  let total = 0;
  ensemble.forEach((trees, k) => {
    for (const tree of trees) {
      let nextId = 0;
      const add = (mode: string, feature: number, value: number, missingTrue: number): number => {
        if (++total > MAX_NODES) throw new UsageError(`the ensemble needs more than ${MAX_NODES} ONNX nodes (categorical splits are expanded into chains)`, 'export a model with fewer categorical splits or fewer categories');
        const id = nextId++;
        flat.treeIds.push(treeId);
        flat.nodeIds.push(id);
        flat.featureIds.push(feature);
        flat.modes.push(mode);
        flat.values.push(value);
        flat.trueIds.push(0);
        flat.falseIds.push(0);
        flat.missingTrue.push(missingTrue);
        return flat.nodeIds.length - 1;
      };
      // returns the id of the emitted subtree's root within this tree
      const emit = (node: number): number => {
        const left = tree.left[node]!;
        if (left < 0) {
          const index = add('LEAF', 0, 0, 0);
          flat.leafTree.push(treeId);
          flat.leafNode.push(flat.nodeIds[index]!);
          flat.leafOutput.push(outputOf(k));
          flat.leafWeight.push(tree.value[node]! * weightScale);
          return flat.nodeIds[index]!;
        }
        const right = tree.right[node]!;
        const feature = tree.feature[node]!;
        if (feature < 0 || feature >= featureCount) throw new UsageError(`a tree splits on feature ${feature}, but there are ${featureCount} feature names`, 'pass the featureNames the model was trained with');
        const defaultLeft = tree.defaultLeft[node] === 1;
        if (tree.isCategorical[node] !== 1) {
          const index = add('BRANCH_LEQ', feature, double ? tree.threshold[node]! : float32AtOrBelow(tree.threshold[node]!), defaultLeft ? 1 : 0);
          flat.trueIds[index] = emit(left);
          flat.falseIds[index] = emit(right);
          return flat.nodeIds[index]!;
        }
        // the categories that leave the default side
        const away: number[] = [];
        const count = tree.threshold[node]!;
        for (let c = 0; c < count; c++) {
          const word = c >>> 5;
          const bit = word < tree.catWords[node]! ? (tree.catBits[tree.catOffset[node]! + word]! >>> (c & 31)) & 1 : 0;
          if ((bit === 1) !== defaultLeft) away.push(c);
        }
        const defaultChild = defaultLeft ? left : right;
        const awayChild = defaultLeft ? right : left;
        if (away.length === 0) return emit(defaultChild);
        let root = -1;
        let previous = -1;
        for (const c of away) {
          const index = add('BRANCH_EQ', feature, c, 0);
          if (previous >= 0) flat.falseIds[previous] = flat.nodeIds[index]!;
          else root = flat.nodeIds[index]!;
          flat.trueIds[index] = emit(awayChild);
          previous = index;
        }
        flat.falseIds[previous] = emit(defaultChild);
        return root;
      };
      emit(0);
      treeId++;
    }
  });
  return flat;
}

function nodeAttributes(flat: FlatNodes, double: boolean): NonNullable<OnnxNode['attributes']> {
  return {
    nodes_treeids: { type: 'ints', value: flat.treeIds },
    nodes_nodeids: { type: 'ints', value: flat.nodeIds },
    nodes_featureids: { type: 'ints', value: flat.featureIds },
    nodes_modes: { type: 'strings', value: flat.modes },
    ...(double
      ? { nodes_values_as_tensor: { type: 'tensor', value: { name: 'nodes_values', dataType: ONNX_DOUBLE, dims: [flat.values.length], values: flat.values } } }
      : { nodes_values: { type: 'floats', value: flat.values } }),
    nodes_truenodeids: { type: 'ints', value: flat.trueIds },
    nodes_falsenodeids: { type: 'ints', value: flat.falseIds },
    nodes_missing_value_tracks_true: { type: 'ints', value: flat.missingTrue },
  };
}

/** ONNX bytes of a tree ensemble (see the module comment for inputs and outputs). */
export function exportTreesOnnx(ensemble: TreeEnsembleExport): Uint8Array {
  return encodeOnnxModel(treesOnnxModel(ensemble));
}

/** The ONNX model of a tree ensemble as data, for a caller that puts it into a larger graph. */
export function treesOnnxModel(ensemble: TreeEnsembleExport): OnnxModel {
  const { task, numClasses, featureNames } = ensemble;
  const featureCount = featureNames.length;
  const outputs = task === 'multiclass' ? numClasses : 1;
  if (ensemble.trees.length !== outputs || ensemble.baseScore.length !== outputs) {
    throw new UsageError(`a ${task} ensemble needs ${outputs} tree list(s) and base score(s), got ${ensemble.trees.length} and ${ensemble.baseScore.length}`, 'pass one list of trees and one base score per output');
  }
  const leafScale = ensemble.leafScale ?? 1;
  const transform = ensemble.transform ?? 'link';
  if (transform === 'exp' && task !== 'regression') throw new UsageError(`the 'exp' transform is for regression, not ${task}`, "use 'link' or 'none'");
  const double = ensemble.inputType === 'double';
  const input = { name: 'input', elemType: double ? ONNX_DOUBLE : ONNX_FLOAT, shape: ['N', featureCount] };
  const opsets = [
    { domain: '', version: 17 },
    { domain: 'ai.onnx.ml', version: 3 },
  ];
  const docString = `autolab ${task} tree ensemble; input: ${double ? 'double' : 'float'} [N, ${featureCount}] in the order ${JSON.stringify(featureNames)}, categorical codes as numbers, NaN for missing`;

  if (task === 'regression') {
    const flat = flatten(ensemble.trees, featureCount, () => 0, leafScale, double);
    const node: OnnxNode = {
      opType: 'TreeEnsembleRegressor',
      domain: 'ai.onnx.ml',
      inputs: ['input'],
      outputs: [transform === 'exp' ? 'margin' : 'variable'],
      attributes: {
        ...nodeAttributes(flat, double),
        target_treeids: { type: 'ints', value: flat.leafTree },
        target_nodeids: { type: 'ints', value: flat.leafNode },
        target_ids: { type: 'ints', value: flat.leafOutput },
        target_weights: { type: 'floats', value: flat.leafWeight },
        n_targets: { type: 'int', value: 1 },
        aggregate_function: { type: 'string', value: 'SUM' },
        post_transform: { type: 'string', value: 'NONE' },
        base_values: { type: 'floats', value: ensemble.baseScore },
      },
    };
    return {
      graph: { name: 'autolab_trees', nodes: transform === 'exp' ? [node, { opType: 'Exp', inputs: ['margin'], outputs: ['variable'] }] : [node], inputs: [input], outputs: [{ name: 'variable', elemType: ONNX_FLOAT, shape: ['N', 1] }], initializers: [] },
      opsets,
      docString,
    };
  }

  // binary: every leaf votes for the one score slot (class id 0) and LOGISTIC turns the margin into
  // (1 − σ(m), σ(m)); this is onnxruntime's binary convention (as skl2onnx writes it)
  const binary = task === 'binary';
  const flat = flatten(ensemble.trees, featureCount, (k) => k, leafScale, double);
  const node: OnnxNode = {
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    inputs: ['input'],
    outputs: ['label', 'probabilities'],
    attributes: {
      ...nodeAttributes(flat, double),
      class_treeids: { type: 'ints', value: flat.leafTree },
      class_nodeids: { type: 'ints', value: flat.leafNode },
      class_ids: { type: 'ints', value: flat.leafOutput },
      class_weights: { type: 'floats', value: flat.leafWeight },
      classlabels_int64s: { type: 'ints', value: Array.from({ length: numClasses }, (_, k) => k) },
      post_transform: { type: 'string', value: transform === 'none' ? 'NONE' : binary ? 'LOGISTIC' : 'SOFTMAX' },
      base_values: { type: 'floats', value: ensemble.baseScore },
    },
  };
  return {
    graph: {
      name: 'autolab_trees',
      nodes: [node],
      inputs: [input],
      outputs: [
        { name: 'label', elemType: ONNX_INT64, shape: ['N'] },
        { name: 'probabilities', elemType: ONNX_FLOAT, shape: ['N', numClasses] },
      ],
      initializers: [],
    },
    opsets,
    docString,
  };
}
