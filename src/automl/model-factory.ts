import { loadModel, trainForest, trainGbdt, trainLinear } from '../learn/index.js';
import type { Predictor, Task } from '../learn/types.js';
import type { FoldData } from './cv-data.js';
import { LogTargetModel, type LogTargetModelJSON } from './log-target-model.js';
import type { ModelConfig } from './model-config.js';
import { PriorModel, type PriorModelJSON } from './prior-model.js';

export interface FitContext {
  readonly task: Task;
  readonly numClasses: number;
  readonly seed: number;
  /** ms since epoch; learners that can stop early stop by then */
  readonly deadline?: number;
  /** threads a learner may use (boosting on large data); default 1 */
  readonly threads?: number;
}

/** The model families this build can fit; the portfolio and the search use only these. */
export const AVAILABLE_MODEL_KINDS: ReadonlySet<ModelConfig['kind']> = new Set(['prior', 'gbdt', 'forest', 'linear']);

/** Rounds without improvement on the fold's validation rows before boosting stops. */
const EARLY_STOPPING_ROUNDS = 50;
/**
 * ... by more than this share of the best loss: a fold of Ames house prices otherwise crept on
 * for all 2,000 rounds (five times the time of the other folds) for a negligible gain
 */
const EARLY_STOPPING_MIN_DELTA = 1e-4;

/** Fits one model of `config` on a fold's training rows; boosting stops early on the fold's validation rows (unless its rounds are fixed). */
/**
 * Nodes a tree model may store (its trees of every class): a fold model is one JSON file, ~80
 * bytes a node, and V8's strings end at 512 MB. Letter's forest, 26 classes × 150 estimators of
 * ~5,000 nodes, was 20 million — the bundle could not be written — and 60 classes × 150 of 2,000
 * on 4,800 rows took seconds to score and gigabytes to copy. A booster of 100 classes, 31 leaves
 * and 2,000 rounds would be 12 million.
 */
export const MODEL_MAX_NODES = 2_000_000;

export function fitModel(config: ModelConfig, fold: FoldData, context: FitContext): Predictor {
  const deadline = context.deadline !== undefined ? { deadline: context.deadline } : {};
  // tree models: the deadline and a bound on their size
  const limits = { ...deadline, maxNodes: MODEL_MAX_NODES };
  switch (config.kind) {
    case 'prior':
      return PriorModel.fit(context.task, context.numClasses, fold.yTrain);
    case 'gbdt': {
      const log = config.logTarget === true && context.task === 'regression';
      const y = log ? LogTargetModel.transform(fold.yTrain) : fold.yTrain;
      const yValid = log ? LogTargetModel.transform(fold.yValid) : fold.yValid;
      // a refit's rounds are fixed: it has no validation rows to stop on
      const fixed = config.rounds !== undefined;
      const model = trainGbdt(
        fold.binnedTrain,
        y,
        {
          objective: context.task,
          numClasses: context.numClasses,
          numRounds: config.rounds ?? config.maxRounds,
          learningRate: config.learningRate,
          maxLeaves: config.maxLeaves,
          maxDepth: config.maxDepth,
          minDataInLeaf: config.minDataInLeaf,
          lambdaL2: config.lambdaL2,
          featureFraction: config.featureFraction,
          baggingFraction: config.baggingFraction,
          minSplitGain: config.minSplitGain,
          earlyStoppingRounds: fixed ? 0 : EARLY_STOPPING_ROUNDS,
          earlyStoppingMinDelta: EARLY_STOPPING_MIN_DELTA,
          seed: context.seed,
          threads: context.threads ?? 1,
        },
        { ...(fixed ? {} : { valid: { table: fold.binnedValid, y: yValid } }), ...limits, ...(config.classWeight && context.task !== 'regression' ? { weights: classWeights(fold.yTrain, context.numClasses) } : {}) },
      );
      return log ? new LogTargetModel(model, LogTargetModel.rangeOf(y)) : model;
    }
    case 'forest':
      return trainForest(
        fold.binnedTrain,
        fold.yTrain,
        {
          task: context.task,
          numClasses: context.numClasses,
          numTrees: config.trees,
          extraTrees: config.extraTrees,
          maxFeatures: config.maxFeatures,
          minDataInLeaf: config.minDataInLeaf,
          maxDepth: 0,
          seed: context.seed,
        },
        limits,
      );
    case 'linear': {
      const log = config.logTarget === true && context.task === 'regression';
      const y = log ? LogTargetModel.transform(fold.yTrain) : fold.yTrain;
      const model = trainLinear(
        fold.train,
        y,
        {
          task: context.task,
          numClasses: context.numClasses,
          lambda: config.lambda,
        },
        deadline,
      );
      return log ? new LogTargetModel(model, LogTargetModel.rangeOf(y)) : model;
    }
  }
}

/**
 * Row weights that even out skewed classes: 1/√(class rows), scaled to a mean of 1. The square root
 * stops a class of ten rows among 50,000 from outweighing the rest a thousand times over.
 */
export function classWeights(y: Float64Array, numClasses: number): Float64Array {
  const counts = new Float64Array(numClasses);
  for (const c of y) counts[c]!++;
  const perClass = Array.from(counts, (c) => (c > 0 ? 1 / Math.sqrt(c) : 0));
  let total = 0;
  for (const c of y) total += perClass[c]!;
  const scale = y.length / total;
  return Float64Array.from(y, (c) => perClass[c]! * scale);
}

/** Restores a model saved with `toJSON`: autolab's own wrappers here, the learners through `loadModel`. */
export function restoreModel(json: { kind: string } & Record<string, unknown>): Predictor {
  switch (json.kind) {
    case 'prior':
      return PriorModel.fromJSON(json as unknown as PriorModelJSON);
    case 'log-target':
      return LogTargetModel.fromJSON(json as unknown as LogTargetModelJSON, restoreModel);
    default:
      return loadModel(json);
  }
}
