import { binTable, loadModel, trainForest, trainGbdt, trainLinear, type BinnedDataset } from '../learn/index.js';
import type { FeatureTable, Predictor, Task } from '../learn/types.js';
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

/** Each fold's table is binned once and shared by every tree model fitted on it. */
const binned = new WeakMap<FeatureTable, BinnedDataset>();
function binnedOf(table: FeatureTable): BinnedDataset {
  let data = binned.get(table);
  if (!data) {
    data = binTable(table, { maxBins: 255 });
    binned.set(table, data);
  }
  return data;
}

/** Fits one model of `config` on a fold's training rows; boosting stops early on the fold's validation rows. */
export function fitModel(config: ModelConfig, fold: FoldData, context: FitContext): Predictor {
  const deadline = context.deadline !== undefined ? { deadline: context.deadline } : {};
  switch (config.kind) {
    case 'prior':
      return PriorModel.fit(context.task, context.numClasses, fold.yTrain);
    case 'gbdt': {
      const log = config.logTarget === true && context.task === 'regression';
      const y = log ? LogTargetModel.transform(fold.yTrain) : fold.yTrain;
      const yValid = log ? LogTargetModel.transform(fold.yValid) : fold.yValid;
      const model = trainGbdt(
        binnedOf(fold.train),
        y,
        {
          objective: context.task,
          numClasses: context.numClasses,
          numRounds: config.maxRounds,
          learningRate: config.learningRate,
          maxLeaves: config.maxLeaves,
          maxDepth: config.maxDepth,
          minDataInLeaf: config.minDataInLeaf,
          lambdaL2: config.lambdaL2,
          featureFraction: config.featureFraction,
          baggingFraction: config.baggingFraction,
          minSplitGain: config.minSplitGain,
          earlyStoppingRounds: EARLY_STOPPING_ROUNDS,
          earlyStoppingMinDelta: EARLY_STOPPING_MIN_DELTA,
          seed: context.seed,
        },
        { valid: { table: fold.valid, y: yValid }, ...deadline },
      );
      return log ? new LogTargetModel(model, LogTargetModel.rangeOf(y)) : model;
    }
    case 'forest':
      return trainForest(
        binnedOf(fold.train),
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
        deadline,
      );
    case 'linear': {
      const log = config.logTarget === true && context.task === 'regression';
      const y = log ? LogTargetModel.transform(fold.yTrain) : fold.yTrain;
      const model = trainLinear(fold.train, y, {
        task: context.task,
        numClasses: context.numClasses,
        lambda: config.lambda,
      });
      return log ? new LogTargetModel(model, LogTargetModel.rangeOf(y)) : model;
    }
  }
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
