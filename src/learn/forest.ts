import { InputError } from '../common/errors.js';
import type { FeatureTable, Predictor, Task, TreeArrays } from './types.js';
import { binTable, isBinnedDataset, type BinnedDataset } from './trees/binning.js';
import { importance } from './gbdt.js';
import { TreeGrower, type GrowParams } from './trees/grow-tree.js';
import { growDataOf, targetHistogram } from './trees/histogram.js';
import { checkLabels } from './trees/objectives.js';
import { Rng } from './random.js';
import { PackedTrees } from './trees/packed-trees.js';
import { shareableColumn } from './trees/prediction-workers.js';
import { columnsByName, toTreeArrays, withLeafValues } from './trees/tree-arrays.js';
import { treeFromJSON, treeToJSON, type TreeJSON } from './trees/tree-json.js';

export interface ForestParams {
  task: Task;
  /** classification; defaults to the largest label + 1 (2 for binary) */
  numClasses?: number;
  numTrees: number;
  /** extra-trees: random thresholds and no bootstrap; otherwise a random forest */
  extraTrees: boolean;
  /** share of features drawn at each node; default √F/F for classification, 1 for regression */
  maxFeatures?: number;
  minDataInLeaf: number;
  /** 0 = unlimited */
  maxDepth: number;
  seed: number;
  maxBins: number;
  threads?: number;
}

export const DEFAULT_FOREST_PARAMS: Omit<ForestParams, 'task'> = {
  numTrees: 100,
  extraTrees: false,
  minDataInLeaf: 1,
  maxDepth: 0,
  seed: 0,
  maxBins: 255,
};

export interface ForestModelJSON {
  readonly kind: 'forest';
  readonly version: 1;
  readonly task: Task;
  readonly numClasses: number;
  readonly extraTrees: boolean;
  readonly featureNames: readonly string[];
  readonly trees: readonly TreeJSON[];
  readonly [key: string]: unknown;
}

/**
 * Random forest / extra-trees. Classification trees hold class frequencies at their leaves
 * (binary: one tree per estimator with P(class 1); multiclass: one tree per class per estimator,
 * same structure, tree i serving class i % numClasses); regression leaves hold means.
 * Predictions are means over estimators.
 */
export class ForestModel implements Predictor {
  readonly outputs: number;
  #packed: PackedTrees | undefined;

  constructor(
    readonly task: Task,
    readonly numClasses: number,
    readonly extraTrees: boolean,
    readonly featureNames: readonly string[],
    readonly trees: TreeArrays[],
  ) {
    this.outputs = task === 'multiclass' ? numClasses : 1;
  }

  get numEstimators(): number {
    return this.trees.length / this.outputs;
  }

  predict(table: FeatureTable): Float64Array {
    return this.predictLater(table)();
  }

  predictLater(table: FeatureTable): () => Float64Array {
    const columns = columnsByName(table, this.featureNames);
    const k = this.outputs;
    const n = table.rows;
    // where the prediction workers write a big batch's sums (`accumulate` would copy it there and back)
    const sums = shareableColumn(n * k);
    this.#packed ??= new PackedTrees(this.trees, (t) => t % k);
    const finish = this.#packed.accumulateLater(columns, n, k, sums);
    return () => {
      finish();
      return this.#mean(sums, n);
    };
  }

  /** the trees' sums as their means: class probabilities, values */
  #mean(sums: Float64Array, n: number): Float64Array {
    const scale = 1 / Math.max(1, this.numEstimators);
    if (this.task === 'binary') {
      const out = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        const p = sums[i]! * scale;
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    for (let i = 0; i < sums.length; i++) sums[i]! *= scale;
    return sums;
  }

  gainImportance(): Float64Array {
    return importance(this.trees.filter((_, i) => i % this.outputs === 0), this.featureNames.length, true);
  }

  splitImportance(): Float64Array {
    return importance(this.trees.filter((_, i) => i % this.outputs === 0), this.featureNames.length, false);
  }

  toJSON(): ForestModelJSON {
    return {
      kind: 'forest',
      version: 1,
      task: this.task,
      numClasses: this.numClasses,
      extraTrees: this.extraTrees,
      featureNames: this.featureNames,
      trees: this.trees.map(treeToJSON),
    };
  }

  static fromJSON(json: ForestModelJSON): ForestModel {
    if (json.kind !== 'forest' || json.version !== 1) throw new InputError(`model kind '${json.kind}' version ${json.version} is not a forest model v1`, 'load a model file written by autolab');
    if (!Array.isArray(json.trees) || !Array.isArray(json.featureNames)) throw new InputError('the forest model JSON lacks trees or featureNames', 'load a model file written by autolab');
    return new ForestModel(json.task, json.numClasses, json.extraTrees, [...json.featureNames], json.trees.map(treeFromJSON));
  }
}

