import type { Predictor, Task } from '../learn/types.js';
import type { FoldData } from './cv-data.js';
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
export const AVAILABLE_MODEL_KINDS: ReadonlySet<ModelConfig['kind']> = new Set(['prior']);

/** Fits one model of `config` on a fold's training rows; boosting stops early on the fold's validation rows. */
export function fitModel(config: ModelConfig, fold: FoldData, context: FitContext): Predictor {
  switch (config.kind) {
    case 'prior':
      return PriorModel.fit(context.task, context.numClasses, fold.yTrain);
    default:
      throw new Error(`${config.kind} models cannot be fitted by this build`);
  }
}

/** Restores a model saved with `toJSON`. */
export function restoreModel(json: { kind: string } & Record<string, unknown>): Predictor {
  if (json.kind === 'prior') return PriorModel.fromJSON(json as unknown as PriorModelJSON);
  throw new Error(`unknown model kind '${json.kind}'`);
}
