import { ForestModel, GbdtModel } from '../learn/index.js';
import type { Predictor } from '../learn/types.js';
import { LogTargetModel } from './log-target-model.js';

/** The boosted or forest model behind a fitted model (through a log-target wrapper), or undefined for others. */
export function treeModelOf(model: Predictor): GbdtModel | ForestModel | undefined {
  if (model instanceof LogTargetModel) return treeModelOf(model.logScale.inner);
  return model instanceof GbdtModel || model instanceof ForestModel ? model : undefined;
}