export function trainForest(
  train: FeatureTable | BinnedDataset,
  y: Float64Array,
  params: Partial<ForestParams> & { task: Task },
  options: {
    readonly weights?: Float64Array;
    readonly deadline?: number;
    /**
     * nodes the forest may store in all (a multiclass forest stores each estimator's tree once per
     * class): no estimator is added once the next would pass it, the first always is
     */
    readonly maxNodes?: number;
  } = {},
): ForestModel {
  const p: ForestParams = { ...DEFAULT_FOREST_PARAMS, ...params };
  if (!['binary', 'multiclass', 'regression'].includes(p.task)) throw new InputError(`forest task '${p.task}' is unknown`, 'use binary, multiclass or regression');
  if (!Number.isInteger(p.numTrees) || p.numTrees < 1) throw new InputError(`forest numTrees is ${p.numTrees}`, 'use an integer >= 1');
  if (!(p.minDataInLeaf >= 1)) throw new InputError(`forest minDataInLeaf is ${p.minDataInLeaf}`, 'use a number >= 1');
  if (!Number.isInteger(p.maxDepth) || p.maxDepth < 0) throw new InputError(`forest maxDepth is ${p.maxDepth}`, 'use an integer >= 0 (0 = unlimited)');
  if (p.maxFeatures !== undefined && !(p.maxFeatures > 0 && p.maxFeatures <= 1)) throw new InputError(`forest maxFeatures is ${p.maxFeatures}`, 'use a share in (0, 1]');
  if (!isBinnedDataset(train) && train.rows <= 0) throw new InputError('the training table has no rows', 'pass at least one row');
  const binned = isBinnedDataset(train) ? train : binTable(train, { maxBins: p.maxBins });
  const n = binned.rows;
  const objective = p.task === 'regression' ? 'regression' : p.task;
  const numClasses = checkLabels(objective, y, n, p.task === 'binary' ? 2 : p.numClasses);
  const w = options.weights;
  if (w !== undefined && w.length !== n) throw new InputError(`the weights have ${w.length} values for ${n} rows`, 'pass one weight per row');
  const data = growDataOf(binned, { columns: true });
  const F = data.numFeatures;
  const maxFeatures = p.maxFeatures ?? (p.task === 'regression' ? 1 : Math.sqrt(F) / F);
  const channels = p.task === 'multiclass' ? numClasses : 1;
  const channel = new Int32Array(n);
  const amount = new Float64Array(n);
  const weight = new Float64Array(n);
  const growParams: GrowParams = {
    maxLeaves: Infinity,
    maxDepth: p.maxDepth,
    minDataInLeaf: p.minDataInLeaf,
    minHessianInLeaf: 1e-12,
    lambdaL1: 0,
    lambdaL2: 0,
    minSplitGain: 0,
    maxCatOneHot: 4,
    maxCatThreshold: 32,
    catSmooth: 10,
    catL2: 0,
    randomThresholds: p.extraTrees,
    bestFirst: false,
    featuresPerNode: Math.max(1, Math.round(maxFeatures * F)),
  };
  const grower = new TreeGrower(data, targetHistogram(data, channel, amount, weight, channels), growParams);
  const rng = new Rng(p.seed);
  const allFeatures = new Int32Array(F);
  for (let f = 0; f < F; f++) allFeatures[f] = f;
  const multiplicity = new Uint32Array(n);
  const trees: TreeArrays[] = [];
  let stored = 0;
  for (let t = 0; t < p.numTrees; t++) {
    if (p.extraTrees) multiplicity.fill(1);
    else {
      multiplicity.fill(0);
      for (let i = 0; i < n; i++) multiplicity[rng.int(n)]!++;
    }
    let inBag = 0;
    for (let r = 0; r < n; r++) {
      const wr = (w === undefined ? 1 : w[r]!) * multiplicity[r]!;
      weight[r] = wr;
      if (p.task === 'regression') {
        channel[r] = 0;
        amount[r] = wr * y[r]!;
      } else if (p.task === 'binary') {
        channel[r] = y[r] === 1 ? 0 : -1;
        amount[r] = wr;
      } else {
        channel[r] = y[r]!;
        amount[r] = wr;
      }
      if (multiplicity[r]! > 0 && wr > 0) inBag++;
    }
    const sample = new Uint32Array(inBag);
    for (let r = 0, k = 0; r < n; r++) if (multiplicity[r]! > 0 && weight[r]! > 0) sample[k++] = r;
    if (sample.length === 0) throw new InputError('every row has weight 0', 'give some rows a positive weight');
    const grown = grower.grow(sample, allFeatures, rng);
    const leafValue = (k: number) => (node: number) => {
      const h = grown.hess[node]!;
      return h > 0 ? grown.sums[node * channels + k]! / h : 0;
    };
    // one structure for the estimator's trees of every class: only their leaves differ
    const first = toTreeArrays(grown, binned.mapper, leafValue(0));
    trees.push(first);
    for (let k = 1; k < channels; k++) trees.push(withLeafValues(first, leafValue(k)));
    if (options.deadline !== undefined && Date.now() >= options.deadline) break;
    // the next estimator is taken to be as large as the average so far
    stored += grown.numNodes * channels;
    if (options.maxNodes !== undefined && stored + stored / (t + 1) > options.maxNodes) break;
  }
  return new ForestModel(p.task, numClasses === 1 ? 1 : numClasses, p.extraTrees, binned.mapper.features.map((f) => f.name), trees);
}
